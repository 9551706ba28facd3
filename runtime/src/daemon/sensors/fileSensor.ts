import { createHash } from "node:crypto";
import { readdir, stat } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { sensor, type SensorDefinition } from "../../definitions/sensor";
import type { JobDefinition, SelectionInput } from "../../definitions/job";
import type { InstigatorStatus } from "../../types";
import { seenFromCursor } from "./cursor";

/** Options of {@link fileSensor}. */
export interface FileSensorSpec {
  name: string;
  /** The folder to watch, relative to the project folder (or absolute). */
  folder: string;
  /** Only files whose name (relative to `folder`) matches. @defaultValue every file */
  pattern?: RegExp;
  /** Look into subfolders. @defaultValue false */
  recursive?: boolean;
  /** One run per new or changed file instead of one run per evaluation. @defaultValue false */
  runPerFile?: boolean;
  job?: JobDefinition;
  selection?: SelectionInput;
  /** @defaultValue 30 */
  minimumIntervalSeconds?: number;
  defaultStatus?: InstigatorStatus;
  description?: string;
}

/**
 * A sensor that requests a run when files under a folder are new or changed (size or modification
 * time differ from what it saw). The cursor holds each file's size and mtime; the run key is a hash
 * of the changes, so the same change never launches twice. Deleted files are forgotten.
 *
 * @example
 * ```ts
 * export const newRawFiles = fileSensor({ name: "new_raw_files", folder: "data", pattern: /\.csv$/, job: rawToWarehouse });
 * ```
 */
export function fileSensor(spec: FileSensorSpec): SensorDefinition {
  const { folder, pattern, recursive, runPerFile, ...rest } = spec;
  return sensor({ ...rest, description: spec.description ?? `New or changed files in ${folder}` }, async (ctx) => {
    const root = resolve(ctx.projectDir, folder);
    const seen = seenFromCursor<string>(ctx.cursor);
    const now: Record<string, string> = {};
    for (const file of await listFiles(root, recursive ?? false)) {
      const name = relative(root, file);
      if (pattern && !pattern.test(name)) continue;
      try {
        const info = await stat(file);
        now[name] = `${info.size}:${Math.round(info.mtimeMs)}`;
      } catch {
        // Deleted between listing and stat.
      }
    }
    const changed = Object.keys(now).filter((name) => seen[name] !== now[name]).sort();
    ctx.updateCursor(JSON.stringify(now));
    if (changed.length === 0) return { skip: `no new or changed file in ${folder}` };
    const keyOf = (names: string[]) => createHash("sha256").update(names.map((name) => `${name}=${now[name]}`).join("\n")).digest("hex").slice(0, 16);
    if (runPerFile) return changed.map((name) => ({ runKey: `${name}@${now[name]}`, tags: { "tributary/file": name } }));
    return { runKey: keyOf(changed), tags: { "tributary/files": changed.slice(0, 20).join(",") } };
  });
}

async function listFiles(root: string, recursive: boolean): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch {
    return [];
  }
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(root, entry.name);
    if (entry.isFile()) files.push(path);
    else if (recursive && entry.isDirectory()) files.push(...(await listFiles(path, true)));
  }
  return files;
}
