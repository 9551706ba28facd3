import { cronProblem } from "./cron";
import { article, type DefinitionsCallSummary, type FileLinkContext, reportUnknownDep } from "./link";
import {
  type AnalysisDiagnostic,
  type AssetDefinitionFact,
  type AssetNode,
  type CheckDefinitionFact,
  type DefinitionFact,
  type DefinitionsFact,
  type Position,
  positionAt,
  type RefFact,
  type SelectionFact,
  type Span,
} from "./model";
import type { CheckNode, JobNode, TriggerNode } from "./projectModel";
import { type SelectionChecker, suggestName } from "./selection";

/** What the rules over one file's checks, jobs, schedules, sensors and `definitions()` found. */
export interface FileRuleResults {
  checks: CheckNode[];
  jobs: JobNode[];
  triggers: TriggerNode[];
  definitionsCalls: DefinitionsCallSummary[];
}

/**
 * The rules over one file's checks, jobs, schedules, sensors and `definitions()`, run after the
 * asset graph is known. Each adds diagnostics with a stable code (docs/diagnostics.md lists them
 * all). `definitions` are the file's Tributary definitions, in source order.
 */
export function checkRules(context: FileLinkContext, definitions: readonly DefinitionFact[]): FileRuleResults {
  const results: FileRuleResults = { checks: [], jobs: [], triggers: [], definitionsCalls: [] };
  const file = context.file;
  const checker = (): SelectionChecker => context.project.selectionChecker();
  for (const definition of definitions) {
    if (definition.api === "assetCheck") results.checks.push(checkAssetCheck(context, definition));
    else if (definition.api === "defineAssetJob") {
      const selected = definition.selection ? checkSelectionFact(context, definition.selection, checker) : undefined;
      results.jobs.push({
        ...(definition.name ? { name: definition.name.value } : {}), file, definition,
        ...(selected ? { selected } : {}),
      });
    } else if (definition.api === "definitions") results.definitionsCalls.push(summarizeDefinitionsCall(context, definition));
  }
  for (const definition of definitions) {
    if (definition.api !== "schedule" && definition.api !== "sensor") continue;
    if (definition.api === "schedule") {
      if (definition.cron) {
        const problem = cronProblem(definition.cron.value);
        if (problem) {
          context.report({
            file, span: definition.cron.span, severity: "error", code: "invalid-cron",
            message: `Invalid cron "${definition.cron.value}": ${problem}. Five fields: minute hour day-of-month month day-of-week, e.g. "0 2 * * *"`,
          });
        }
      } else if (!definition.cronDynamic) {
        context.report({
          file, span: definition.nameSpan, severity: "error", code: "invalid-cron",
          message: `schedule() needs a cron string, e.g. cron: "0 2 * * *"`,
        });
      }
    }
    let jobName: string | undefined;
    if (definition.job) jobName = resolveJob(context, definition.job);
    const selected = definition.selection ? checkSelectionFact(context, definition.selection, checker) : undefined;
    results.triggers.push({
      ...(definition.name ? { name: definition.name.value } : {}), file, definition,
      ...(jobName !== undefined ? { job: jobName } : {}), ...(selected ? { selected } : {}),
    });
  }
  return results;
}

function checkAssetCheck(context: FileLinkContext, definition: CheckDefinitionFact): CheckNode {
  const file = context.file;
  let targets: string[] = [];
  if (definition.target) {
    const resolution = context.resolveAssets(file, definition.target);
    if (resolution.kind === "keys") {
      targets = resolution.keys;
      if (definition.target.kind === "key" || definition.target.kind === "ref") {
        for (const key of targets) context.addReference({ key, location: { file, span: definition.target.span }, kind: definition.target.kind });
      }
    } else {
      reportUnknownDep(context, definition.target, resolution, "check target");
    }
  } else {
    context.report({
      file, span: definition.nameSpan, severity: "error", code: "unknown-check-asset",
      message: "assetCheck() needs the asset it checks: asset: someAsset (or its key string)",
    });
  }
  return { ...(definition.name ? { name: definition.name.value } : {}), file, definition, targets };
}

/** Returns the job's name, or reports `unknown-job`. */
function resolveJob(context: FileLinkContext, ref: RefFact): string | undefined {
  const file = context.file;
  if (ref.kind === "dynamic" || ref.kind === "spread") return undefined;
  if (ref.kind === "key") {
    if (context.project.hasJob(ref.value)) return ref.value;
    const suggestion = context.project.suggestJob(ref.value);
    context.report({
      file, span: ref.span, severity: "error", code: "unknown-job",
      message: `Unknown job "${ref.value}"${suggestion !== undefined ? `; did you mean "${suggestion}"?` : "; define it with defineAssetJob({ name, selection })"}`,
      ...(suggestion !== undefined ? { data: { replacement: suggestion } } : {}),
    });
    return undefined;
  }
  const target = context.resolver.resolveRef(file, ref.name, ref.member);
  const written = ref.member ? `${ref.name}.${ref.member}` : ref.name;
  if (target.kind === "definition") {
    if (target.definition.api === "defineAssetJob") return target.definition.name?.value;
    context.report({
      file, span: ref.span, severity: "error", code: "unknown-job",
      message: `\`${written}\` is ${article(target.definition.api)} ${target.definition.api}() definition, not a job; pass a defineAssetJob() here (or use selection: "...")`,
    });
  } else if (target.kind === "missing") {
    context.report({
      file, span: ref.span, severity: "error", code: "unknown-job",
      message: `\`${written}\` is not a job Tributary can find: import the defineAssetJob() it names`,
    });
  }
  return undefined;
}

/** Checks a job/schedule/sensor selection; returns the selected keys when they are an explicit list. */
function checkSelectionFact(context: FileLinkContext, fact: SelectionFact, checker: () => SelectionChecker): string[] | undefined {
  const file = context.file;
  if (fact.kind === "dynamic") return undefined;
  if (fact.kind === "assets") {
    const keys: string[] = [];
    for (const ref of fact.refs) {
      const resolution = context.resolveAssets(file, ref);
      if (resolution.kind === "keys") {
        keys.push(...resolution.keys);
        if (ref.kind === "key" || ref.kind === "ref") {
          for (const key of resolution.keys) context.addReference({ key, location: { file, span: ref.span }, kind: ref.kind });
        }
      } else reportUnknownDep(context, ref, resolution, "selection");
    }
    return keys;
  }
  const lineStarts = context.facts.lineStarts;
  const at = (offsetInText: number): Position => positionAt(lineStarts, fact.textOffset + offsetInText);
  const result = checker().check(fact.text);
  if (result.syntaxError) {
    const start = Math.min(result.syntaxError.offset, fact.text.length);
    context.report({
      file, span: { start: at(start), end: at(Math.min(fact.text.length, start + 1)) }, severity: "error", code: "invalid-selection",
      message: `Selection "${fact.text}" does not parse: ${result.syntaxError.message}`,
    });
    return undefined;
  }
  for (const unknown of result.unknownKeys) {
    const suggestion = unknown.suggestion;
    const span: Span = { start: at(unknown.start), end: at(unknown.end) };
    context.report({
      file, span, severity: "error", code: "unknown-asset",
      message: `Selection names unknown asset "${unknown.key}"${suggestion !== undefined ? `; did you mean "${suggestion}"?` : ""}`,
      ...(suggestion !== undefined ? { data: { replacement: suggestion, keyOnly: true } } : {}),
    });
  }
  // Key leaves naming an asset are references too (find references, rename).
  for (const leaf of result.keyLeaves) {
    if (context.project.hasKey(leaf.key)) {
      context.addReference({ key: leaf.key, location: { file, span: { start: at(leaf.start), end: at(leaf.end) } }, kind: "selection" });
    }
  }
  if (result.selectsNothing && result.unknownKeys.length === 0) {
    const first = result.unmatched[0];
    const detail = first ? `: ${first.what} matches nothing${first.suggestion !== undefined ? ` (did you mean "${first.suggestion}"?)` : ""}` : "; check the group, tag or key names";
    context.report({
      file, span: first ? { start: at(first.start), end: at(first.end) } : fact.span, severity: "warning", code: "empty-selection",
      message: `Selection "${fact.text}" selects no asset in this project${detail}`,
    });
  }
  return undefined;
}

/** Resolves one `definitions()` call's assets list (reporting what does not resolve) and reads its resources. */
function summarizeDefinitionsCall(context: FileLinkContext, definition: DefinitionsFact): DefinitionsCallSummary {
  const summary: DefinitionsCallSummary = { file: context.file, definition, assetsKnown: definition.assets !== undefined, registeredKeys: [] };
  for (const ref of definition.assets ?? []) {
    const resolution = context.resolveAssets(context.file, ref);
    if (resolution.kind === "keys") summary.registeredKeys.push(...resolution.keys);
    else if (resolution.kind === "opaque") summary.assetsKnown = false;
    else reportUnknownDep(context, ref, resolution, "selection");
  }
  if (definition.resources !== undefined) summary.provided = definition.resources.map((r) => r.value);
  return summary;
}

/** The project-wide facts the registration rules need, gathered from every `definitions()` call. */
export interface Registration {
  /** The first `definitions()` call of the project: where "register this asset" inserts. */
  target: { file: string; definition: DefinitionsFact };
  /** False when some assets list cannot be read completely (then nothing is reported unregistered). */
  assetsKnown: boolean;
  /** Resource names provided, sorted; undefined when some resources object cannot be read. */
  provided?: string[];
  /** Whether a key is passed to some `definitions({ assets })`. */
  isRegistered(key: string): boolean;
  /** Whether `node` is the asset that owns its key (the first of duplicates). */
  isFirst(node: AssetNode): boolean;
}

/**
 * `unregistered-asset` and `missing-resource` for the assets of one file (`nodes`, in source
 * order), against every `definitions()` of the project.
 */
export function checkRegistration(nodes: readonly AssetNode[], registration: Registration): AnalysisDiagnostic[] {
  const diagnostics: AnalysisDiagnostic[] = [];
  const { target, provided } = registration;
  const providedSet = new Set(provided ?? []);
  const seen = new Set<AssetDefinitionFact>();
  for (const node of nodes) {
    const definition = node.definition;
    if (seen.has(definition)) continue;
    seen.add(definition);
    const registered = nodes.some((n) => n.definition === definition && registration.isRegistered(n.key) && registration.isFirst(n));
    if (registration.assetsKnown && !registered) {
      const name = definition.api === "multiAsset" ? definition.name?.value ?? node.key : node.key;
      diagnostics.push({
        file: node.location.file, span: node.location.span, severity: "warning", code: "unregistered-asset",
        message: `Asset "${name}" is not passed to definitions({ assets }), so it never runs; add ${definition.variable ?? "it"} to the assets list`,
        related: [{ location: { file: target.file, span: target.definition.nameSpan }, message: "definitions() is here" }],
        data: {
          ...(definition.variable !== undefined ? { variable: definition.variable } : {}),
          definitionsFile: target.file,
          ...(target.definition.assetsArrayEnd ? { insertAt: target.definition.assetsArrayEnd } : {}),
          ...(definition.variable !== undefined ? { insertText: (target.definition.assets?.length ? ", " : "") + definition.variable } : {}),
        },
      });
    }
    if (provided) {
      for (const resource of definition.resources) {
        if (providedSet.has(resource.value)) continue;
        const suggestion = suggestName(resource.value, provided);
        diagnostics.push({
          file: node.location.file, span: resource.span, severity: "error", code: "missing-resource",
          message: `Resource "${resource.value}" is required by "${node.key}" but not provided by definitions({ resources })${suggestion !== undefined ? `; did you mean "${suggestion}"?` : `; add ${resource.value}: ... to resources`}`,
          related: [{ location: { file: target.file, span: target.definition.nameSpan }, message: "definitions() is here" }],
        });
      }
    }
  }
  return diagnostics;
}
