/**
 * Declarative automation and freshness in the static analysis: the rules over the `automation:`
 * and `freshness:` values of asset specs (read by AutomationSyntax, never run), and their
 * descriptions for the hover. The cron, time zone and duration checks are the runtime's own
 * (`tributary-ts/schedules`), so the editor reports exactly what `asset()` would throw.
 * docs/diagnostics.md lists the codes; docs/language-server.md the hover.
 */
import { cronProblem, isTimeZone, parseDuration } from "tributary-ts/schedules";
import { CRON_FACTORIES } from "./automationSyntax";
import type { FileDeclarations, FileLinkContext } from "./link";
import type { AnalysisDiagnostic, AssetDefinitionFact, AssetNode, AutomationFact, FreshnessFact, Span, StringFact } from "./model";
import type { JobNode, TriggerNode } from "./projectModel";
import { suggestName } from "./selection";

/**
 * The condition that applies to an asset (its multiAsset output's own, else the spec's), with
 * constants of other files followed once its file is linked.
 */
export function automationOf(node: AssetNode): AutomationFact | undefined {
  return node.automation ?? writtenAutomationOf(node);
}

/** The condition as written in the asset's own file (what diagnostics point at). */
function writtenAutomationOf(node: AssetNode): AutomationFact | undefined {
  return outOf(node)?.automation ?? node.definition.automation;
}

/** How many constants deep a condition is followed across files. */
const MAX_FOLLOWED = 16;

/** `fact` (written in `file`) with its references to other files' constants replaced by their conditions. */
function resolveAutomation(context: FileLinkContext, file: string, fact: AutomationFact, depth: number): AutomationFact {
  if (fact.kind === "ref") {
    const target = depth < MAX_FOLLOWED ? context.resolver.resolveRef(file, fact.name, fact.member) : undefined;
    if (target?.kind !== "automation") return { kind: "unknown", span: fact.span };
    // The span stays the reference's: the asset's file is where anything about it is reported.
    return { ...resolveAutomation(context, target.file, target.condition, depth + 1), span: fact.span } as AutomationFact;
  }
  if (fact.kind === "unknown" || (fact.kind === "factory" && !fact.children)) return fact;
  return { ...fact, children: fact.children!.map((child) => resolveAutomation(context, file, child, depth)) } as AutomationFact;
}

/** The freshness policy that applies to an asset: its multiAsset output's own, else the spec's. */
export function freshnessOf(node: AssetNode): FreshnessFact | undefined {
  return outOf(node)?.freshness ?? node.definition.freshness;
}

function outOf(node: AssetNode): AssetDefinitionFact["outs"][number] | undefined {
  return node.definition.api === "multiAsset" ? node.definition.outs.find((out) => out.key?.value === node.key) : undefined;
}

/** Every node of a condition tree, depth first. */
function* nodesOf(fact: AutomationFact): Generator<AutomationFact> {
  yield fact;
  if (fact.kind !== "unknown" && fact.kind !== "ref") for (const child of fact.children ?? []) yield* nodesOf(child);
}

/** The crons of a condition (onCron, cronTickPassed, allDepsUpdatedSinceCron) with their time zone, when literal and valid. */
export function cronsOf(fact: AutomationFact): { cron: string; timezone: string }[] {
  const crons: { cron: string; timezone: string }[] = [];
  for (const node of nodesOf(fact)) {
    if (node.kind !== "factory" || !CRON_FACTORIES.has(node.name) || !node.cron) continue;
    const timezone = node.timezone?.value ?? "UTC";
    if (cronProblem(node.cron.value) !== undefined || !isTimeZone(timezone)) continue;
    if (!crons.some((c) => c.cron === node.cron!.value.trim() && c.timezone === timezone)) crons.push({ cron: node.cron.value.trim(), timezone });
  }
  return crons;
}

/**
 * The cron-taking factories (`onCron`, `cronTickPassed`, `allDepsUpdatedSinceCron`) written in the
 * asset's own file with a literal cron, for the hover on the cron string.
 */
export function writtenCronsOf(node: AssetNode): { factory: string; cron: StringFact; timezone: string }[] {
  const written = writtenAutomationOf(node);
  if (!written) return [];
  const found: { factory: string; cron: StringFact; timezone: string }[] = [];
  for (const fact of nodesOf(written)) {
    if (fact.kind === "factory" && CRON_FACTORIES.has(fact.name) && fact.cron) found.push({ factory: fact.name, cron: fact.cron, timezone: fact.timezone?.value ?? "UTC" });
  }
  return found;
}

// ---- rules of one file ------------------------------------------------------------------------

const CRON_HINT = 'five fields: minute hour day-of-month month day-of-week, e.g. "0 6 * * *"';
const DURATION_HINT = 'write a whole number and a unit: "90s", "30m", "24h", "7d" or "2w"';

/**
 * `automation-invalid-cron`, `automation-invalid-timezone`, `freshness-invalid-duration` and
 * `freshness-warn-not-shorter` on one file's asset specs: the runtime's definition-time checks, on
 * the string at fault. A condition held by a constant used twice is reported once.
 */
export function checkAutomationSyntax(context: FileLinkContext, declarations: FileDeclarations): void {
  const file = context.file;
  const reported = new Set<string>();
  const report = (span: Span, code: string, message: string, data?: Record<string, unknown>): void => {
    const id = `${code}:${span.start.line}:${span.start.character}`;
    if (reported.has(id)) return;
    reported.add(id);
    context.report({ file, span, severity: "error", code, message, ...(data ? { data } : {}) });
  };
  for (const node of declarations.nodes) {
    const written = writtenAutomationOf(node);
    if (written) node.automation = resolveAutomation(context, file, written, 0);
  }
  const ownConsts = Object.values(context.facts.automationConsts ?? {});
  for (const definition of [...declarations.definitions, undefined]) {
    if (definition && definition.api !== "asset" && definition.api !== "sqlAsset" && definition.api !== "multiAsset") continue;
    // The file's own condition constants (undefined entry) are checked where they are written.
    const conditions = definition ? [definition.automation, ...definition.outs.map((out) => out.automation)] : ownConsts;
    for (const condition of conditions) {
      if (!condition) continue;
      for (const node of nodesOf(condition)) {
        if (node.kind !== "factory" || !CRON_FACTORIES.has(node.name)) continue;
        if (node.cron) {
          const problem = node.cron.value.trim() === "" ? "the expression is empty" : cronProblem(node.cron.value);
          if (problem) {
            report(node.cron.span, "automation-invalid-cron",
              `${node.name}(): invalid cron "${node.cron.value}": ${problem}; ${CRON_HINT}`);
          }
        }
        if (node.timezone && !isTimeZone(node.timezone.value)) {
          const suggestion = suggestName(node.timezone.value, timeZoneNames());
          report(node.timezone.span, "automation-invalid-timezone",
            `${node.name}(): unknown time zone "${node.timezone.value}"${suggestion ? `; did you mean "${suggestion}"?` : ""} Use an IANA name such as "UTC", "Europe/Paris" or "America/New_York"`,
            suggestion ? { replacement: suggestion } : undefined);
        }
      }
    }
    if (!definition) continue;
    for (const freshness of [definition.freshness, ...definition.outs.map((out) => out.freshness)]) {
      if (freshness) checkFreshness(freshness, report);
    }
  }
}

function checkFreshness(fact: FreshnessFact, report: (span: Span, code: string, message: string, data?: Record<string, unknown>) => void): void {
  for (const key of fact.unknownKeys ?? []) {
    const suggestion = suggestName(key.value, ["maxLag", "warnAfter"]);
    report(key.span, "freshness-invalid-duration",
      `freshness takes maxLag and warnAfter, not "${key.value}"${suggestion ? `; did you mean "${suggestion}"?` : ""}`, suggestion ? { replacement: suggestion } : undefined);
  }
  if (fact.missingMaxLag && !fact.unknownKeys) {
    report(fact.span, "freshness-invalid-duration", 'freshness needs maxLag, the age at which the asset is stale: freshness: { maxLag: "24h", warnAfter: "12h" }');
    return;
  }
  const maxLagMs = fact.maxLag ? parseDuration(fact.maxLag.value) : undefined;
  if (fact.maxLag && maxLagMs === undefined) {
    report(fact.maxLag.span, "freshness-invalid-duration", `freshness.maxLag "${fact.maxLag.value}" is not a duration; ${DURATION_HINT}`);
  }
  if (!fact.warnAfter) return;
  const warnAfterMs = parseDuration(fact.warnAfter.value);
  if (warnAfterMs === undefined) {
    report(fact.warnAfter.span, "freshness-invalid-duration", `freshness.warnAfter "${fact.warnAfter.value}" is not a duration; ${DURATION_HINT}`);
  } else if (maxLagMs !== undefined && warnAfterMs >= maxLagMs) {
    report(fact.warnAfter.span, "freshness-warn-not-shorter",
      `freshness.warnAfter (${fact.warnAfter.value}) must be shorter than maxLag (${fact.maxLag!.value}): the asset warns first, then turns stale; shorten warnAfter, or leave it out`);
  }
}

let zones: string[] | undefined;
function timeZoneNames(): string[] {
  zones ??= ["UTC", ...(Intl as unknown as { supportedValuesOf(key: string): string[] }).supportedValuesOf("timeZone")];
  return zones;
}

// ---- project-wide rules -----------------------------------------------------------------------

/** What the project-wide automation rules read of a linked project. */
export interface AutomationProject {
  /** The first asset of each key. */
  assets: ReadonlyMap<string, AssetNode>;
  /** Every asset node with an automation condition written, in file order. */
  nodes: Iterable<AssetNode>;
  jobs: readonly JobNode[];
  triggers: readonly TriggerNode[];
}

/**
 * The condition's dep-update trigger, when the condition is exactly `eager()` or
 * `anyDepsUpdated()` (relabelled or not; a dep filter or any composition: undefined).
 */
function depTrigger(fact: AutomationFact): "eager" | "anyDepsUpdated" | undefined {
  let node = fact;
  while (node.kind === "label" && node.filter === undefined) node = node.children[0];
  return node.kind === "factory" && (node.name === "eager" || node.name === "anyDepsUpdated") ? node.name : undefined;
}

/**
 * `automation-deps-never-updated` and `automation-partitioned-eager-unpartitioned-deps`, over the
 * whole project (they read other files' assets, jobs, schedules and sensors). Conservative: only
 * a condition that is exactly `eager()` or `anyDepsUpdated()`, on an `asset()` or `multiAsset()`
 * whose deps are all written as resolved references (a sqlAsset's deps come from its query, read
 * later by the SQL analysis: not judged). See docs/diagnostics.md for the precise rules.
 */
export function checkAutomationProject(project: AutomationProject): AnalysisDiagnostic[] {
  const diagnostics: AnalysisDiagnostic[] = [];
  let updatable: Set<string> | null | undefined;
  /** Keys something in the project materializes; null when a selection cannot be read statically. */
  const updatableKeys = (): Set<string> | null => {
    if (updatable !== undefined) return updatable;
    const keys = new Set<string>();
    for (const node of project.nodes) if (automationOf(node)) keys.add(node.key);
    for (const job of project.jobs) {
      if (!job.selected) return (updatable = null);
      for (const key of job.selected) keys.add(key);
    }
    for (const trigger of project.triggers) {
      if (trigger.definition.selection) {
        if (!trigger.selected) return (updatable = null);
        for (const key of trigger.selected) keys.add(key);
      } else if (trigger.job === undefined) return (updatable = null);
    }
    return (updatable = keys);
  };
  for (const node of project.nodes) {
    if (project.assets.get(node.key) !== node) continue;
    const resolved = automationOf(node);
    const condition = writtenAutomationOf(node);
    const trigger = resolved && depTrigger(resolved);
    if (!condition || !trigger || node.definition.api === "sqlAsset") continue;
    const written = node.definition.deps;
    if (!written.every((ref) => ref.kind === "key" || ref.kind === "ref")) continue;
    const file = node.location.file;
    const what = trigger === "eager" ? "eager()" : "anyDepsUpdated()";
    if (written.length === 0 && node.deps.length === 0) {
      diagnostics.push({
        file, span: condition.span, severity: "warning", code: "automation-deps-never-updated",
        message: trigger === "eager"
          ? `${what} on "${node.key}", which has no deps: it is materialized once, when it is missing, and never again (no dep can be updated). Use AutomationCondition.onCron("0 6 * * *") or a schedule to refresh it, or add its deps`
          : `${what} on "${node.key}", which has no deps: it is never true. Use AutomationCondition.onCron("0 6 * * *") or a schedule, or add its deps`,
      });
      continue;
    }
    const deps = node.deps.map((key) => project.assets.get(key));
    if (deps.length === 0 || deps.length < new Set(written.map((ref) => ref.kind === "key" ? ref.value : `${ref.name}.${ref.member ?? ""}`)).size) continue;
    if (deps.some((dep) => dep === undefined)) continue;
    const known = deps as AssetNode[];
    const keys = updatableKeys();
    if (keys && known.every((dep) => !keys.has(dep.key))) {
      diagnostics.push({
        file, span: condition.span, severity: "warning", code: "automation-deps-never-updated",
        message: `${what} on "${node.key}" waits for a dep to be updated, but nothing in the project materializes ${known.length === 1 ? "its dep" : "any of its deps"} ${known.map((dep) => `"${dep.key}"`).join(", ")}: none has an automation condition or is selected by a job, schedule or sensor. Give a dep a condition (e.g. AutomationCondition.onCron("0 6 * * *")), or select it in a scheduled job`,
        related: known.map((dep) => ({ location: dep.location, message: `"${dep.key}" is defined here, without automation` })),
      });
      continue;
    }
    if (trigger === "eager" && node.definition.partitions && node.partitions && known.every((dep) => !dep.definition.partitions)) {
      const timePartitioned = /^(hourly|daily|weekly|monthly|time)/i.test(node.partitions);
      diagnostics.push({
        file, span: condition.span, severity: "warning", code: "automation-partitioned-eager-unpartitioned-deps",
        message: timePartitioned
          ? `eager() on the time-partitioned "${node.key}" (${node.partitions}) whose deps are all unpartitioned: an update of a dep requests only the latest partition (eager() is in_latest_time_window, as in Dagster); earlier partitions are never refreshed by it. Backfill them when a dep changes, or use AutomationCondition.onCron(...) if every run should refresh a fixed window`
          : `eager() on the partitioned "${node.key}" (${node.partitions}) whose deps are all unpartitioned: every partition reads the whole dep, so each update of a dep requests every partition. If that is intended, ignore this; else make "${node.key}" unpartitioned or partition its deps`,
      });
    }
  }
  return diagnostics;
}

// ---- descriptions -----------------------------------------------------------------------------

const LABELS: Record<string, string> = {
  eager: "eager", onMissing: "on_missing", anyDepsUpdated: "any_deps_updated", anyDepsMissing: "any_deps_missing",
  anyDepsInProgress: "any_deps_in_progress", newlyMissing: "newly_missing",
};

/**
 * The condition in the form of the runtime's `AutomationCondition.describe()` (Dagster's labels:
 * `eager`, `on_cron(0 6 * * *, Europe/Paris)`, `(missing & ~in_progress)`), or undefined when a part
 * of it is not read statically.
 */
export function describeAutomation(fact: AutomationFact): string | undefined {
  switch (fact.kind) {
    case "unknown":
    case "ref":
      return undefined;
    case "factory": {
      const cron = fact.cron?.value.trim();
      const zone = fact.timezone?.value ?? "UTC";
      if (CRON_FACTORIES.has(fact.name)) {
        if (!cron || fact.dynamic) return undefined;
        return `${fact.name === "onCron" ? "on_cron" : fact.name === "cronTickPassed" ? "cron_tick_passed" : "all_deps_updated_since_cron"}(${cron}, ${zone})`;
      }
      if (fact.children) {
        const inner = fact.children[0] && describeAutomation(fact.children[0]);
        return inner === undefined ? undefined : `${fact.name === "anyDepsMatch" ? "any" : "all"}_deps_match(${inner})`;
      }
      return LABELS[fact.name] ?? snake(fact.name);
    }
    case "label": {
      if (fact.label !== undefined) return fact.label;
      const inner = describeAutomation(fact.children[0]);
      if (inner === undefined) return undefined;
      return fact.filter && /_deps_match\(/.test(inner) && inner.endsWith(")") ? `${inner.slice(0, -1)}, ${fact.filter})` : inner;
    }
    default: {
      const parts = fact.children.map((child) => describeAutomation(child));
      if (parts.some((part) => part === undefined)) return undefined;
      const [first, second] = parts as string[];
      switch (fact.kind) {
        case "and":
          return `(${parts.join(" & ")})`;
        case "or":
          return `(${parts.join(" | ")})`;
        case "not":
          return `~${first}`;
        case "newlyTrue":
          return `${first}.newly_true()`;
        case "since":
          return `${first}.since(${second})`;
        case "sinceLastHandled": {
          const child = fact.children[0];
          const label = child.kind === "label" && child.label ? child.label : child.kind === "factory" && LABELS[child.name] ? LABELS[child.name] : undefined;
          return label ? `${label}_since_last_handled` : "since_last_handled";
        }
      }
    }
  }
}

/** The condition in words, one sentence, for the hover. */
export function automationInWords(fact: AutomationFact): string {
  let node = fact;
  while (node.kind === "label") node = node.children[0];
  if (node.kind === "factory") {
    const tick = cronText(node);
    if (node.name === "eager") {
      return "Materialized when any dep is updated (or when it becomes missing), unless a dep is missing or in progress, or it is in progress itself; a time-partitioned asset: its latest partition only.";
    }
    if (node.name === "onCron" && tick) return `Materialized once per tick of ${tick}, as soon as every dep has been updated since that tick.`;
    if (node.name === "onMissing") return "Materialized when it (a partition of it) becomes missing after the condition is first evaluated, once its deps are present.";
  }
  if (node.kind === "unknown" || node.kind === "ref") return "Its condition is built in a way the editor does not read (a function, another module): see it with `tributary automation explain`.";
  return `Materialized when ${words(fact)}.`;
}

function cronText(node: AutomationFact & { kind: "factory" }): string | undefined {
  return node.cron && !node.dynamic ? `\`${node.cron.value.trim()}\` (${node.timezone?.value ?? "UTC"})` : undefined;
}

const OPERAND_WORDS: Record<string, string> = {
  missing: "it is missing", inProgress: "it is in progress", executionFailed: "its latest run failed",
  newlyUpdated: "it was just updated", newlyRequested: "it was requested on the previous evaluation",
  codeVersionChanged: "its code version changed", inLatestTimeWindow: "it is in the latest time window",
  initialEvaluation: "it is the condition's first evaluation", willBeRequested: "it will be requested on this evaluation",
  executedWithRootTarget: "it was last materialized by a run that also planned the asset evaluated",
  newlyMissing: "it has just become missing", anyDepsUpdated: "any dep is updated", anyDepsMissing: "a dep is missing",
  anyDepsInProgress: "a dep is in progress", eager: "the eager condition holds", onMissing: "the on-missing condition holds",
};

/** `not(operand)` in words, where plain English has a better form than "not ...". */
const NEGATED_WORDS: Record<string, string> = {
  missing: "it is not missing", inProgress: "it is not in progress", executionFailed: "its latest run did not fail",
  anyDepsMissing: "no dep is missing", anyDepsInProgress: "no dep is in progress", anyDepsUpdated: "no dep is updated",
};

function words(fact: AutomationFact): string {
  switch (fact.kind) {
    case "unknown":
    case "ref":
      return "(a condition not read statically)";
    case "label":
      return words(fact.children[0]) + (fact.filter ? ` (deps: ${fact.filter})` : "");
    case "factory": {
      const tick = cronText(fact) ?? "a cron not read statically";
      if (fact.name === "onCron") return `the on-cron condition of ${tick} holds`;
      if (fact.name === "cronTickPassed") return `a tick of ${tick} has passed`;
      if (fact.name === "allDepsUpdatedSinceCron") return `every dep was updated since the latest tick of ${tick}`;
      if (fact.name === "anyDepsMatch" || fact.name === "allDepsMatch") {
        return `${fact.name === "anyDepsMatch" ? "for some dep" : "for every dep"}, ${fact.children?.[0] ? words(fact.children[0]) : "…"}`;
      }
      return OPERAND_WORDS[fact.name] ?? snake(fact.name).replace(/_/g, " ");
    }
    case "and":
      return fact.children.map((child) => group(child)).join(" and ");
    case "or":
      return fact.children.map((child) => group(child)).join(" or ");
    case "not": {
      const inner = fact.children[0];
      const negated = inner.kind === "factory" ? NEGATED_WORDS[inner.name] : undefined;
      return negated ?? `not ${group(inner)}`;
    }
    case "newlyTrue":
      return `${group(fact.children[0])} has just become true`;
    case "since":
      return `${group(fact.children[0])} has happened since ${group(fact.children[1])} last did`;
    case "sinceLastHandled":
      return `${group(fact.children[0])} has happened since it was last requested or materialized`;
  }
}

function group(fact: AutomationFact): string {
  const text = words(fact);
  return fact.kind === "and" || fact.kind === "or" ? `(${text})` : text;
}

/** A freshness policy in words, or undefined when it is not read statically or invalid. */
export function freshnessInWords(fact: FreshnessFact): string | undefined {
  if (fact.dynamic || !fact.maxLag || parseDuration(fact.maxLag.value) === undefined) return undefined;
  const maxLag = fact.maxLag.value.trim();
  const warnAfter = fact.warnAfter && parseDuration(fact.warnAfter.value) !== undefined ? fact.warnAfter.value.trim() : undefined;
  return warnAfter
    ? `FRESH until ${warnAfter} after its latest materialization, then WARN, and STALE from ${maxLag}.`
    : `FRESH until ${maxLag} after its latest materialization, then STALE.`;
}

function snake(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}
