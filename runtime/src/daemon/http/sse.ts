/** Server-sent events on a node:http response: framing, heartbeats, slow clients, disconnects. */
import type { IncomingMessage, ServerResponse } from "node:http";
import { COMMON_HEADERS } from "./respond";
import { HttpError } from "./errors";

/** Heartbeat comment interval: keeps proxies and idle timeouts from closing quiet streams. */
export const HEARTBEAT_MS = 15_000;

/** A client whose unsent output passes this is dropped rather than buffered without end. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

/** An open event stream. */
export interface SseStream {
  /**
   * Sends one event (`id:`, `event:`, `data:` lines). False when the client is behind (the socket's
   * buffer is past its high-water mark): send no more until {@link drained} resolves.
   */
  event(name: string, data: unknown, id?: number): boolean;
  /** Resolves when the client has read what was buffered (at once when nothing is), or the stream closed. */
  drained(): Promise<void>;
  /**
   * Ends the stream with a last event, `event: error`, and a `retry:` hint: the client should
   * reconnect and resume with Last-Event-ID. A client that has not read it within a heartbeat
   * interval is disconnected.
   */
  closeWithError(data: unknown, retryMs: number): void;
  /** Ends the response. */
  close(): void;
  /** Called once when the stream ends for any reason (client gone, closed, server stopping). */
  onClose(listener: () => void): void;
  readonly closed: boolean;
}

/** True when the client asked for an event stream (`Accept: text/event-stream`). */
export function wantsEventStream(req: IncomingMessage): boolean {
  return (req.headers.accept ?? "").split(",").some((part) => part.split(";")[0]!.trim().toLowerCase() === "text/event-stream");
}

/**
 * The event id to resume after: the `Last-Event-ID` header (sent by EventSource when it reconnects),
 * else the `after` query parameter, else undefined.
 */
export function resumeAfter(req: IncomingMessage, queryAfter: number | undefined): number | undefined {
  const header = req.headers["last-event-id"];
  if (header === undefined || header === "") return queryAfter;
  const text = Array.isArray(header) ? header[0]! : header;
  if (!/^\d+$/.test(text.trim())) {
    throw new HttpError(400, `Last-Event-ID must be an event id (a whole number), not "${text}"`, { hint: "Send the id of the last event received, or no header to start from the beginning." });
  }
  return Number(text.trim());
}

/** Starts an event stream on `res`: writes the headers and a first comment, then heartbeats. */
export function openSse(req: IncomingMessage, res: ServerResponse, heartbeatMs = HEARTBEAT_MS): SseStream {
  res.writeHead(200, {
    ...COMMON_HEADERS,
    "Content-Type": "text/event-stream; charset=utf-8",
    "Cache-Control": "no-store",
    Connection: "keep-alive",
    // Reverse proxies (nginx) buffer responses unless told not to.
    "X-Accel-Buffering": "no",
  });
  res.flushHeaders();
  req.socket.setNoDelay(true);
  req.socket.setTimeout(0);

  const listeners: (() => void)[] = [];
  let closed = false;
  const finish = () => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    for (const listener of listeners) listener();
  };
  const write = (text: string): boolean => {
    if (closed) return false;
    if (res.writableLength > MAX_BUFFERED_BYTES) {
      res.destroy(); // a client that stopped reading
      finish();
      return false;
    }
    return res.write(text);
  };
  const heartbeat = setInterval(() => write(": heartbeat\n\n"), heartbeatMs);
  heartbeat.unref();
  res.on("close", finish);
  write("retry: 2000\n: connected\n\n");

  return {
    event(name, data, id) {
      return write(`${id === undefined ? "" : `id: ${id}\n`}event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    drained() {
      if (closed || !res.writableNeedDrain) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const done = () => {
          res.off("drain", done);
          res.off("close", done);
          resolve();
        };
        res.on("drain", done);
        res.on("close", done);
      });
    },
    closeWithError(data, retryMs) {
      if (closed) return;
      write(`retry: ${retryMs}\nevent: error\ndata: ${JSON.stringify(data)}\n\n`);
      if (closed) return;
      res.end();
      // Until the client reads what was buffered, the response holds it: not for ever.
      const stuck = setTimeout(() => res.destroy(), heartbeatMs);
      stuck.unref();
      res.on("close", () => clearTimeout(stuck));
      finish();
    },
    close() {
      if (!closed) res.end();
      finish();
    },
    onClose(listener) {
      if (closed) listener();
      else listeners.push(listener);
    },
    get closed() {
      return closed;
    },
  };
}
