import { DEFAULT_IO_MANAGER_KEY } from "../definitions/asset";
import { SQL_BUILT_IN_RESOURCE_KEYS } from "../sql/tables";
import { DefinitionError, SelectionSyntaxError, formatLocation, type SourceLocation } from "../errors";
import { validateMapping } from "../partitions/mappingValidation";
import { parseSelection, suggest, walkAst } from "../selection";
import type { AssetGraph } from "./assetGraph";

/** One thing wrong with a project's definitions. Codes match the language server's diagnostics. */
export interface DefinitionProblem {
  code: "unknown-dep" | "cycle" | "duplicate-key" | "self-dep" | "unknown-resource" | "unknown-check-asset"
    | "duplicate-name" | "duplicate-instigator-name" | "incompatible-partition-mapping" | "invalid-selection";
  message: string;
  location: SourceLocation | undefined;
  hint?: string;
}

/** Resource keys the runtime provides when the project does not. */
export const BUILT_IN_RESOURCE_KEYS: ReadonlySet<string> = new Set([DEFAULT_IO_MANAGER_KEY, ...SQL_BUILT_IN_RESOURCE_KEYS]);

/** Finds every problem in the graph, in a stable order (by kind, then by declaration order). */
export function validateGraph(graph: AssetGraph): DefinitionProblem[] {
  const problems: DefinitionProblem[] = [];
  const keys = [...graph.assets.keys()];

  for (const [key, places] of graph.duplicates) {
    problems.push({
      code: "duplicate-key",
      message: `asset key "${key}" is defined ${places.length} times: ${places.map((p) => (p ? formatLocation(p) : "?")).join(", ")}`,
      location: places[1],
      hint: "Give each asset its own key.",
    });
  }

  for (const node of graph.assets.values()) {
    for (const dep of node.deps) {
      if (dep === node.key) {
        problems.push({ code: "self-dep", message: `asset "${node.key}" depends on itself`, location: node.location });
      } else if (!graph.assets.has(dep)) {
        const guess = suggest(dep, keys);
        problems.push({
          code: "unknown-dep",
          message: `asset "${node.key}" depends on "${dep}", which is not defined`,
          location: node.location,
          hint: guess ? `Did you mean "${guess}"?` : "Define that asset, or register it in definitions({ assets }).",
        });
      }
    }
  }

  for (const node of graph.assets.values()) {
    for (const dep of node.deps) {
      const upstream = graph.assets.get(dep);
      if (!upstream || dep === node.key) continue;
      const problem = validateMapping(
        node.partitionMappings[dep],
        { key: node.key, partitions: node.partitions },
        { key: dep, partitions: upstream.partitions },
      );
      if (problem) problems.push({ code: "incompatible-partition-mapping", message: problem.message, location: node.location, hint: problem.hint });
    }
  }

  for (const cycle of findCycles(graph)) {
    const first = graph.assets.get(cycle[0]!);
    problems.push({
      code: "cycle",
      message: `dependency cycle: ${[...cycle, cycle[0]].join(" -> ")}`,
      location: first?.location,
      hint: "Remove one of these deps; an asset cannot be upstream of itself.",
    });
  }

  const provided = graph.definitions.resources;
  for (const step of graph.steps.values()) {
    for (const key of step.resources) {
      if (!(key in provided) && !BUILT_IN_RESOURCE_KEYS.has(key)) problems.push(unknownResource(`asset "${step.stepKey}" requires`, key, provided, step.definition.location));
    }
  }
  for (const node of graph.assets.values()) {
    if (!(node.ioManager in provided) && !BUILT_IN_RESOURCE_KEYS.has(node.ioManager)) {
      problems.push(unknownResource(`asset "${node.key}" stores its value with I/O manager`, node.ioManager, provided, node.location));
    }
  }

  for (const check of graph.orphanChecks) {
    const guess = suggest(check.assetKey, keys);
    problems.push({
      code: "unknown-check-asset",
      message: `check "${check.name}" targets asset "${check.assetKey}", which is not defined`,
      location: check.location,
      hint: guess ? `Did you mean "${guess}"?` : "Point the check at a defined asset.",
    });
  }

  const definitions = graph.definitions;
  const jobs = new Set<string>();
  for (const job of definitions.jobs) {
    if (jobs.has(job.name)) problems.push({ code: "duplicate-name", message: `two jobs are named "${job.name}"`, location: job.location });
    jobs.add(job.name);
  }
  // Schedules and sensors share one namespace: their status, cursor and ticks are stored by name,
  // so two of them with one name would read and stop each other's.
  const instigators = new Map<string, { kind: "schedule" | "sensor"; location: SourceLocation | undefined }>();
  for (const [kind, items] of [["schedule", definitions.schedules], ["sensor", definitions.sensors]] as const) {
    for (const item of items) {
      const first = instigators.get(item.name);
      if (!first) {
        instigators.set(item.name, { kind, location: item.location });
        continue;
      }
      problems.push({
        code: "duplicate-instigator-name",
        message: `${kind} "${item.name}" has the name of the ${first.kind}${first.location ? ` at ${formatLocation(first.location)}` : ""}; schedules and sensors share one namespace (status, cursor and ticks are kept by name)`,
        location: item.location,
        hint: "Rename one of them.",
      });
    }
  }
  problems.push(...jobSelectionProblems(graph));
  return problems;
}

/**
 * Jobs whose selection does not parse, and jobs that select themselves through `job:` (directly or
 * through other jobs): both would otherwise only show when a run of them is planned.
 */
function jobSelectionProblems(graph: AssetGraph): DefinitionProblem[] {
  const problems: DefinitionProblem[] = [];
  const namedJobs = new Map<string, string[]>();
  for (const job of graph.definitions.jobs) {
    if (namedJobs.has(job.name)) continue;
    try {
      const named: string[] = [];
      walkAst(parseSelection(job.selection), (node) => {
        if (node.type === "job") named.push(node.job);
      });
      namedJobs.set(job.name, named);
    } catch (error) {
      if (!(error instanceof SelectionSyntaxError)) throw error;
      namedJobs.set(job.name, []);
      problems.push({ code: "invalid-selection", message: `job "${job.name}": ${error.message}`, location: job.location, ...(error.hint ? { hint: error.hint } : {}) });
    }
  }
  // Depth-first over the job:NAME references; jobs are few, so recursion depth is no concern.
  const state = new Map<string, 1 | 2>();
  const path: string[] = [];
  const visit = (name: string): void => {
    state.set(name, 1);
    path.push(name);
    for (const next of namedJobs.get(name) ?? []) {
      if (!namedJobs.has(next)) continue;
      if (state.get(next) === 1) {
        const cycle = [...path.slice(path.indexOf(next)), next];
        const job = graph.definitions.jobs.find((item) => item.name === next);
        problems.push({
          code: "cycle",
          message: `job "${next}" selects itself through job: (${cycle.join(" -> ")})`,
          location: job?.location,
          hint: "A job cannot name itself in its selection, directly or through another job; select its assets instead.",
        });
      } else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(name, 2);
  };
  for (const name of namedJobs.keys()) if (!state.has(name)) visit(name);
  return problems;
}

/** Throws one DefinitionError listing every problem, or returns when the graph is sound. */
export function assertValidGraph(graph: AssetGraph): void {
  const problems = validateGraph(graph);
  if (problems.length === 0) return;
  const lines = problems.map((p) => {
    const where = p.location ? `${formatLocation(p.location)}: ` : "";
    return `  ${where}${p.message} [${p.code}]${p.hint ? `\n    ${p.hint}` : ""}`;
  });
  throw new DefinitionError(
    `${problems.length} problem${problems.length === 1 ? "" : "s"} in the definitions:\n${lines.join("\n")}`,
    { hint: "Fix them and load again; `tributary validate` lists them without running anything." },
  );
}

function unknownResource(
  what: string,
  key: string,
  provided: Readonly<Record<string, unknown>>,
  location: SourceLocation | undefined,
): DefinitionProblem {
  const guess = suggest(key, Object.keys(provided));
  return {
    code: "unknown-resource",
    message: `${what} "${key}", which definitions({ resources }) does not provide`,
    location,
    hint: guess ? `Did you mean "${guess}"?` : `Add resources: { ${key}: ... } to definitions().`,
  };
}

/**
 * Finds dependency cycles with an iterative DFS (no recursion: graphs of 10,000+ assets would
 * overflow the stack). Each cycle is reported once, as the path of keys that closes it.
 */
export function findCycles(graph: AssetGraph): string[][] {
  const state = new Map<string, 1 | 2>(); // 1 = on the current path, 2 = done
  const cycles: string[][] = [];
  for (const start of graph.assets.keys()) {
    if (state.has(start)) continue;
    const path: string[] = [];
    const stack: { key: string; next: number }[] = [{ key: start, next: 0 }];
    state.set(start, 1);
    path.push(start);
    while (stack.length > 0) {
      const frame = stack[stack.length - 1]!;
      const deps = graph.parentsOf(frame.key);
      if (frame.next < deps.length) {
        const dep = deps[frame.next++]!;
        if (dep === frame.key || !graph.assets.has(dep)) continue; // reported as self-dep / unknown-dep
        const depState = state.get(dep);
        if (depState === 1) {
          // The path from dep to here, read as "dep is upstream of ...", printed in data-flow order.
          const cycle = path.slice(path.indexOf(dep)).reverse();
          cycles.push(cycle);
        } else if (depState === undefined) {
          state.set(dep, 1);
          path.push(dep);
          stack.push({ key: dep, next: 0 });
        }
      } else {
        state.set(frame.key, 2);
        path.pop();
        stack.pop();
      }
    }
  }
  return cycles;
}

