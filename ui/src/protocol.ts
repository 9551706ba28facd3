/**
 * The lineage UI's data and message contract, shared with its hosts.
 *
 * - The browser host (the daemon's web UI at `/`) feeds the UI from `GET /api/assets`,
 *   `GET /api/lineage/columns` and `GET /api/events/stream` and materializes through `POST /api/runs`.
 * - The VS Code host (the extension's webview) talks to the UI with `postMessage` only, using the
 *   typed messages below. The extension imports this file (it has no DOM or runtime dependencies).
 *
 * Terminology: a *host* is what embeds the UI; *host -> UI* messages carry data, *UI -> host*
 * messages carry user intents. The daemon's JSON is the wire contract's (`tributary-ts/wire`); this
 * file only narrows it to what the lineage needs.
 */
import {
  ASSET_STATUSES,
  type AssetColumnsJson, type AssetJson, type AssetPartitionsJson, type ColumnJson, type AssetStatus, type CheckResultJson, type MaterializationJson, type PartitionGroupJson, type RunEventJson,
} from "tributary-ts/wire";

/**
 * Status of an asset as the lineage colours it: the daemon's {@link AssetStatus}, or `UNKNOWN`
 * when a host has no daemon to ask (the VS Code host then shows the last materialization it read
 * from storage). The daemon itself never answers `UNKNOWN`.
 */
export type LineageStatus = AssetStatus | "UNKNOWN";

/** Every status, in legend order. */
export const LINEAGE_STATUSES: readonly LineageStatus[] = [...ASSET_STATUSES, "UNKNOWN"];

/** Latest materialization of an asset, as `/api/assets` reports it. */
export type LineageMaterialization = MaterializationJson;

/** Latest result of one check of an asset. */
export type LineageCheckResult = CheckResultJson;

/** Keys of one status: how many, and their runs of consecutive keys (`[first, last]`). */
export type LineagePartitionGroup = PartitionGroupJson;

/**
 * Partition status of a partitioned asset (`GET /api/assets/:key/partitions`, also inlined in
 * `GET /api/assets`). `firstKey` and `lastKey` are absent from older daemons.
 */
export type LineagePartitions = Omit<AssetPartitionsJson, "asset" | "firstKey" | "lastKey"> & Partial<Pick<AssetPartitionsJson, "firstKey" | "lastKey">>;

/**
 * One asset: an entry of `GET /api/assets`. Fields beyond key, group and deps may be absent when
 * the host adapts another source (the language server's lineage), where `file` may be absolute.
 */
export type LineageAsset = Pick<AssetJson, "key" | "group" | "deps"> &
  Partial<Omit<AssetJson, "key" | "group" | "deps" | "status" | "partitions">> & {
    status?: LineageStatus;
    partitions?: LineagePartitions;
  };

/** A run event as the daemon streams it, reduced to what the lineage needs. */
export type LineageRunEvent = Pick<RunEventJson, "runId" | "type" | "stepKey" | "timestamp" | "data"> & Partial<Pick<RunEventJson, "id" | "message">>;

/** Host -> UI: the whole graph (replaces the previous one). `focus` optionally opens focused. */
export interface GraphMessage {
  type: "graph";
  assets: LineageAsset[];
  focus?: string;
}

/** One output column of an asset: its name, its type when known, the upstream columns it is computed from (`"asset.column"`). */
export type LineageColumn = ColumnJson;

/**
 * The columns of one asset (an entry of `GET /api/lineage/columns`): null when the static analysis
 * cannot know them (a TypeScript asset...). Columns of such an asset that a downstream SQL asset
 * reads still appear in the UI, from the downstream's `from`.
 */
export type LineageAssetColumns = AssetColumnsJson;

/**
 * Host -> UI: the column lineage of the graph (replaces the previous one; assets not listed have
 * no known columns). Sent after a `graph`, and again whenever the analysis changes (the language
 * server re-reads a file as it is edited); a host without column lineage never sends it.
 */
export interface ColumnsMessage {
  type: "columns";
  assets: LineageAssetColumns[];
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
export type HostToUiMessage = GraphMessage | ColumnsMessage | RunEventMessage | FocusMessage | NoticeMessage;

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

const HOST_TO_UI_TYPES = new Set(["graph", "columns", "runEvent", "focus", "notice"]);

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
