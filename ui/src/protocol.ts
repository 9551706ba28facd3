/**
 * The lineage UI's data and message contract, shared with its hosts.
 *
 * - The browser host (the daemon's web UI at `/`) feeds the UI from `GET /api/assets` and
 *   `GET /api/events/stream` and materializes through `POST /api/runs`.
 * - The VS Code host (the extension's webview) talks to the UI with `postMessage` only, using the
 *   typed messages below. The extension imports this file (it has no DOM or runtime dependencies).
 *
 * Terminology: a *host* is what embeds the UI; *host -> UI* messages carry data, *UI -> host*
 * messages carry user intents.
 */

/**
 * Status of an asset as the lineage colours it: the daemon's `/api/assets` `status`, or `UNKNOWN`
 * when a host has no daemon to ask (the VS Code host then shows the last materialization it read
 * from storage).
 */
export type AssetStatus = "NEVER" | "FRESH" | "STALE" | "FAILED" | "RUNNING" | "UNKNOWN";

/** Every status, in legend order. */
export const ASSET_STATUSES: readonly AssetStatus[] = ["NEVER", "FRESH", "STALE", "FAILED", "RUNNING", "UNKNOWN"];

/** Latest materialization of an asset, as `/api/assets` reports it. */
export interface LineageMaterialization {
  runId: string;
  /** ISO 8601 instant. */
  timestamp: string;
  metadata: Record<string, unknown>;
}

/** Latest result of one check of an asset. */
export interface LineageCheckResult {
  checkName: string;
  passed: boolean;
  severity: "WARN" | "ERROR";
  timestamp: string;
  runId: string;
}

/** Keys of one status: how many, and their runs of consecutive keys (`[first, last]`). */
export interface LineagePartitionGroup {
  count: number;
  ranges: [string, string][];
}

/**
 * Partition status of a partitioned asset, the shape of `GET /api/assets/:key/partitions` (also
 * inlined in `GET /api/assets` as `partitions`).
 */
export interface LineagePartitions {
  /** The partitions definition in words (`daily partitions from 2018-01-01 (UTC)`). */
  definition: string;
  /** Partitions that exist now. */
  total: number;
  /** The first and the latest key that exist now (null when none); absent from older daemons. */
  firstKey?: string | null;
  lastKey?: string | null;
  materialized: LineagePartitionGroup;
  failed: LineagePartitionGroup;
  missing: LineagePartitionGroup;
  /** One letter per key in key order (`M`, `F`, `-`); null beyond 2,000 keys. */
  strip: string | null;
}

/**
 * One asset, exactly the shape of an entry of `GET /api/assets` `{ "assets": [...] }`. Optional
 * fields may be absent when the host adapts another source (the language server's lineage).
 */
export interface LineageAsset {
  key: string;
  group: string;
  /** Upstream keys. Keys that are not in the graph are shown as missing in the details pane. */
  deps: string[];
  description?: string | null;
  kinds?: string[];
  tags?: Record<string, string>;
  owners?: string[];
  /** Names of the checks defined on this asset. */
  checks?: string[];
  /** Source file of the definition (absolute, or relative to the project) and 1-based line. */
  file?: string;
  line?: number;
  status?: AssetStatus;
  latestMaterialization?: LineageMaterialization | null;
  latestChecks?: LineageCheckResult[];
  /** Partitioned assets only: materialized / failed / missing counts, ranges and strip. */
  partitions?: LineagePartitions;
}

/**
 * A run event as the daemon streams it (`runtime/src/types.ts` `StoredRunEvent`), reduced to what
 * the lineage needs. `data.assetKey` is set on ASSET_MATERIALIZATION / ASSET_CHECK_EVALUATION;
 * RUN_START carries `data.steps` (the executor's step keys) or `data.assetKeys`.
 */
export interface LineageRunEvent {
  id?: number;
  runId: string;
  type: string;
  stepKey: string | null;
  timestamp: string;
  message?: string;
  data?: Record<string, unknown> | null;
}

/** Host -> UI: the whole graph (replaces the previous one). `focus` optionally opens focused. */
export interface GraphMessage {
  type: "graph";
  assets: LineageAsset[];
  focus?: string;
}

/** Host -> UI: one live run event (colours change without a re-layout). */
export interface RunEventMessage {
  type: "runEvent";
  event: LineageRunEvent;
}

/** Host -> UI: focus the view on an asset, `depth` levels up and down (default 2). */
export interface FocusMessage {
  type: "focus";
  key: string;
  depth?: number;
}

/** Host -> UI: something the user must know (daemon unreachable, run refused); `null` clears it. */
export interface NoticeMessage {
  type: "notice";
  level: "info" | "error";
  message: string | null;
}

/** Every message a host may send to the UI. */
export type HostToUiMessage = GraphMessage | RunEventMessage | FocusMessage | NoticeMessage;

/** UI -> host: the UI is listening; the host answers with a `graph` message. */
export interface ReadyMessage {
  type: "ready";
}

/** UI -> host: open the asset's definition in the editor. */
export interface RevealMessage {
  type: "reveal";
  key: string;
  file?: string;
  line?: number;
}

/** UI -> host: materialize a selection (e.g. `+stg_orders`). */
export interface MaterializeMessage {
  type: "materialize";
  selection: string;
}

/** Every message the UI may send to its host. */
export type UiToHostMessage = ReadyMessage | RevealMessage | MaterializeMessage;

const HOST_TO_UI_TYPES = new Set(["graph", "runEvent", "focus", "notice"]);

/**
 * Narrows an untrusted `message` event payload to a {@link HostToUiMessage} (the webview also
 * receives messages from VS Code itself).
 *
 * @example
 * window.addEventListener("message", (e) => { if (isHostToUiMessage(e.data)) handle(e.data); });
 */
export function isHostToUiMessage(value: unknown): value is HostToUiMessage {
  return typeof value === "object" && value !== null && HOST_TO_UI_TYPES.has((value as { type?: unknown }).type as string);
}

/** Narrows an untrusted webview message to a {@link UiToHostMessage} (for the extension side). */
export function isUiToHostMessage(value: unknown): value is UiToHostMessage {
  const type = typeof value === "object" && value !== null ? (value as { type?: unknown }).type : undefined;
  return type === "ready" || type === "reveal" || type === "materialize";
}
