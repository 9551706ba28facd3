/**
 * Host adapters: where the graph and live events come from and where user intents go. The UI talks
 * to a {@link LineageHost} only, so the same bundle runs in a browser against the daemon and inside
 * a VS Code webview.
 */
import { errorAnswerText, readEventStream, STREAM_EVENTS, type WireAnswer } from "tributary-ts/wire";
import type { HostToUiMessage, LineageAsset, LineageRunEvent, UiToHostMessage } from "./protocol";
import { isHostToUiMessage } from "./protocol";

/** What a host delivers to the UI. */
export type HostSink = (message: HostToUiMessage) => void;

/** A place the lineage UI runs in. */
export interface LineageHost {
  readonly kind: "browser" | "vscode";
  /** Starts delivering messages to `sink` (first a `graph`, then live events). */
  start(sink: HostSink): void;
  /** Asks the host to run a selection; resolves with a message for the user. */
  materialize(selection: string): Promise<{ ok: boolean; message: string }>;
  /** VS Code only: open the definition. */
  reveal(asset: LineageAsset): void;
}

interface VsCodeApi {
  postMessage(message: UiToHostMessage): void;
}

declare const acquireVsCodeApi: (() => VsCodeApi) | undefined;

/** Picks the host: VS Code when the webview API exists, else the daemon over HTTP. */
export function detectHost(): LineageHost {
  if (typeof acquireVsCodeApi === "function") return new VsCodeHost(acquireVsCodeApi());
  return new BrowserHost(window.location);
}

/** Inside a VS Code webview: typed postMessage both ways. */
export class VsCodeHost implements LineageHost {
  readonly kind = "vscode" as const;
  constructor(private readonly api: VsCodeApi) {}

  start(sink: HostSink): void {
    window.addEventListener("message", (event: MessageEvent<unknown>) => {
      if (isHostToUiMessage(event.data)) sink(event.data);
    });
    this.api.postMessage({ type: "ready" });
  }

  async materialize(selection: string): Promise<{ ok: boolean; message: string }> {
    this.api.postMessage({ type: "materialize", selection });
    return { ok: true, message: `Materializing ${selection}…` };
  }

  reveal(asset: LineageAsset): void {
    const message: UiToHostMessage = { type: "reveal", key: asset.key };
    if (asset.file !== undefined) message.file = asset.file;
    if (asset.line !== undefined) message.line = asset.line;
    this.api.postMessage(message);
  }
}

/**
 * In a browser, served by the daemon: `GET /api/assets` then `GET /api/lineage/columns`, the `GET /api/events/stream` SSE stream
 * (read with fetch, so a bearer token can be sent; reconnects with Last-Event-ID), `POST /api/runs`.
 * A token can be passed in the page's fragment (`#token=...`), which never reaches server logs.
 */
export class BrowserHost implements LineageHost {
  readonly kind = "browser" as const;
  private readonly base: string;
  private readonly headers: Record<string, string> = {};
  private refetchTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(location: Location) {
    this.base = new URL(".", location.href).href.replace(/\/$/, "");
    const token = new URLSearchParams(location.hash.replace(/^#/, "")).get("token");
    if (token) this.headers.authorization = `Bearer ${token}`;
  }

  start(sink: HostSink): void {
    const focus = new URLSearchParams(window.location.search).get("focus") ?? undefined;
    void this.loadGraph(sink, focus);
    readEventStream(`${this.base}/api/events/stream`, {
      headers: this.headers,
      onEvent: (event) => {
        if (event.type === STREAM_EVENTS.runEvent) void this.onStreamEvent(sink, event.data);
      },
      onStatus: (connected, error) =>
        sink({ type: "notice", level: "error", message: connected ? null : `Live updates paused: ${error ?? "the daemon closed the stream"}. Reconnecting…` }),
    }).catch((error: unknown) => sink({ type: "notice", level: "error", message: `No live updates: ${describe(error)}. Reload to retry.` }));
  }

  private async loadGraph(sink: HostSink, focus?: string): Promise<void> {
    try {
      const response = await fetch(`${this.base}/api/assets`, { headers: this.headers });
      if (!response.ok) throw new Error(await errorAnswerText(response));
      const body = (await response.json()) as WireAnswer<"GET /api/assets">;
      sink(focus ? { type: "graph", assets: body.assets, focus } : { type: "graph", assets: body.assets });
    } catch (error) {
      sink({
        type: "notice",
        level: "error",
        message: `Could not load assets from the daemon (${describe(error)}). Is \`tributary dev\` running? Reload to retry.`,
      });
      return;
    }
    await this.loadColumns(sink);
  }

  /** `GET /api/lineage/columns`: the static analysis' columns (the daemon computes them once per code version). */
  private async loadColumns(sink: HostSink): Promise<void> {
    try {
      const response = await fetch(`${this.base}/api/lineage/columns`, { headers: this.headers });
      if (!response.ok) throw new Error(await errorAnswerText(response));
      const body = (await response.json()) as WireAnswer<"GET /api/lineage/columns">;
      sink({ type: "columns", assets: body.assets });
    } catch (error) {
      sink({ type: "notice", level: "info", message: `No column lineage: ${describe(error)}` });
    }
  }

  private async onStreamEvent(sink: HostSink, data: string): Promise<void> {
    let event: LineageRunEvent;
    try {
      event = JSON.parse(data) as LineageRunEvent;
    } catch {
      return;
    }
    if (typeof event.type !== "string" || typeof event.runId !== "string") return;
    if (event.type === "RUN_START" && !Array.isArray(event.data?.assetKeys) && !Array.isArray(event.data?.steps)) {
      // This RUN_START does not list its assets: the run record does.
      try {
        const response = await fetch(`${this.base}/api/runs/${encodeURIComponent(event.runId)}`, { headers: this.headers });
        if (response.ok) {
          const run = (await response.json()) as Partial<WireAnswer<"GET /api/runs/:id">>;
          if (Array.isArray(run.assetKeys)) event = { ...event, data: { ...(event.data ?? {}), assetKeys: run.assetKeys } };
        }
      } catch {
        // Colours then follow STEP_START alone.
      }
    }
    sink({ type: "runEvent", event });
    if (event.type === "RUN_SUCCESS" || event.type === "RUN_FAILURE" || event.type === "RUN_CANCELED") {
      // Reconcile with the daemon's own statuses (same shape: the layout is served from cache).
      clearTimeout(this.refetchTimer);
      this.refetchTimer = setTimeout(() => void this.loadGraph(sink), 300);
    }
  }

  async materialize(selection: string): Promise<{ ok: boolean; message: string }> {
    try {
      const response = await fetch(`${this.base}/api/runs`, {
        method: "POST",
        headers: { ...this.headers, "content-type": "application/json" },
        // The lineage has no partition picker yet: a selection with partitioned assets runs all
        // their partitions (the daemon refuses beyond 10,000 keys and suggests a backfill).
        body: JSON.stringify({ selection, allPartitions: true }),
      });
      if (!response.ok) return { ok: false, message: await errorAnswerText(response) };
      const body = (await response.json()) as { runId: string };
      return { ok: true, message: `Run ${body.runId.slice(0, 8)} queued for ${selection}` };
    } catch (error) {
      return { ok: false, message: `Could not reach the daemon: ${describe(error)}` };
    }
  }

  reveal(): void {
    // The browser shows the details pane instead.
  }
}


function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
