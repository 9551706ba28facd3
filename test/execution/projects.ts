import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { StorageConfig } from "../../runtime/src/storage";

/** Writes a throwaway project whose definitions.ts is `source`, with a SQLite state file. */
export function project(source: string, prefix = "tributary-worker-"): { dir: string; storageConfig: StorageConfig } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  writeFileSync(path.join(dir, "definitions.ts"), source);
  return { dir, storageConfig: { kind: "sqlite", path: path.join(dir, ".tributary", "tributary.db") } };
}

