import type {
  AnalysisDiagnostic,
  AssetNode,
  AssetReference,
  CheckDefinitionFact,
  DefinitionsFact,
  JobDefinitionFact,
  TriggerDefinitionFact,
} from "./model";
import type { SqlProjectAnalysis } from "./sqlAnalysis";

/** A resolved `assetCheck()`. */
export interface CheckNode {
  name?: string;
  file: string;
  definition: CheckDefinitionFact;
  /** Asset keys the check targets (empty when unknown). */
  targets: string[];
}

/** A resolved `defineAssetJob()`. */
export interface JobNode {
  name?: string;
  file: string;
  definition: JobDefinitionFact;
  /** The selected keys, when the selection is an explicit list (AssetSelection.assets/keys); strings are not evaluated. */
  selected?: string[];
}

/** A resolved `schedule()` or `sensor()`. */
export interface TriggerNode {
  name?: string;
  file: string;
  definition: TriggerDefinitionFact;
  /** Name of the targeted job, when resolved. */
  job?: string;
  selected?: string[];
}

/** A dependency edge as written in code (for cycle reports). */
export interface DependencyEdge {
  from: string;
  to: string;
  file: string;
  span: AssetReference["location"]["span"];
}

/**
 * The linked analysis of one workspace folder: the asset graph with source locations, the other
 * definitions and every diagnostic, per file.
 */
export interface ProjectModel {
  root: string;
  /** The first asset defined for each key (duplicates are in `allAssets` and reported). */
  assets: Map<string, AssetNode>;
  allAssets: AssetNode[];
  /** key -> keys that depend on it. */
  downstream: Map<string, string[]>;
  edges: DependencyEdge[];
  groups: Set<string>;
  checks: CheckNode[];
  jobs: JobNode[];
  triggers: TriggerNode[];
  definitionsCalls: { file: string; definition: DefinitionsFact }[];
  /** Per file: every place naming an asset (declarations, string deps, identifier deps, selections). */
  references: Map<string, AssetReference[]>;
  /** Per file: the assets it declares, in source order. Files without assets have no entry. */
  assetsByFile: ReadonlyMap<string, AssetNode[]>;
  /** Per file: diagnostics, ordered by position. Files without problems have no entry. */
  diagnostics: Map<string, AnalysisDiagnostic[]>;
  /** The SQL assets' columns, column lineage and SQL diagnostics (already part of `diagnostics`). */
  sql: SqlProjectAnalysis;
  /** How long the (last, incremental) link took, for the status notification and the bench. */
  linkMs: number;
}

/** All diagnostics of a model, flattened. */
export function allDiagnostics(model: ProjectModel): AnalysisDiagnostic[] {
  return [...model.diagnostics.values()].flat();
}

/** Check names that target each asset key (from `assetCheck` and inline `checks`). */
export function checksOf(model: ProjectModel, key: string): string[] {
  const names = model.checks.filter((c) => c.targets.includes(key)).map((c) => c.name ?? "(unnamed check)");
  return [...names, ...(model.assets.get(key)?.inlineChecks ?? [])];
}

/** Upstream keys up to `depth` levels (all when undefined). */
export function ancestors(model: ProjectModel, key: string, depth?: number): Set<string> {
  return walk(key, depth, (k) => model.assets.get(k)?.deps ?? []);
}

/** Downstream keys up to `depth` levels (all when undefined). */
export function descendants(model: ProjectModel, key: string, depth?: number): Set<string> {
  return walk(key, depth, (k) => model.downstream.get(k) ?? []);
}

function walk(start: string, depth: number | undefined, next: (key: string) => string[]): Set<string> {
  const seen = new Set<string>();
  let frontier = [start];
  for (let level = 0; frontier.length > 0 && (depth === undefined || level < depth); level++) {
    const nextFrontier: string[] = [];
    for (const key of frontier) {
      for (const neighbour of next(key)) {
        if (!seen.has(neighbour) && neighbour !== start) {
          seen.add(neighbour);
          nextFrontier.push(neighbour);
        }
      }
    }
    frontier = nextFrontier;
  }
  return seen;
}
