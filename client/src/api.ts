/**
 * The daemon's HTTP API as the extension uses it: JSON requests with the bearer token, errors turned
 * into messages that name the URL and a way out, and the run event stream. Every shape is the wire
 * contract's (`tributary-ts/wire`), none is declared here.
 */

import {
  readEventStream, STREAM_EVENTS,
  type AssetPartitionsJson, type BackfillJson, type HealthJson, type RunDetailJson, type RunEventJson, type WireAnswer, type WireBody,
} from "tributary-ts/wire";

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

  /**
   * One request as is, for the console panel's proxy: `path` on the daemon with the token added,
   * the daemon's answer untouched (status, headers, a streaming body). Throws
   * {@link DaemonUnreachableError} when the daemon does not answer.
   */
  async raw(method: string, path: string, init: { headers?: Record<string, string>; body?: string; signal?: AbortSignal } = {}): Promise<Response> {
    try {
      return await fetch(new URL(path, this.baseUrl), {
        method,
        headers: this.headers(init.headers),
        ...(init.body === undefined ? {} : { body: init.body }),
        ...(init.signal ? { signal: init.signal } : {}),
      });
    } catch (error) {
      if (init.signal?.aborted) throw error;
      throw new DaemonUnreachableError(this.baseUrl, error);
    }
  }

  /** `GET /api/health`, or undefined when the daemon does not answer within `timeoutMs`. */
  async health(timeoutMs = 2000): Promise<HealthJson | undefined> {
    try {
      return await this.json<HealthJson>("GET", "/api/health", undefined, timeoutMs);
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
    const body: WireBody<"POST /api/runs"> = { selection, ...partitions, tags: { source: "vscode" } };
    const result = await this.json<WireAnswer<"POST /api/runs">>("POST", "/api/runs", body);
    return result.runId;
  }

  /** `GET /api/assets/:key/partitions`, or undefined when the asset is not partitioned (400). */
  async partitionStatus(key: string): Promise<AssetPartitionsJson | undefined> {
    try {
      return await this.json<AssetPartitionsJson>("GET", `/api/assets/${encodeURIComponent(key)}/partitions`);
    } catch (error) {
      if (error instanceof DaemonHttpError && error.status === 400) return undefined;
      throw error;
    }
  }

  /** `POST /api/backfills` for the partitions `from`..`to` (inclusive) of a selection. */
  createBackfill(selection: string, from: string, to: string): Promise<BackfillJson> {
    const body: WireBody<"POST /api/backfills"> = { selection, from, to };
    return this.json<BackfillJson>("POST", "/api/backfills", body);
  }

  /** `GET /api/backfills/:id`. */
  backfill(backfillId: string): Promise<BackfillJson> {
    return this.json<BackfillJson>("GET", `/api/backfills/${encodeURIComponent(backfillId)}`);
  }

  /** `POST /api/backfills/:id/cancel`. */
  async cancelBackfill(backfillId: string): Promise<void> {
    await this.json("POST", `/api/backfills/${encodeURIComponent(backfillId)}/cancel`, {});
  }

  /** `GET /api/runs/:id`. */
  run(runId: string): Promise<RunDetailJson> {
    return this.json<RunDetailJson>("GET", `/api/runs/${encodeURIComponent(runId)}`);
  }

  /** `POST /api/runs/:id/cancel`. */
  async cancel(runId: string): Promise<void> {
    await this.json("POST", `/api/runs/${encodeURIComponent(runId)}/cancel`, {});
  }

  /**
   * Streams a run's events until the daemon sends `end` or `signal` aborts. Resumes from the last
   * event id when the connection drops, so no event is delivered twice or lost; gives up after
   * five failed connections in a row.
   */
  async streamRunEvents(runId: string, onEvent: (event: RunEventJson) => void, signal: AbortSignal): Promise<void> {
    const url = new URL(`/api/runs/${encodeURIComponent(runId)}/events`, this.baseUrl).toString();
    try {
      await readEventStream(url, {
        headers: this.headers(),
        signal,
        retry: { initialDelayMs: 250, maxAttempts: 6 },
        onEvent: (event) => {
          if (event.type === STREAM_EVENTS.runEvent) onEvent(JSON.parse(event.data) as RunEventJson);
        },
      });
    } catch (error) {
      const status = (error as { status?: unknown }).status;
      throw typeof status === "number" ? new DaemonHttpError(status, (error as Error).message) : new DaemonUnreachableError(this.baseUrl, error);
    }
  }

  /** Streams every run's new events until `signal` aborts, reconnecting when the connection drops. */
  streamAllEvents(onEvent: (event: RunEventJson) => void, signal: AbortSignal): Promise<void> {
    return readEventStream(new URL("/api/events/stream", this.baseUrl).toString(), {
      headers: this.headers(),
      signal,
      onEvent: (event) => {
        if (event.type === STREAM_EVENTS.runEvent) onEvent(JSON.parse(event.data) as RunEventJson);
      },
    });
  }
}
