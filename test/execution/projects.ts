import path from "node:path";
import { createCompiler, findProjectConfig, type CodeVersion } from "../../runtime/src/loader";
import type { StorageConfig } from "../../runtime/src/storage";
import { tempProject } from "../support/tempProject";

/** Writes a throwaway project whose definitions.ts is `source`, with a SQLite state file. */
export function project(source: string, prefix = "worker"): { dir: string; storageConfig: StorageConfig } {
  const { dir } = tempProject({ "definitions.ts": source }, prefix);
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
