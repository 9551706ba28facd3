/**
 * The default I/O manager: one JSON file per asset (and partition) under a base folder, written
 * atomically so a crash or a concurrent reader never sees half a file.
 */
import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename, rm, type FileHandle } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import type { InputContext, IOManager, OutputContext } from "../definitions/ioManager";
import { resource, type EnvVarRef, type ResourceDefinition } from "../definitions/resource";
import { NeverMaterializedError, UnsupportedValueError } from "./errors";

/** Options of {@link filesystemIOManager}. */
export interface FilesystemIOManagerOptions {
  /**
   * Folder holding the files; a relative path is resolved against the working directory when the
   * resource is set up. May be an `EnvVar(...)`.
   */
  baseDir: string | EnvVarRef;
}

/**
 * Stores each asset's value as JSON in `<baseDir>/<asset key>.json`.
 *
 * - A key path `warehouse/orders` becomes the folder `warehouse/` and the file `orders.json`; a
 *   partitioned asset is stored as `<key>/<partition>.json` (the partition key URI-encoded).
 * - Writes go to a temporary file in the same folder, are flushed to disk, then renamed over the
 *   old file: readers see the old value or the new one, never half of it.
 * - JSON is the format, so values come back as JSON gives them: `Date`s become ISO 8601 strings,
 *   `undefined` properties disappear, `NaN`/`Infinity` become `null`, `Map`/`Set` become `{}`.
 *   A `bigint` cannot be stored (an error says so).
 *
 * The materialization gets `{ path, bytes, rows }` metadata (`rows` when the value is an array).
 */
export class FilesystemIOManager implements IOManager {
  /** The absolute base folder. */
  readonly baseDir: string;

  constructor(baseDir: string) {
    this.baseDir = resolve(baseDir);
  }

  /** Where the value of `assetKey` (and partition) lives. */
  pathFor(assetKey: string, partitionKey: string | null = null): string {
    const keyPath = join(this.baseDir, ...assetKey.split("/"));
    return partitionKey === null ? `${keyPath}.json` : join(keyPath, `${encodeURIComponent(partitionKey)}.json`);
  }

  async handleOutput(ctx: OutputContext, value: unknown): Promise<Record<string, unknown>> {
    const path = this.pathFor(ctx.assetKey, ctx.partitionKey);
    const text = serialize(value, ctx.assetKey);
    await writeFileAtomically(path, text);
    const metadata: Record<string, unknown> = { path, bytes: Buffer.byteLength(text) };
    if (Array.isArray(value)) metadata.rows = value.length;
    return metadata;
  }

  async loadInput(ctx: InputContext): Promise<unknown> {
    const path = this.pathFor(ctx.assetKey, ctx.partitionKey);
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") {
        throw new NeverMaterializedError({
          assetKey: ctx.assetKey,
          downstreamKey: ctx.downstreamKey,
          partitionKey: ctx.partitionKey,
          where: path,
        });
      }
      throw error;
    }
    // `undefined` is stored as an empty file, since JSON has no way to spell it.
    return text === "" ? undefined : JSON.parse(text);
  }
}

/**
 * The filesystem I/O manager as a resource (the executor's default, rooted at
 * `.tributary/storage/`).
 *
 * @example
 * ```ts
 * export default definitions({
 *   assets: [...],
 *   resources: { io_manager: filesystemIOManager({ baseDir: "/data/tributary" }) },
 * });
 * ```
 */
export function filesystemIOManager(
  options: FilesystemIOManagerOptions,
): ResourceDefinition<FilesystemIOManager, { baseDir: string | EnvVarRef }> {
  if (!options || (typeof options.baseDir !== "string" && typeof options.baseDir !== "object")) {
    throw new TypeError('filesystemIOManager() needs a folder: filesystemIOManager({ baseDir: ".tributary/storage" })');
  }
  return resource({
    description: "JSON files, one per asset",
    config: { baseDir: options.baseDir },
    setup: ({ config }) => new FilesystemIOManager(config.baseDir),
  }) as ResourceDefinition<FilesystemIOManager, { baseDir: string | EnvVarRef }>;
}

function serialize(value: unknown, assetKey: string): string {
  if (value === undefined) return "";
  try {
    return JSON.stringify(value);
  } catch (error) {
    throw new UnsupportedValueError(
      `asset "${assetKey}": its value cannot be stored as JSON: ${(error as Error).message}`,
      {
        cause: error,
        hint: "Return plain data (objects, arrays, strings, numbers, booleans, null, Dates); turn bigints into strings or numbers, and break circular references.",
      },
    );
  }
}

/** Writes `text` to a sibling temporary file, flushes it, and renames it over `path`. */
export async function writeFileAtomically(path: string, text: string): Promise<void> {
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    const handle = await openCreatingFolder(temporary);
    try {
      await handle.writeFile(text, "utf8");
      // Without the flush, a power loss after the rename could leave an empty file under the new name.
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => undefined);
    throw error;
  }
}

/**
 * Opens `path` for writing, creating its folder only when it is missing: the folder usually exists
 * (every run but the first writes there), and a mkdir per write was a measurable share of a short run.
 */
async function openCreatingFolder(path: string): Promise<FileHandle> {
  try {
    return await open(path, "w");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    await mkdir(dirname(path), { recursive: true });
    return open(path, "w");
  }
}
