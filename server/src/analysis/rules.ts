import { cronProblem } from "./cron";
import { article, type LinkContext, reportUnknownDep } from "./link";
import type { AssetDefinitionFact, DefinitionsFact, Position, RefFact, SelectionFact, Span } from "./model";
import { SelectionChecker, suggestName } from "./selection";

/**
 * The rules over checks, jobs, schedules, sensors and `definitions()`, run after the asset graph is
 * built. Each adds diagnostics with a stable code (docs/diagnostics.md lists them all).
 */
export function checkRules(context: LinkContext): void {
  let checker: SelectionChecker | undefined;
  const lazyGraph = (): SelectionChecker => (checker ??= new SelectionChecker(context.model.assets.values()));
  const jobsByName = new Map<string, string>();
  for (const [file, facts] of context.files) {
    for (const definition of facts.definitions) {
      if (!context.isTributary(file, definition)) continue;
      if (definition.api === "assetCheck") checkAssetCheck(context, file, definition);
      else if (definition.api === "defineAssetJob") {
        const selected = definition.selection ? checkSelectionFact(context, file, definition.selection, lazyGraph) : undefined;
        context.model.jobs.push({
          ...(definition.name ? { name: definition.name.value } : {}), file, definition,
          ...(selected ? { selected } : {}),
        });
        if (definition.name) jobsByName.set(definition.name.value, definition.name.value);
      } else if (definition.api === "definitions") context.model.definitionsCalls.push({ file, definition });
    }
  }
  for (const [file, facts] of context.files) {
    for (const definition of facts.definitions) {
      if ((definition.api !== "schedule" && definition.api !== "sensor") || !context.isTributary(file, definition)) continue;
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
      if (definition.job) jobName = resolveJob(context, file, definition.job, jobsByName);
      const selected = definition.selection ? checkSelectionFact(context, file, definition.selection, lazyGraph) : undefined;
      context.model.triggers.push({
        ...(definition.name ? { name: definition.name.value } : {}), file, definition,
        ...(jobName !== undefined ? { job: jobName } : {}), ...(selected ? { selected } : {}),
      });
    }
  }
  checkDefinitionsCalls(context);
}

function checkAssetCheck(context: LinkContext, file: string, definition: Extract<Parameters<typeof context.isTributary>[1], { api: "assetCheck" }>): void {
  let targets: string[] = [];
  if (definition.target) {
    const resolution = context.resolveAssets(file, definition.target);
    if (resolution.kind === "keys") {
      targets = resolution.keys;
      if (definition.target.kind === "key" || definition.target.kind === "ref") {
        for (const key of targets) context.addReference(file, { key, location: { file, span: definition.target.span }, kind: definition.target.kind });
      }
    } else {
      reportUnknownDep(context, file, definition.target, resolution, "check target");
    }
  } else {
    context.report({
      file, span: definition.nameSpan, severity: "error", code: "unknown-check-asset",
      message: "assetCheck() needs the asset it checks: asset: someAsset (or its key string)",
    });
  }
  context.model.checks.push({ ...(definition.name ? { name: definition.name.value } : {}), file, definition, targets });
}

/** Returns the job's name, or reports `unknown-job`. */
function resolveJob(context: LinkContext, file: string, ref: RefFact, jobsByName: Map<string, string>): string | undefined {
  if (ref.kind === "dynamic" || ref.kind === "spread") return undefined;
  if (ref.kind === "key") {
    if (jobsByName.has(ref.value)) return ref.value;
    const suggestion = suggestName(ref.value, jobsByName.keys());
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
function checkSelectionFact(context: LinkContext, file: string, fact: SelectionFact, checker: () => SelectionChecker): string[] | undefined {
  if (fact.kind === "dynamic") return undefined;
  if (fact.kind === "assets") {
    const keys: string[] = [];
    for (const ref of fact.refs) {
      const resolution = context.resolveAssets(file, ref);
      if (resolution.kind === "keys") {
        keys.push(...resolution.keys);
        if (ref.kind === "key" || ref.kind === "ref") {
          for (const key of resolution.keys) context.addReference(file, { key, location: { file, span: ref.span }, kind: ref.kind });
        }
      } else reportUnknownDep(context, file, ref, resolution, "selection");
    }
    return keys;
  }
  const lineStarts = context.files.get(file)?.lineStarts ?? [0];
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
    if (context.model.assets.has(leaf.key)) {
      context.addReference(file, { key: leaf.key, location: { file, span: { start: at(leaf.start), end: at(leaf.end) } }, kind: "selection" });
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

function positionAt(lineStarts: number[], offset: number): Position {
  let low = 0;
  let high = lineStarts.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if ((lineStarts[middle] as number) <= offset) low = middle;
    else high = middle - 1;
  }
  return { line: low, character: offset - (lineStarts[low] as number) };
}

/** `unregistered-asset` and `missing-resource`, against every `definitions()` of the project. */
function checkDefinitionsCalls(context: LinkContext): void {
  const calls = context.model.definitionsCalls;
  if (calls.length === 0) return;
  const registered = new Set<AssetDefinitionFact>();
  let assetsKnown = true;
  const provided = new Set<string>();
  let resourcesKnown = true;
  for (const { file, definition } of calls) {
    if (!definition.assets) assetsKnown = false;
    for (const ref of definition.assets ?? []) {
      const resolution = context.resolveAssets(file, ref);
      if (resolution.kind === "keys") {
        for (const key of resolution.keys) {
          const node = context.model.assets.get(key);
          if (node) registered.add(node.definition);
        }
      } else if (resolution.kind === "opaque") assetsKnown = false;
      else reportUnknownDep(context, file, ref, resolution, "selection");
    }
    if (definition.resources === undefined) resourcesKnown = false;
    for (const resource of definition.resources ?? []) provided.add(resource.value);
  }
  const target = calls[0] as { file: string; definition: DefinitionsFact };
  const seen = new Set<AssetDefinitionFact>();
  for (const node of context.model.allAssets) {
    const definition = node.definition;
    if (seen.has(definition)) continue;
    seen.add(definition);
    if (assetsKnown && !registered.has(definition)) {
      const name = definition.api === "multiAsset" ? definition.name?.value ?? node.key : node.key;
      context.report({
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
    if (resourcesKnown) {
      for (const resource of definition.resources) {
        if (provided.has(resource.value)) continue;
        const suggestion = suggestName(resource.value, provided);
        context.report({
          file: node.location.file, span: resource.span, severity: "error", code: "missing-resource",
          message: `Resource "${resource.value}" is required by "${node.key}" but not provided by definitions({ resources })${suggestion !== undefined ? `; did you mean "${suggestion}"?` : `; add ${resource.value}: ... to resources`}`,
          related: [{ location: { file: target.file, span: target.definition.nameSpan }, message: "definitions() is here" }],
        });
      }
    }
  }
}
