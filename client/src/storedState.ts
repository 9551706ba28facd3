/**
 * The last known state of the assets when no daemon answers: what storage recorded, read with the
 * workspace's own runtime (`tributary assets list --json`, the same storage settings and the same
 * code as the daemon would use). Without it, the lineage drew every asset "never materialized"
 * while the daemon was stopped. Freshness (fresh, stale, failed) is the daemon's to compute, so
 * materialized assets are shown with an unknown status and their latest materialization.
 */
import { execFile } from "node:child_process";
import type { LineageMaterialization } from "../../ui/src/protocol";
import { readConfig } from "./config";
import { findWorkspaceRuntime } from "./runtime";

/** One asset as storage knows it (the fields of `tributary assets list --json` the lineage uses). */
export interface StoredAsset {
  key: string;
  latestMaterialization: LineageMaterialization | null;
}

/** How long one read stays good: it loads the project's code, so it is not repeated on every keystroke. */
const TTL_MS = 30_000;

/** Reads the stored state of a project's assets, caching it for {@link TTL_MS}. */
export class StoredStateReader {
  private cached: { at: number; projectDir: string; value: Promise<Map<string, StoredAsset> | undefined> } | undefined;

  constructor(private readonly log: (line: string) => void) {}

  /** The assets storage knows, by key; undefined when it cannot be read (no runtime, a project that does not load). */
  read(projectDir: string): Promise<Map<string, StoredAsset> | undefined> {
    const cached = this.cached;
    if (cached && cached.projectDir === projectDir && Date.now() - cached.at < TTL_MS) return cached.value;
    const value = readStoredAssets(projectDir, this.log);
    this.cached = { at: Date.now(), projectDir, value };
    return value;
  }

  /** Forgets the cached read (a run ended, the daemon stopped). */
  invalidate(): void {
    this.cached = undefined;
  }
}

/** Runs `tributary assets list --json` of the workspace's runtime in `projectDir`. */
export function readStoredAssets(projectDir: string, log: (line: string) => void): Promise<Map<string, StoredAsset> | undefined> {
  const runtime = findWorkspaceRuntime(projectDir);
  if (!runtime) return Promise.resolve(undefined);
  const node = readConfig().nodePath || "node";
  return new Promise((resolve) => {
    execFile(node, [runtime.bin, "assets", "list", "--json"], { cwd: projectDir, timeout: 60_000, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: "1" } },
      (error, stdout, stderr) => {
        if (error) {
          log(`[${new Date().toISOString()}] reading the last known asset state from storage failed: ${(stderr || error.message).trim().split("\n")[0]}`);
          return resolve(undefined);
        }
        try {
          const assets = JSON.parse(stdout) as StoredAsset[];
          resolve(new Map(assets.map((asset) => [asset.key, { key: asset.key, latestMaterialization: asset.latestMaterialization ?? null }])));
        } catch (parseError) {
          log(`[${new Date().toISOString()}] tributary assets list --json printed no JSON: ${String(parseError)}`);
          resolve(undefined);
        }
      });
  });
}
