import type { TimeWindow } from "../partitions/timeWindow";
import type { LogLevel } from "../types";

/**
 * Resources by key, for typing `ctx.resources`. Augment it to type your own resources:
 *
 * @example
 * ```ts
 * declare module "tributary-ts" {
 *   interface Resources { warehouse: import("pg").Pool }
 * }
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface Resources {}

/** The type of the resource provided under `key` (unknown unless {@link Resources} is augmented). */
export type ResourceValue<K extends string> = K extends keyof Resources ? Resources[K] : unknown;

/** Typed view of the resources an asset declared it requires. */
export type ResourcesOf<Keys extends readonly string[]> = { [K in Keys[number]]: ResourceValue<K> };

/** Structured logger given to user code; lines become `LOG` events of the run. */
export interface Logger {
  debug(message: string, data?: Record<string, unknown>): void;
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
  error(message: string, data?: Record<string, unknown>): void;
}

/** What an asset function receives. */
export interface AssetContext<Inputs = Record<string, unknown>, R = Record<string, unknown>> {
  /** Values of the upstream assets, by key (loaded from their I/O manager when not computed in this run). */
  readonly inputs: Inputs;
  /** The resources this asset requires, set up once per run. */
  readonly resources: R;
  /** Logs to the run's event log (and to the terminal / editor output). */
  readonly log: Logger;
  readonly runId: string;
  /** The key being computed (for a multi-asset, its name). */
  readonly assetKey: string;
  /** 1 for the first try, 2 for the first retry, ... */
  readonly attempt: number;
  /** Aborted when the run is canceled or the step times out: pass it to fetch, queries, streams. */
  readonly signal: AbortSignal;
  /**
   * The partition being computed (`"2024-03-01"` for daily partitions); null for an unpartitioned
   * asset. A run of several partitions calls the function once per key.
   */
  readonly partitionKey: string | null;
  /** The time window `[start, end)` of the partition, for time-partitioned assets; else null. */
  readonly partitionTimeWindow: TimeWindow | null;
  /**
   * Attaches metadata to this materialization (row counts, previews, URLs). Shown in the CLI, the
   * editor hover and the lineage UI.
   * @example ctx.addMetadata({ rows: rows.length, preview: rows.slice(0, 5) })
   */
  addMetadata(metadata: Record<string, unknown>): void;
}

/** A log call as captured by the executor. */
export interface LogRecord {
  level: LogLevel;
  message: string;
  data?: Record<string, unknown>;
}
