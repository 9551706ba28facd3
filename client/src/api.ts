/**
 * The daemon's HTTP API as the extension uses it (docs/daemon contract): JSON requests with the
 * bearer token, errors turned into messages that name the URL and a way out, and the run event
 * stream (SSE) read with fetch.
 */

/** A run event as the daemon streams it (runtime/src/types.ts `StoredRunEvent`). */
export interface RunEventMessage {
  id: number;
  runId: string;
  timestamp: string;
  type: string;
  stepKey: string | null;
  level: string;
  message: string;
  data?: Record<string, unknown> | null;
}

/** A run as `GET /api/runs/:id` returns it (the fields the extension reads). */
export interface RunSummary {
  runId: string;
  status: string;
  selection: string;
  assetKeys?: string[];
  error?: string | null;
  startedAt?: string | null;
  endedAt?: string | null;
}

/** `GET /api/health`. */
export interface Health {
  ok: boolean;
  daemonId?: string;
  mode?: string;
  version?: string;
  project?: { ok: boolean; error?: { message: string; hint?: string } | string };
}

/** `GET /api/assets/:key/partitions` (the fields the extension reads). */
export interface PartitionStatus {
  asset: string;
  definition: string;
  total: number;
  /** The first and the latest key that exist now (null when none; absent from older daemons). */
  firstKey?: string | null;
  lastKey?: string | null;
  materialized: { count: number };
  failed: { count: number };
  missing: { count: number };
}

/** A backfill as `POST /api/backfills` and `GET /api/backfills/:id` return it. */
export interface BackfillSummary {
  backfillId: string;
  /** REQUESTED, CANCELING, then COMPLETED, FAILED or CANCELED. */
  status: string;
  partitions: { total: number; done: number; failed: number; canceled: number; remaining: number };
  error?: string | null;
}

/** Final backfill statuses. */
export const FINAL_BACKFILL_STATUSES = new Set(["COMPLETED", "FAILED", "CANCELED"]);

/** An HTTP error from the daemon, with its own message and hint. */
export class DaemonHttpError extends Error {
  constructor(readonly status: number, message: string, readonly hint?: string) {
    super(message);
    this.name = "DaemonHttpError";
  }
}

/** The daemon cannot be reached at all (connection refused, DNS, timeout). */
export class DaemonUnreachableError extends Error {
  constructor(readonly url: string, cause: unknown) {
    super(`The Tributary daemon is not reachable at ${url} (${describe(cause)})`);
    this.name = "DaemonUnreachableError";
  }
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  if (cause?.code) return cause.code;
  if (error instanceof Error && error.name === "TimeoutError") return "timed out";
  return error instanceof Error ? error.message : String(error);
}

/** Final run statuses (runtime/src/types.ts FINAL_RUN_STATUSES). */
export const FINAL_STATUSES = new Set(["SUCCESS", "FAILURE", "CANCELED"]);

/** A small client for one daemon URL and token. */
export class DaemonApi {
  constructor(readonly baseUrl: string, private readonly token: string | undefined) {}

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { ...extra, ...(this.token ? { authorization: `Bearer ${this.token}` } : {}) };
  }

  /** Sends one JSON request; throws {@link DaemonUnreachableError} or {@link DaemonHttpError}. */
  async json<T>(method: string, path: string, body?: unknown, timeoutMs = 10_000): Promise<T> {
    const url = new URL(path, this.baseUrl).toString();
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: this.headers(body === undefined ? {} : { "content-type": "application/json" }),
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new DaemonUnreachableError(this.baseUrl, error);
    }
    const text = await response.text();
    if (!response.ok) {
      let message = text.slice(0, 500) || response.statusText;
      let hint: string | undefined;
      try {
        const parsed = JSON.parse(text) as { error?: { message?: string; hint?: string } };
        if (parsed.error?.message) message = parsed.error.message;
        hint = parsed.error?.hint;
      } catch {
        // Not JSON: keep the text.
      }
      if (response.status === 401) hint = hint ?? "Run 'Tributary: Connect to Remote Daemon' and enter the daemon's token";
      throw new DaemonHttpError(response.status, `${method} ${path} failed (${response.status}): ${message}`, hint);
    }
    return (text ? JSON.parse(text) : {}) as T;
  }

  /** `GET /api/health`, or undefined when the daemon does not answer within `timeoutMs`. */
  async health(timeoutMs = 2000): Promise<Health | undefined> {
    try {
      return await this.json<Health>("GET", "/api/health", undefined, timeoutMs);
    } catch {
      return undefined;
    }
  }

  /**
   * `POST /api/runs` -> the new run's id. One partition key, or (the default) every partition of
   * the partitioned assets in the selection, as the lineage page does; a range is a backfill.
   */
  async submitRun(selection: string, partition?: string): Promise<string> {
    const partitions = partition === undefined ? { allPartitions: true } : { partition };
    const result = await this.json<{ runId: string }>("POST", "/api/runs", { selection, ...partitions, tags: { source: "vscode" } });
    return result.runId;
  }

  /** `GET /api/assets/:key/partitions`, or undefined when the asset is not partitioned (400). */
  async partitionStatus(key: string): Promise<PartitionStatus | undefined> {
    try {
      return await this.json<PartitionStatus>("GET", `/api/assets/${encodeURIComponent(key)}/partitions`);
    } catch (error) {
      if (error instanceof DaemonHttpError && error.status === 400) return undefined;
      throw error;
    }
  }

  /** `POST /api/backfills` for the partitions `from`..`to` (inclusive) of a selection. */
  createBackfill(selection: string, from: string, to: string): Promise<BackfillSummary> {
    return this.json<BackfillSummary>("POST", "/api/backfills", { selection, from, to });
  }

  /** `GET /api/backfills/:id`. */
  backfill(backfillId: string): Promise<BackfillSummary> {
    return this.json<BackfillSummary>("GET", `/api/backfills/${encodeURIComponent(backfillId)}`);
  }

  /** `POST /api/backfills/:id/cancel`. */
  async cancelBackfill(backfillId: string): Promise<void> {
    await this.json("POST", `/api/backfills/${encodeURIComponent(backfillId)}/cancel`, {});
  }

  /** `GET /api/runs/:id`. */
  run(runId: string): Promise<RunSummary> {
    return this.json<RunSummary>("GET", `/api/runs/${encodeURIComponent(runId)}`);
  }

  /** `POST /api/runs/:id/cancel`. */
  async cancel(runId: string): Promise<void> {
    await this.json("POST", `/api/runs/${encodeURIComponent(runId)}/cancel`, {});
  }

  /**
   * Streams a run's events (SSE) until the daemon sends `end` or `signal` aborts. Resumes from
   * the last event id when the connection drops, so no event is delivered twice or lost.
   */
  async streamRunEvents(runId: string, onEvent: (event: RunEventMessage) => void, signal: AbortSignal): Promise<void> {
    let lastId: string | undefined;
    for (let attempt = 0; !signal.aborted; attempt++) {
      const url = new URL(`/api/runs/${encodeURIComponent(runId)}/events`, this.baseUrl).toString();
      try {
        const response = await fetch(url, {
          headers: this.headers({ accept: "text/event-stream", ...(lastId ? { "last-event-id": lastId } : {}) }),
          signal,
        });
        if (!response.ok || !response.body) throw new DaemonHttpError(response.status, `GET ${url} failed (${response.status})`);
        const ended = await readSse(response.body, (event) => {
          if (event.id) lastId = event.id;
          if (event.event === "run-event" || event.event === "message") onEvent(JSON.parse(event.data) as RunEventMessage);
        });
        if (ended) return;
      } catch (error) {
        if (signal.aborted) return;
        if (attempt >= 5) throw error instanceof DaemonHttpError ? error : new DaemonUnreachableError(this.baseUrl, error);
        // The connection dropped mid-run (daemon restarting): retry shortly with Last-Event-ID.
        await new Promise((resolve) => setTimeout(resolve, 250 * (attempt + 1)));
      }
    }
  }
}

/** Reads an SSE body; resolves true when an `end` event arrived, false when the body just closed. */
async function readSse(body: ReadableStream<Uint8Array>, onEvent: (event: { id?: string; event: string; data: string }) => void): Promise<boolean> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return false;
    buffer += decoder.decode(value, { stream: true }).replace(/\r\n/g, "\n");
    let boundary: number;
    while ((boundary = buffer.indexOf("\n\n")) !== -1) {
      const block = buffer.slice(0, boundary);
      buffer = buffer.slice(boundary + 2);
      let id: string | undefined;
      let event = "message";
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon === -1 ? line : line.slice(0, colon);
        const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "id") id = value;
        else if (field === "event") event = value;
        else if (field === "data") data.push(value);
      }
      if (event === "end") {
        await reader.cancel().catch(() => undefined);
        return true;
      }
      if (data.length > 0) onEvent({ id, event, data: data.join("\n") });
    }
  }
}
