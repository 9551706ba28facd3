/**
 * Declarative automation conditions: inert trees that say when an asset should be materialized,
 * evaluated by the daemon on each automation tick (runtime/src/services/automation). They mirror
 * Dagster's `AutomationCondition` (dagster/_core/definitions/declarative_automation/
 * automation_condition.py): the same operands, operators and compositions, in camelCase; the
 * differences are listed in docs/automation.md.
 *
 * Terminology:
 * - **operand**: a leaf that reads one fact of an asset (or partition): `missing()`, `newlyUpdated()`.
 * - **status** operands stay true across ticks (missing, in progress); **event** operands are true on
 *   one tick only (newly updated, cron tick passed). `since()` turns two events into a status,
 *   `newlyTrue()` a status into an event.
 * - **dep conditions** (`anyDepsMatch`, `allDepsMatch`) evaluate their operand on the asset's deps.
 */
import { DefinitionError, type SourceLocation } from "../errors";
import { callerLocation, lazyCallerLocation } from "../location";
import { cronProblem, isTimeZone } from "../schedules";
import type { SelectionInput } from "../selection";
import { toSelectionAst, formatSelection } from "../selection";

/** The leaves of a condition tree. */
export type AutomationOperandKind =
  | "missing"
  | "inProgress"
  | "executionFailed"
  | "newlyUpdated"
  | "newlyRequested"
  | "codeVersionChanged"
  | "cronTickPassed"
  | "inLatestTimeWindow"
  | "initialEvaluation"
  | "willBeRequested"
  | "executedWithRootTarget";

/** Every kind of node of a condition tree. */
export type AutomationConditionKind = AutomationOperandKind | "and" | "or" | "not" | "since" | "newlyTrue" | "anyDeps" | "allDeps";

const BRAND = Symbol.for("tributary.automationCondition");

/** Node fields by kind (operand parameters, dep filters). */
interface NodeParams {
  cron?: string;
  timezone?: string;
  /** Dep conditions: only deps in this selection count (Dagster's `.allow()`). */
  allow?: string;
  /** Dep conditions: deps in this selection are ignored (Dagster's `.ignore()`). */
  ignore?: string;
}

/**
 * A condition on an asset (or on each of its partitions). Build one with the factories of
 * {@link AutomationCondition} and compose with `.and()`, `.or()`, `.not()`, `.since()`,
 * `.newlyTrue()`; give it to `asset({ automation })`, `sqlAsset({ automation })` or
 * `multiAsset({ automation })`. A condition is an inert value: nothing runs when it is built.
 *
 * @example
 * ```ts
 * asset({ key: "stg_orders", deps: [rawOrders], automation: AutomationCondition.eager() }, fn);
 * asset({ key: "daily_report", automation: AutomationCondition.onCron("0 6 * * *", { timezone: "Europe/Paris" }) }, fn);
 * ```
 */
export class AutomationCondition {
  readonly [BRAND] = true;

  private constructor(
    /** The node's kind. */
    readonly kind: AutomationConditionKind,
    /** The sub-conditions (and/or: any number; not/newlyTrue/deps: one; since: trigger, reset). */
    readonly children: readonly AutomationCondition[],
    /** A short name shown in explanations (`"eager"`, `"any_deps_updated"`), or undefined. */
    readonly label: string | undefined,
    readonly params: Readonly<NodeParams>,
  ) {}

  /** @internal */
  static node(kind: AutomationConditionKind, children: readonly AutomationCondition[] = [], label?: string, params: NodeParams = {}): AutomationCondition {
    for (const child of children) assertCondition(child, `${kind}()`);
    return new AutomationCondition(kind, children, label, params);
  }

  /** This condition and all of `others`. */
  and(...others: AutomationCondition[]): AutomationCondition {
    return and(this, ...others);
  }

  /** This condition or any of `others`. */
  or(...others: AutomationCondition[]): AutomationCondition {
    return or(this, ...others);
  }

  /** True where this condition is false. */
  not(): AutomationCondition {
    return not(this);
  }

  /**
   * True from the evaluation on which this condition (the trigger) was true until one on which
   * `reset` is true; on an evaluation where both are true, the reset wins (as in Dagster's
   * SinceCondition).
   */
  since(reset: AutomationCondition): AutomationCondition {
    return AutomationCondition.node("since", [this, reset]);
  }

  /** True on the evaluation where this condition becomes true, false while it stays true. */
  newlyTrue(): AutomationCondition {
    return AutomationCondition.node("newlyTrue", [this]);
  }

  /** `since(newlyRequested() | newlyUpdated() | initialEvaluation())`, labelled like Dagster's. */
  sinceLastHandled(): AutomationCondition {
    return this.since(
      or(AutomationCondition.newlyRequested(), AutomationCondition.newlyUpdated(), AutomationCondition.initialEvaluation()).withLabel("handled"),
    ).withLabel(this.label ? `${this.label}_since_last_handled` : "since_last_handled");
  }

  /** A copy with another label (shown in explanations and the stored tree). */
  withLabel(label: string): AutomationCondition {
    return new AutomationCondition(this.kind, this.children, label, this.params);
  }

  /**
   * A copy where every dep condition considers only the deps in `selection`
   * (Dagster's `.allow(AssetSelection)`). Takes a selection string or an `AssetSelection`.
   */
  allow(selection: SelectionInput): AutomationCondition {
    return this.withDepFilter("allow", selection);
  }

  /** A copy where every dep condition ignores the deps in `selection` (Dagster's `.ignore()`). */
  ignore(selection: SelectionInput): AutomationCondition {
    return this.withDepFilter("ignore", selection);
  }

  /**
   * A copy without the direct sub-condition `child` (an `and`/`or` operand), found by label or by
   * equal structure, as Dagster's `.without()`. Throws when there is none.
   */
  without(child: AutomationCondition | string): AutomationCondition {
    const index = this.children.findIndex((candidate) => matches(candidate, child));
    if ((this.kind !== "and" && this.kind !== "or") || index < 0) {
      throw new DefinitionError(`${this.describe()} has no direct sub-condition ${typeof child === "string" ? `labelled "${child}"` : child.describe()}`, {
        location: callerLocation(),
        hint: "without() removes one operand of an and()/or(); see its operands with describe().",
      });
    }
    return new AutomationCondition(this.kind, this.children.filter((_, i) => i !== index), this.label, this.params);
  }

  /** A copy where every sub-condition equal to `old` (or labelled `old`) is `replacement` (Dagster's `.replace()`). */
  replace(old: AutomationCondition | string, replacement: AutomationCondition): AutomationCondition {
    if (matches(this, old)) return replacement;
    return new AutomationCondition(this.kind, this.children.map((child) => child.replace(old, replacement)), this.label, this.params);
  }

  /** The condition in words, one line (its label when it has one). */
  describe(): string {
    if (this.label) return this.label;
    switch (this.kind) {
      case "and":
        return `(${this.children.map((child) => child.describe()).join(" & ")})`;
      case "or":
        return `(${this.children.map((child) => child.describe()).join(" | ")})`;
      case "not":
        return `~${this.children[0]!.describe()}`;
      case "since":
        return `${this.children[0]!.describe()}.since(${this.children[1]!.describe()})`;
      case "newlyTrue":
        return `${this.children[0]!.describe()}.newly_true()`;
      case "anyDeps":
      case "allDeps":
        return `${this.kind === "anyDeps" ? "any" : "all"}_deps_match(${this.children[0]!.describe()}${depFilterText(this.params)})`;
      case "cronTickPassed":
        return `cron_tick_passed(${this.params.cron}, ${this.params.timezone})`;
      default:
        return snake(this.kind);
    }
  }

  /** A JSON form of the tree (kinds, labels, parameters): stored with evaluations, shown by `automation explain`. */
  toJSON(): AutomationConditionJson {
    return {
      kind: this.kind,
      ...(this.label ? { label: this.label } : {}),
      ...(Object.keys(this.params).length > 0 ? { params: { ...this.params } } : {}),
      ...(this.children.length > 0 ? { children: this.children.map((child) => child.toJSON()) } : {}),
    };
  }

  private withDepFilter(which: "allow" | "ignore", selection: SelectionInput): AutomationCondition {
    let text: string;
    try {
      text = formatSelection(toSelectionAst(selection));
    } catch (error) {
      throw new DefinitionError(`${which}(): ${error instanceof Error ? error.message : String(error)}`, {
        location: callerLocation(),
        hint: 'Give a selection string such as "group:raw" or an AssetSelection.',
      });
    }
    const children = this.children.map((child) => child.withDepFilter(which, selection));
    if (this.kind !== "anyDeps" && this.kind !== "allDeps") return new AutomationCondition(this.kind, children, this.label, this.params);
    const previous = this.params[which];
    const combined = previous ? (which === "allow" ? `(${previous}) and (${text})` : `(${previous}) or (${text})`) : text;
    return new AutomationCondition(this.kind, children, this.label, { ...this.params, [which]: combined });
  }

  // ---- operands -------------------------------------------------------------------------------

  /** True for an asset (partition) that has never been materialized. A status. */
  static missing(): AutomationCondition {
    return AutomationCondition.node("missing");
  }

  /** True while a run that materializes the asset (partition) is queued or executing. A status. */
  static inProgress(): AutomationCondition {
    return AutomationCondition.node("inProgress");
  }

  /** True when the latest run that tried the asset (partition) failed after its latest materialization. A status. */
  static executionFailed(): AutomationCondition {
    return AutomationCondition.node("executionFailed");
  }

  /** True when the asset (partition) was materialized since the previous evaluation. An event. */
  static newlyUpdated(): AutomationCondition {
    return AutomationCondition.node("newlyUpdated");
  }

  /** True when the previous evaluation requested the asset (partition). An event. */
  static newlyRequested(): AutomationCondition {
    return AutomationCondition.node("newlyRequested");
  }

  /** True when the asset's `codeVersion` differs from the one at the previous evaluation. An event. */
  static codeVersionChanged(): AutomationCondition {
    return AutomationCondition.node("codeVersionChanged");
  }

  /**
   * True on the first evaluation after a tick of `cron` (read in `timezone`) has passed. An event.
   * @throws DefinitionError naming the file and line when the cron or the time zone is invalid.
   */
  static cronTickPassed(cron: string, options: { timezone?: string } = {}): AutomationCondition {
    const timezone = validateCron(cron, options.timezone, "cronTickPassed", AutomationCondition.cronTickPassed);
    return AutomationCondition.node("cronTickPassed", [], undefined, { cron: cron.trim(), timezone });
  }

  /**
   * True for the latest time partition of a time-partitioned asset, and for every partition of an
   * asset that is not time-partitioned (and for an unpartitioned asset). A status.
   */
  static inLatestTimeWindow(): AutomationCondition {
    return AutomationCondition.node("inLatestTimeWindow");
  }

  /** True on the first evaluation of the asset's condition (or of a changed condition). An event. */
  static initialEvaluation(): AutomationCondition {
    return AutomationCondition.node("initialEvaluation");
  }

  /** True when this tick requests the asset (partition): used on deps, which are evaluated first. */
  static willBeRequested(): AutomationCondition {
    return AutomationCondition.node("willBeRequested");
  }

  /**
   * True when the run that last materialized the asset also planned the asset whose condition is
   * evaluated (the root): a dep updated by the run that also runs its child is not "updated" for it.
   */
  static executedWithRootTarget(): AutomationCondition {
    return AutomationCondition.node("executedWithRootTarget");
  }

  /** `missing().newlyTrue()`: true on the evaluation where the asset (partition) becomes missing. */
  static newlyMissing(): AutomationCondition {
    return AutomationCondition.missing().newlyTrue().withLabel("newly_missing");
  }

  // ---- dep conditions -------------------------------------------------------------------------

  /** True when `condition` is true for at least one dep (of the dep partitions a partition reads). */
  static anyDepsMatch(condition: AutomationCondition): AutomationCondition {
    return AutomationCondition.node("anyDeps", [condition]);
  }

  /** True when `condition` is true for every dep (an asset without deps: true). */
  static allDepsMatch(condition: AutomationCondition): AutomationCondition {
    return AutomationCondition.node("allDeps", [condition]);
  }

  /**
   * True when a dep was updated since the previous evaluation (by a run that did not also plan this
   * asset) or will be requested on this tick.
   */
  static anyDepsUpdated(): AutomationCondition {
    const updated = AutomationCondition.newlyUpdated().and(AutomationCondition.executedWithRootTarget().not()).withLabel("newly_updated_without_root");
    return AutomationCondition.anyDepsMatch(updated.or(AutomationCondition.willBeRequested())).withLabel("any_deps_updated");
  }

  /** True when a dep is missing and will not be requested on this tick. */
  static anyDepsMissing(): AutomationCondition {
    return AutomationCondition.anyDepsMatch(AutomationCondition.missing().and(AutomationCondition.willBeRequested().not())).withLabel("any_deps_missing");
  }

  /** True when a dep is in progress. */
  static anyDepsInProgress(): AutomationCondition {
    return AutomationCondition.anyDepsMatch(AutomationCondition.inProgress()).withLabel("any_deps_in_progress");
  }

  /** True when every dep was updated since the latest tick of `cron` (or will be requested on this tick). */
  static allDepsUpdatedSinceCron(cron: string, options: { timezone?: string } = {}): AutomationCondition {
    const timezone = validateCron(cron, options.timezone, "allDepsUpdatedSinceCron", AutomationCondition.allDepsUpdatedSinceCron);
    const tick = AutomationCondition.node("cronTickPassed", [], undefined, { cron: cron.trim(), timezone });
    return AutomationCondition.allDepsMatch(AutomationCondition.newlyUpdated().since(tick).or(AutomationCondition.willBeRequested())).withLabel(
      `all_deps_updated_since_cron(${cron.trim()}, ${timezone})`,
    );
  }

  // ---- compositions ---------------------------------------------------------------------------

  /**
   * Materializes the asset when any dep is updated (or when it becomes missing), once every dep is
   * present and nothing upstream or itself is in progress; for time-partitioned assets only the
   * latest partition. Equals Dagster's `AutomationCondition.eager()`.
   */
  static eager(): AutomationCondition {
    return and(
      AutomationCondition.inLatestTimeWindow(),
      or(AutomationCondition.newlyMissing(), AutomationCondition.anyDepsUpdated()).sinceLastHandled(),
      AutomationCondition.anyDepsMissing().not(),
      AutomationCondition.anyDepsInProgress().not(),
      AutomationCondition.inProgress().not(),
    ).withLabel("eager");
  }

  /**
   * Materializes the asset once per tick of `cron`, as soon as every dep has been updated since
   * that tick. Equals Dagster's `AutomationCondition.on_cron(cron, timezone)`.
   * @throws DefinitionError naming the file and line when the cron or the time zone is invalid.
   */
  static onCron(cron: string, options: { timezone?: string } = {}): AutomationCondition {
    const timezone = validateCron(cron, options.timezone, "onCron", AutomationCondition.onCron);
    const tick = AutomationCondition.node("cronTickPassed", [], undefined, { cron: cron.trim(), timezone });
    return and(
      AutomationCondition.inLatestTimeWindow(),
      tick.sinceLastHandled(),
      AutomationCondition.allDepsUpdatedSinceCron(cron, { timezone }),
    ).withLabel(`on_cron(${cron.trim()}, ${timezone})`);
  }

  /**
   * Materializes partitions (or the unpartitioned asset) that become missing after the condition
   * was first evaluated, once their deps are present. Equals Dagster's `on_missing()`.
   */
  static onMissing(): AutomationCondition {
    return and(
      AutomationCondition.inLatestTimeWindow(),
      AutomationCondition.missing().newlyTrue().sinceLastHandled().withLabel("missing_since_last_handled"),
      AutomationCondition.anyDepsMissing().not(),
    ).withLabel("on_missing");
  }
}

/** The JSON form of a condition (see {@link AutomationCondition.toJSON}). */
export interface AutomationConditionJson {
  kind: AutomationConditionKind;
  label?: string;
  params?: NodeParams;
  children?: AutomationConditionJson[];
}

/** All of `conditions` (Dagster's `&`). */
export function and(...conditions: AutomationCondition[]): AutomationCondition {
  if (conditions.length === 0) throw new DefinitionError("and() needs at least one condition", { location: callerLocation() });
  return AutomationCondition.node("and", conditions);
}

/** Any of `conditions` (Dagster's `|`). */
export function or(...conditions: AutomationCondition[]): AutomationCondition {
  if (conditions.length === 0) throw new DefinitionError("or() needs at least one condition", { location: callerLocation() });
  return AutomationCondition.node("or", conditions);
}

/** The negation of `condition` (Dagster's `~`). */
export function not(condition: AutomationCondition): AutomationCondition {
  return AutomationCondition.node("not", [condition]);
}

/** True for a condition built by {@link AutomationCondition} (from any copy of the package). */
export function isAutomationCondition(value: unknown): value is AutomationCondition {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/** Checks the `automation` field of an asset spec. */
export function normalizeAutomation(value: unknown, what: string, location: SourceLocation | (() => SourceLocation | undefined) | undefined): AutomationCondition | undefined {
  if (value === undefined) return undefined;
  if (!isAutomationCondition(value)) {
    throw new DefinitionError(`${what}: automation must be an automation condition`, {
      location,
      hint: "Use AutomationCondition.eager(), AutomationCondition.onCron(\"0 6 * * *\") or AutomationCondition.onMissing(), or compose your own.",
    });
  }
  return value;
}

function assertCondition(value: unknown, where: string): void {
  if (!isAutomationCondition(value)) {
    throw new DefinitionError(`${where}: expected an automation condition, got ${value === null ? "null" : typeof value}`, {
      location: callerLocation(),
      hint: "Build conditions with AutomationCondition.missing(), .eager(), ... and combine them with and()/or()/not().",
    });
  }
}

// eslint-disable-next-line @typescript-eslint/ban-types
function validateCron(cron: unknown, timezone: unknown, where: string, below: Function): string {
  // The location of the user's call: the frame below the public factory they called.
  const userLocation = lazyCallerLocation(below);
  if (typeof cron !== "string" || cron.trim() === "") {
    throw new DefinitionError(`${where}(): cron must be a cron expression such as "0 2 * * *"`, { location: userLocation });
  }
  const problem = cronProblem(cron);
  if (problem) {
    throw new DefinitionError(`${where}(): invalid cron "${cron}": ${problem}`, {
      location: userLocation,
      hint: 'Use 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first, e.g. "0 2 * * *".',
    });
  }
  if (timezone !== undefined && !isTimeZone(timezone)) {
    throw new DefinitionError(`${where}(): unknown time zone ${JSON.stringify(timezone)}`, {
      location: userLocation,
      hint: 'Use an IANA name such as "UTC", "Europe/Paris" or "America/New_York".',
    });
  }
  return (timezone as string | undefined) ?? "UTC";
}

function matches(candidate: AutomationCondition, target: AutomationCondition | string): boolean {
  if (typeof target === "string") return candidate.label === target;
  return candidate === target || JSON.stringify(candidate.toJSON()) === JSON.stringify(target.toJSON());
}

function depFilterText(params: NodeParams): string {
  return `${params.allow ? `, allow ${params.allow}` : ""}${params.ignore ? `, ignore ${params.ignore}` : ""}`;
}

function snake(kind: string): string {
  return kind.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}
