/**
 * A Server-Sent Events reader on fetch: unlike EventSource it can send an Authorization header.
 * Reconnects with backoff and resumes from the last event id (Last-Event-ID).
 */

/** Callbacks of {@link streamServerSentEvents}. */
export interface SseHandlers {
  onEvent(type: string, data: string, id: string | null): void;
  /** Called when the stream connects (true) or drops (false, with the reason). */
  onStatus?(connected: boolean, error?: string): void;
}

/** Reads `url` as an event stream until `signal` aborts. */
export async function streamServerSentEvents(url: string, headers: Record<string, string>, handlers: SseHandlers, signal?: AbortSignal): Promise<void> {
  let lastId: string | null = null;
  let delay = 500;
  let wasConnected = false;
  while (!signal?.aborted) {
    try {
      const response = await fetch(url, {
        headers: { ...headers, accept: "text/event-stream", ...(lastId ? { "last-event-id": lastId } : {}) },
        signal: signal ?? null,
      });
      if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
      if (!wasConnected) handlers.onStatus?.(true);
      wasConnected = true;
      delay = 500;
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      let type = "message";
      let data: string[] = [];
      let id: string | null = null;
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let newline: number;
        while ((newline = buffer.search(/\r?\n/)) !== -1) {
          const line = buffer.slice(0, newline);
          buffer = buffer.slice(buffer[newline] === "\r" ? newline + 2 : newline + 1);
          if (line === "") {
            if (data.length > 0) {
              if (id !== null) lastId = id;
              handlers.onEvent(type, data.join("\n"), id);
            }
            type = "message";
            data = [];
            id = null;
          } else if (!line.startsWith(":")) {
            const colon = line.indexOf(":");
            const field = colon === -1 ? line : line.slice(0, colon);
            const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
            if (field === "data") data.push(value);
            else if (field === "event") type = value;
            else if (field === "id") id = value;
          }
        }
      }
      throw new Error("the stream ended");
    } catch (error) {
      if (signal?.aborted) return;
      if (wasConnected) handlers.onStatus?.(false, error instanceof Error ? error.message : String(error));
      wasConnected = false;
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 10_000);
    }
  }
}
