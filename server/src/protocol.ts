/**
 * The Tributary extensions to LSP: every custom request, notification and command in one file, each
 * request a typed `RequestType<Params, Result, Error>` and each notification a `NotificationType`
 * (as rust-analyzer's lsp_ext.ts), so that the client's `sendRequest(LineageRequest, params)` and
 * the server's `onRequest(LineageRequest, handler)` are checked against one declaration. The VS
 * Code client imports this file; docs/protocol.md describes the same for other editors (a test
 * holds the two together). The daemon's JSON is the wire contract's (`tributary-ts/wire`).
 */
import type { AssetStatus } from "tributary-ts/wire";
import { NotificationType, RequestType } from "vscode-languageserver-protocol";

export type { AssetStatus };

/** An LSP range (0-based). */
export interface ProtocolRange {
  start: { line: number; character: number };
  end: { line: number; character: number };
}

/** One asset of the lineage graph. */
export interface LineageNode {
  key: string;
  group: string | null;
  description: string | null;
  /** Where the key is written. */
  uri: string;
  range: ProtocolRange;
  /** The daemon's status, when a daemon is reachable. */
  status?: AssetStatus;
}

/** Parameters of {@link LineageRequest}. */
export interface LineageParams {
  /** A file or folder URI choosing the project (workspace folder); default: the first folder. */
  uri?: string;
  /** Focus on one asset: only it and its neighbours within `depth` are returned. */
  focus?: string;
  /** Levels up and down from `focus`. @defaultValue unlimited */
  depth?: number;
}

/** Result of {@link LineageRequest}: edges go from upstream to downstream. */
export interface LineageResult {
  root: string;
  nodes: LineageNode[];
  edges: { from: string; to: string }[];
}

/** `tributary/lineage` (request): the asset graph with source locations. */
export const LineageRequest = new RequestType<LineageParams, LineageResult | null, void>("tributary/lineage");

/** Parameters of {@link ColumnLineageRequest}. */
export interface ColumnLineageParams {
  /** A file or folder URI choosing the project (workspace folder); default: the first folder. */
  uri?: string;
  /** The SQL asset whose columns are asked for. */
  key: string;
}

/** One output column of a SQL asset, with the upstream columns it is computed from. */
export interface ColumnLineageColumn {
  name: string;
  /** The type when the analysis knows it (a cast, a literal, passed through from an upstream). */
  type: string | null;
  /** Upstream columns, as `"<asset key>.<column>"`. */
  from: string[];
  /** Where the column's expression is written. */
  uri: string;
  range: ProtocolRange;
}

/**
 * Result of {@link ColumnLineageRequest}: null when `key` is not a SQL asset; `columns` is null
 * when they are not statically knowable (a `*` over an upstream whose columns are unknown...).
 */
export type ColumnLineageResult = { key: string; columns: ColumnLineageColumn[] | null } | null;

/** `tributary/columnLineage` (request): a SQL asset's output columns and their column-level lineage. */
export const ColumnLineageRequest = new RequestType<ColumnLineageParams, ColumnLineageResult, void>("tributary/columnLineage");

/** Parameters of {@link AssetAtRequest}. */
export interface AssetAtParams {
  textDocument: { uri: string };
  position: { line: number; character: number };
}

/** `tributary/assetAt` (request): the asset key at a position (declaration or reference), or null. */
export const AssetAtRequest = new RequestType<AssetAtParams, AssetAtResult, void>("tributary/assetAt");

/** Result of {@link AssetAtRequest}. */
export type AssetAtResult = { key: string } | null;

/** Parameters of {@link JobsRequest}. */
export interface JobsParams {
  /** A file or folder URI choosing the project (workspace folder); default: the first. */
  uri?: string;
}

/** One `defineAssetJob({ name, selection })` of the project. */
export interface JobInfo {
  name: string;
  /** Where the job is defined (the `defineAssetJob` callee). */
  uri: string;
  range: ProtocolRange;
  /** The selection string as written, the keys of an explicit list, or null when it is computed. */
  selection: string | null;
}

/** Result of {@link JobsRequest}: the jobs in source order; a job without a literal name is left out. */
export interface JobsResult {
  jobs: JobInfo[];
}

/** `tributary/jobs` (request): the project's jobs, to materialize one (selection `job:NAME`). */
export const JobsRequest = new RequestType<JobsParams, JobsResult, void>("tributary/jobs");

/** Payload of {@link StatusNotification}. */
export interface StatusParams {
  /** `indexing` while folders are read, then `ready`. */
  state: "indexing" | "ready";
  /** One line for a status bar, e.g. "Tributary: 42 assets · 1 error". */
  message: string;
  projects: { root: string; files: number; assets: number; errors: number; warnings: number }[];
  /** Last cold index time of all folders, in milliseconds. */
  indexMs: number;
  /** How many files of the cold index worker threads parsed (the main thread parsed the others). */
  parsedByWorkers?: number;
  /** Whether the daemon answered the last poll. */
  daemon: "connected" | "unreachable" | "disabled";
}

/** `tributary/status` (server -> client notification): sent on start, after indexing and on changes. */
export const StatusNotification = new NotificationType<StatusParams>("tributary/status");

/** Arguments of the {@link MaterializeCommand}. */
export interface MaterializeArguments {
  /** A selection string (DESIGN.md §2), e.g. `raw_orders` or `+stg_orders`. */
  selection: string;
  /** The asset the CodeLens stands above; a client may ask which of its partitions to run. */
  key?: string;
  /** Whether that asset declares `partitions` (as the analysis reads it). */
  partitioned?: boolean;
}

/** Result of the {@link MaterializeCommand}: the daemon's answer to `POST /api/runs`. */
export interface MaterializeResult {
  runId: string;
}

/**
 * `workspace/executeCommand` command run by the server itself: asks the daemon to materialize a
 * selection (`POST /api/runs`). Arguments: `[MaterializeArguments]`. Any editor can use it.
 */
export const MaterializeCommand = "tributary.server.materialize";

/**
 * Client-side command named by the "Show lineage" CodeLens. Arguments: `[{ key: string, uri: string }]`.
 * VS Code opens the lineage view; other editors may map it to a `tributary/lineage` request.
 */
export const ShowLineageCommand = "tributary.showLineage";

/**
 * Client-side command named by the status CodeLens of an asset materialized before. Arguments:
 * `[{ runId: string, key: string }]`: VS Code opens the run's console page (`/runs/<runId>` on the
 * daemon); another editor may open that URL in a browser.
 */
export const OpenRunCommand = "tributary.openRun";

/**
 * Client-side command named by the status CodeLens of an asset never materialized. Arguments:
 * `[{ key: string }]`: VS Code opens the asset's console page (`/assets/<key, URL-encoded>`).
 */
export const OpenAssetPageCommand = "tributary.openAssetPage";

/** The `tributary` settings section (read through `workspace/configuration`). */
export interface TributarySettings {
  /** Base URL of the daemon's HTTP API. @defaultValue "http://127.0.0.1:3000" */
  daemonUrl: string;
  /** Bearer token for a daemon bound beyond loopback. @defaultValue "" */
  daemonToken: string;
  /** How often the daemon is polled for statuses, in ms (0 disables polling). @defaultValue 5000 */
  daemonPollIntervalMs: number;
  /** Whether CodeLens are shown above assets. @defaultValue true */
  codeLens: boolean;
}

/** Defaults of {@link TributarySettings}. */
export const DEFAULT_SETTINGS: TributarySettings = {
  daemonUrl: "http://127.0.0.1:3000",
  daemonToken: "",
  daemonPollIntervalMs: 5000,
  codeLens: true,
};

/** The `source` of every diagnostic the server publishes. */
export const DIAGNOSTIC_SOURCE = "tributary";
