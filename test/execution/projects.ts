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

/** Polls a condition (never a fixed sleep). */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
