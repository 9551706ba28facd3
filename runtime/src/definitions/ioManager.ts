import type { Logger } from "./context";

/** What an I/O manager knows when it stores an asset's value. */
export interface OutputContext {
  readonly assetKey: string;
  readonly runId: string;
  /** The partition being written, when the asset is partitioned. */
  readonly partitionKey: string | null;
  /** The asset's static metadata from its spec (e.g. a table name override). */
  readonly definitionMetadata: Record<string, unknown>;
  readonly log: Logger;
}

/** What an I/O manager knows when it loads an upstream value for a downstream step. */
export interface InputContext {
  /** The upstream asset being loaded. */
  readonly assetKey: string;
  /** The asset that needs it. */
  readonly downstreamKey: string;
  readonly runId: string;
  readonly partitionKey: string | null;
  readonly definitionMetadata: Record<string, unknown>;
  readonly log: Logger;
}

/**
 * Stores asset values and loads them for downstream assets. Provide one as a resource (the default
 * key is `io_manager`) and name it in an asset's `ioManager` to use another one.
 *
 * @example
 * ```ts
 * const inMemory = new Map<string, unknown>();
 * const memoryManager: IOManager = {
 *   handleOutput: (ctx, value) => { inMemory.set(ctx.assetKey, value); },
 *   loadInput: (ctx) => inMemory.get(ctx.assetKey),
 * };
 * ```
 */
export interface IOManager {
  /** Stores the value; may return metadata for the materialization (path, rows, table). */
  handleOutput(ctx: OutputContext, value: unknown): void | Record<string, unknown> | Promise<void | Record<string, unknown>>;
  /** Loads the value stored for `ctx.assetKey`. Throws a clear error when there is none. */
  loadInput(ctx: InputContext): unknown;
  /**
   * The quoted, schema-qualified table that holds the asset, for managers that store tables a SQL
   * asset in the same database can read (`"public"."orders"`); undefined when there is none.
   */
  tableFor?(assetKey: string, definitionMetadata: Record<string, unknown>): string | undefined | Promise<string | undefined>;
}

export function isIOManager(value: unknown): value is IOManager {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as IOManager).handleOutput === "function" &&
    typeof (value as IOManager).loadInput === "function"
  );
}
