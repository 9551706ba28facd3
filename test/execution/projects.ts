import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createCompiler, findProjectConfig, type CodeVersion } from "../../runtime/src/loader";
import type { StorageConfig } from "../../runtime/src/storage";

/** Writes a throwaway project whose definitions.ts is `source`, with a SQLite state file. */
export function project(source: string, prefix = "tributary-worker-"): { dir: string; storageConfig: StorageConfig } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  writeFileSync(path.join(dir, "definitions.ts"), source);
  return { dir, storageConfig: { kind: "sqlite", path: path.join(dir, ".tributary", "tributary.db") } };
}

/** Compiles the project in `dir` as it is now into a code version, as a daemon's code location does. */
export async function versionOf(dir: string, id: string): Promise<CodeVersion> {
  const config = findProjectConfig(dir);
  const compiler = createCompiler(config);
  try {
    return { id, config, compiled: await compiler.compile() };
  } finally {
    await compiler.dispose();
  }
}
