import type { AssetNode, AssetReference, Position, ProjectIndex, ProjectModel } from "../analysis";
import type { TributarySettings } from "../protocol";
import type { DaemonAsset } from "./daemonClient";
import { spanContains } from "./convert";

/** What the feature handlers need from the server (kept narrow so features stay testable). */
export interface ServerState {
  settings(): TributarySettings;
  /** The project and model holding a file (undefined outside every workspace folder). */
  projectOf(file: string): { project: ProjectIndex; model: ProjectModel } | undefined;
  /** Current text of a file: the open document, else the file on disk. */
  textOf(file: string): string | undefined;
  daemonStatuses(): ReadonlyMap<string, DaemonAsset>;
  materialize(selection: string): Promise<{ runId: string }>;
}

/** Assets declared in a file, in source order (maintained by the linker). */
export function assetsInFile(model: ProjectModel, file: string): AssetNode[] {
  return model.assetsByFile.get(file) ?? [];
}

/**
 * The asset key at a position: on a key declaration, a key string, an identifier reference, a key
 * in a selection string, or the `asset`/`multiAsset` callee of a definition.
 */
export function assetAt(model: ProjectModel, file: string, position: Position): AssetReference | undefined {
  for (const reference of model.references.get(file) ?? []) {
    if (spanContains(reference.location.span, position)) return reference;
  }
  for (const asset of assetsInFile(model, file)) {
    if (spanContains(asset.definition.nameSpan, position)) return { key: asset.key, location: asset.location, kind: "declaration" };
  }
  return undefined;
}

/** Every reference to `key` in the project (declarations included). */
export function referencesTo(model: ProjectModel, key: string): AssetReference[] {
  const result: AssetReference[] = [];
  for (const list of model.references.values()) {
    for (const reference of list) if (reference.key === key) result.push(reference);
  }
  return result;
}
