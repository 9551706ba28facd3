/**
 * The one reader of the daemon's event streams (server-sent events), for the extension, the
 * lineage UI and scripts. It reads with fetch, not EventSource, because EventSource cannot send
 * the bearer token a daemon beyond loopback requires. Browser and Node 20 alike: only fetch,
 * TextDecoder and ReadableStream, no node: imports.
 *
 * The daemon's streams (docs/http-api.md): `run-event` events whose `id:` is the event id, a run's
 * stream ending with `end`, the global stream closed with `error` for a client too far behind
 * (resumed by reconnecting), comments as heartbeats, and 204 for a client that asks to resume a
 * stream that has already ended.
 */

/** One event of a stream, as the SSE format defines it. */
export interface ServerSentEvent {
  /** The `event:` field; `message` when absent. */
  type: string;
  /** The `data:` lines, joined by newlines. */
  data: string;
  /** The `id:` field, or null. */
  id: string | null;
}

/** Names of the daemon's stream events. */
export const STREAM_EVENTS = {
  /** `data` is a run event (`RunEventJson`), `id` its event id. */
  runEvent: "run-event",
  /** The run's last event has been sent; `data` is `RunEndJson`. The stream closes after it. */
  end: "end",
  /**
   * The client fell too far behind (the global stream); `data` is `StreamBehindJson`. The stream
   * closes after it: reconnect with Last-Event-ID to resume from storage, nothing lost.
   */
  behind: "error",
} as const;

/**
 * Splits a stream's text into events as it arrives: feed it chunks in any sizes (a line or an
 * event may span chunks); it returns the events completed by each chunk. Lines end in LF, CRLF or
 * CR; comments (`:`) are skipped; a block without `data:` is not an event (the SSE rule).
 */
export class ServerSentEventParser {
  private buffer = "";
  private type = "";
  private data: string[] = [];
  private id: string | null = null;

  /** Parses `chunk`; returns the events it completes. */
  push(chunk: string): ServerSentEvent[] {
    // One pass over the text with an index: slicing the buffer after every line copied the rest of
    // a chunk once per line, quadratic in the chunk for a stream of small events (a big run's log).
    const text = this.buffer + chunk;
    const events: ServerSentEvent[] = [];
    let start = 0;
    for (;;) {
      let newline = start;
      while (newline < text.length && text.charCodeAt(newline) !== 10 && text.charCodeAt(newline) !== 13) newline++;
      if (newline === text.length) break;
      // A CR at the very end may be the first half of a CRLF that the next chunk completes.
      if (text.charCodeAt(newline) === 13 && newline === text.length - 1) break;
      const event = this.line(text.slice(start, newline));
      if (event) events.push(event);
      start = text.charCodeAt(newline) === 13 && text.charCodeAt(newline + 1) === 10 ? newline + 2 : newline + 1;
    }
    this.buffer = text.slice(start);
    return events;
  }

  private line(line: string): ServerSentEvent | undefined {
    if (line === "") {
      const event = this.data.length > 0 ? { type: this.type || "message", data: this.data.join("\n"), id: this.id } : undefined;
      this.type = "";
      this.data = [];
      this.id = null;
      return event;
    }
    if (line.startsWith(":")) return undefined;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "data") this.data.push(value);
    else if (field === "event") this.type = value;
    else if (field === "id") this.id = value;
    return undefined;
  }
}

/** What {@link readEventStream} does, and what it tells its caller. */
export interface EventStreamOptions {
  /** Extra request headers (the bearer token). */
  headers?: Record<string, string>;
  /** Stops reading (and reconnecting) when aborted. */
  signal?: AbortSignal;
  /** Each event; return `"stop"` to end the stream (without reconnecting). */
  onEvent(event: ServerSentEvent): void | "stop";
  /** The stream connected (true) or dropped (false, with why). */
  onStatus?(connected: boolean, error?: string): void;
  /**
   * Reconnects after a drop, resuming after the last event id (`Last-Event-ID`), so that no event
   * is lost or delivered twice. `maxAttempts` failed connections in a row give up (the promise
   * rejects with the last error); unlimited by default.
   * @defaultValue `{ initialDelayMs: 500, maxDelayMs: 10000 }`
   */
  retry?: { initialDelayMs?: number; maxDelayMs?: number; maxAttempts?: number };
}

/** An answer that is not a stream; reconnecting is pointless for a 4xx. */
export class EventStreamHttpError extends Error {
  constructor(readonly status: number, readonly url: string) {
    super(`GET ${url} failed (${status})`);
    this.name = "EventStreamHttpError";
  }
}

/**
 * Reads the event stream at `url` until the daemon ends it (an `end` event, or 204 to a resuming
 * client), `onEvent` returns `"stop"`, or `signal` aborts.
 *
 * @example
 * await readEventStream(`${base}/api/runs/${runId}/events`, {
 *   headers: { authorization: `Bearer ${token}` },
 *   onEvent: (event) => { if (event.type === STREAM_EVENTS.runEvent) show(JSON.parse(event.data)); },
 * });
 */
export async function readEventStream(url: string, options: EventStreamOptions): Promise<void> {
  const { signal } = options;
  const initialDelay = options.retry?.initialDelayMs ?? 500;
  const maxDelay = options.retry?.maxDelayMs ?? 10_000;
  let delay = initialDelay;
  let failures = 0;
  let lastId: string | null = null;
  let connected = false;
  while (!signal?.aborted) {
    try {
      const response: Response = await fetch(url, {
        headers: { ...options.headers, accept: "text/event-stream", ...(lastId === null ? {} : { "last-event-id": lastId }) },
        ...(signal ? { signal } : {}),
      });
      if (response.status === 204) return; // the stream had ended before we resumed it
      if (!response.ok || !response.body) throw new EventStreamHttpError(response.status, url);
      connected = true;
      failures = 0;
      delay = initialDelay;
      options.onStatus?.(true);
      const parser = new ServerSentEventParser();
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        for (const event of parser.push(decoder.decode(value, { stream: true }))) {
          if (event.id !== null) lastId = event.id;
          if (options.onEvent(event) === "stop" || event.type === STREAM_EVENTS.end) {
            await reader.cancel().catch(() => undefined);
            return;
          }
        }
      }
      throw new Error("the stream ended");
    } catch (error) {
      if (signal?.aborted) return;
      if (error instanceof EventStreamHttpError && error.status >= 400 && error.status < 500) throw error;
      if (connected) options.onStatus?.(false, error instanceof Error ? error.message : String(error));
      connected = false;
      failures++;
      if (options.retry?.maxAttempts !== undefined && failures >= options.retry.maxAttempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, maxDelay);
    }
  }
}
