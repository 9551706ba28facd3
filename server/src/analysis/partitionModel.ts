import {
  allPartitionsMapping,
  dailyPartitions,
  dynamicPartitions,
  hourlyPartitions,
  identityMapping,
  lastPartitionMapping,
  monthlyPartitions,
  partitionKeyProblem,
  type PartitionMapping,
  type PartitionsDefinition,
  staticMapping,
  staticPartitions,
  timeWindowMapping,
  weeklyPartitions,
} from "tributary-ts/partitions";
import { type LiteralFact, PARTITIONS_FACTORIES, type PartitionCallFact, type Span } from "./model";
import { suggestName } from "./selection";

/**
 * Turns a partition or mapping factory call read from user code into the runtime's own object, by
 * calling the runtime's factory (tributary/partitions: pure definitions and key math, no storage)
 * with the literal arguments. The runtime's validation therefore *is* the analysis's: a start date,
 * time zone or key list the runtime would refuse at load is refused here with the same message,
 * reported on the argument that holds it. Nothing of the user's code runs: only literals are passed.
 */

/** A problem with one call's own arguments, in the file where the call is written. */
export interface PartitionCallProblem {
  code: "invalid-partition-start" | "unknown-timezone" | "duplicate-partition-key" | "invalid-partitions";
  span: Span;
  message: string;
  related?: { span: Span; message: string }[];
  data?: Record<string, unknown>;
}

/** What a call builds, as far as its arguments are literals. */
export interface BuiltPartitionCall {
  /** The runtime definition or mapping; undefined when an argument that matters is not a literal or is invalid. */
  value?: PartitionsDefinition | PartitionMapping;
  problems: PartitionCallProblem[];
  /** For hovers: "daily partitions from 2024-01-01 (UTC)". */
  description: string;
}

type Cadence = "hourly" | "daily" | "weekly" | "monthly";
const TIME_FACTORIES: Record<string, (options: never) => PartitionsDefinition> = {
  hourlyPartitions, dailyPartitions, weeklyPartitions, monthlyPartitions,
} as Record<string, (options: never) => PartitionsDefinition>;
const TIME_OPTIONS = ["start", "end", "timezone", "endOffset", "fmt", "dayOfWeek"] as const;

const built = new WeakMap<PartitionCallFact, BuiltPartitionCall>();

/** Builds (once per call fact: facts are replaced when their file changes) what a factory call makes. */
export function buildPartitionCall(call: PartitionCallFact): BuiltPartitionCall {
  let result = built.get(call);
  if (!result) {
    result = PARTITIONS_FACTORIES.has(call.factory) ? buildPartitions(call) : buildMapping(call);
    built.set(call, result);
  }
  return result;
}

function buildPartitions(call: PartitionCallFact): BuiltPartitionCall {
  if (call.factory === "staticPartitions") return buildStatic(call);
  if (call.factory === "dynamicPartitions") {
    const name = call.args[0]?.props?.name;
    if (call.args[0] && (call.args[0].dynamic || name?.dynamic || name?.items || name?.props)) {
      return { problems: [], description: "dynamic partitions (name not read statically)" };
    }
    return attempt(call, () => dynamicPartitions({ name: name?.value as string }), (field) => field === "name" ? name?.span : undefined);
  }
  return buildTimeWindow(call);
}

function buildTimeWindow(call: PartitionCallFact): BuiltPartitionCall {
  const cadence = call.factory.replace("Partitions", "") as Cadence;
  const options = call.args[0];
  const factory = TIME_FACTORIES[call.factory] as (options: unknown) => PartitionsDefinition;
  if (!options || !options.props) {
    if (options?.dynamic) return { problems: [], description: `${cadence} partitions (options not read statically)` };
    return attempt(call, () => factory(options ? literalValue(options) : undefined), () => options?.span);
  }
  const props = options.props;
  const given: Record<string, unknown> = {};
  let complete = true;
  for (const name of TIME_OPTIONS) {
    const prop = props[name];
    if (!prop) continue;
    const value = literalValue(prop);
    // A non-literal option is left out (the runtime's default stands in), so the others are still checked.
    if (value === NOT_LITERAL) complete = false;
    else given[name] = value;
  }
  const problems: PartitionCallProblem[] = [];
  const timezone = props.timezone;
  if (timezone && typeof given.timezone === "string" && !isKnownTimeZone(given.timezone)) {
    const suggestion = suggestName(given.timezone, knownTimeZones());
    problems.push({
      code: "unknown-timezone", span: timezone.span,
      message: `Unknown time zone "${given.timezone}"${suggestion !== undefined ? `; did you mean "${suggestion}"?` : "."} Time zones are IANA names such as "Europe/Paris", "America/New_York" or "UTC"`,
      ...(suggestion !== undefined ? { data: { replacement: suggestion } } : {}),
    });
    delete given.timezone;
    complete = false;
  }
  const unknownZone = problems.length > 0;
  // Without a literal start, an end cannot be compared with it.
  if (props.start && given.start === undefined) {
    given.start = "2000-01-01";
    delete given.end;
  }
  const result = attempt(call, () => factory(given), (field) => {
    const prop = props[field];
    return prop ? prop.span : options.span;
  }, (field) => field === "end" && props.start && props.end ? [{ span: props.start.span, message: "the partitions start here" }] : undefined);
  result.problems.unshift(...problems);
  if (!complete) {
    delete result.value;
    const start = typeof given.start === "string" && props.start && literalValue(props.start) !== NOT_LITERAL ? ` from ${given.start}` : "";
    const zoneValue = timezone ? literalValue(timezone) : "UTC";
    const zone = unknownZone ? ` (unknown time zone ${JSON.stringify(zoneValue)})` : zoneValue === NOT_LITERAL ? "" : ` (${String(zoneValue)})`;
    const partial = Object.values(props).some((prop) => literalValue(prop) === NOT_LITERAL) ? " (some options are not literals, so they are not checked)" : "";
    result.description = `${cadence} partitions${start}${zone}${partial}`;
  }
  return result;
}

function buildStatic(call: PartitionCallFact): BuiltPartitionCall {
  const list = call.args[0];
  if (list && !list.items) {
    if (list.dynamic) return { problems: [], description: "static partitions (keys not read statically)" };
  }
  if (!list || !list.items) return attempt(call, () => staticPartitions(list ? literalValue(list) as string[] : undefined as never), () => list?.span);
  const problems: PartitionCallProblem[] = [];
  const first = new Map<string, LiteralFact>();
  const keys: string[] = [];
  let complete = true;
  for (const item of list.items) {
    if (item.value === undefined) {
      complete = false;
      continue;
    }
    const problem = partitionKeyProblem(item.value);
    if (problem) {
      problems.push({ code: "invalid-partitions", span: item.span, message: `staticPartitions(): ${problem}` });
      complete = false;
      continue;
    }
    const key = item.value as string;
    const earlier = first.get(key);
    if (earlier) {
      problems.push({
        code: "duplicate-partition-key", span: item.span,
        message: `Partition key "${key}" is listed twice in staticPartitions(); keys must be unique (remove this one)`,
        related: [{ span: earlier.span, message: `"${key}" is first listed here` }],
      });
      continue;
    }
    first.set(key, item);
    keys.push(key);
  }
  if (!complete) return { problems, description: `static partitions: ${keys.slice(0, 8).join(", ")}${keys.length > 8 ? ", …" : ""} (not every key is a literal)` };
  const result = attempt(call, () => staticPartitions(keys), () => list.span);
  result.problems.unshift(...problems);
  return result;
}

function buildMapping(call: PartitionCallFact): BuiltPartitionCall {
  const argument = call.args[0];
  const value = argument ? literalValue(argument) : undefined;
  if (value === NOT_LITERAL) return { problems: [], description: `${call.factory}() (arguments not read statically)` };
  const make = (): PartitionMapping => {
    switch (call.factory) {
      case "identityMapping": return identityMapping();
      case "allPartitionsMapping": return allPartitionsMapping();
      case "lastPartitionMapping": return lastPartitionMapping();
      case "timeWindowMapping": return timeWindowMapping(value as never);
      default: return staticMapping(value as never);
    }
  };
  return attempt(call, make, (field) => argument?.props?.[field]?.span ?? argument?.span);
}

/**
 * Calls the runtime factory; a DefinitionError becomes a problem on the argument its message names
 * (`dailyPartitions(): start "2024-13-01" is not a calendar date` -> the `start` argument).
 */
function attempt(call: PartitionCallFact, make: () => PartitionsDefinition | PartitionMapping, spanOf: (field: string) => Span | undefined,
  relatedOf: (field: string) => { span: Span; message: string }[] | undefined = () => undefined): BuiltPartitionCall {
  try {
    const value = make();
    return { value, problems: [], description: value.describe() };
  } catch (error) {
    const { message, hint } = error as { message?: unknown; hint?: unknown };
    const text = String(message ?? error);
    // The runtime prefixes the call site it captured (here: the analysis itself); the message starts at the factory's name.
    const at = text.indexOf(`${call.factory}()`);
    const own = at >= 0 ? text.slice(at) : text;
    const tail = own.replace(/^\w+\(\):?\s*/, "");
    const field = /^(start|end|timezone|endOffset|fmt|dayOfWeek|name|startOffset)\b/.exec(tail)?.[1];
    const code: PartitionCallProblem["code"] = field === "start" || field === "end" ? "invalid-partition-start" : field === "timezone" ? "unknown-timezone" : "invalid-partitions";
    const related = field ? relatedOf(field) : undefined;
    return {
      problems: [{
        code, span: (field ? spanOf(field) : undefined) ?? spanOf("") ?? call.span,
        message: typeof hint === "string" && hint ? `${own.replace(/\.$/, "")}. ${hint}` : own,
        ...(related ? { related } : {}),
      }],
      description: `${call.factory}() with invalid arguments (see its diagnostic)`,
    };
  }
}

const NOT_LITERAL = Symbol("not a literal");

/** The plain value of a literal fact, or NOT_LITERAL when some part of it is not a literal. */
function literalValue(fact: LiteralFact): unknown {
  if (fact.dynamic) return NOT_LITERAL;
  if (fact.items) {
    const values = fact.items.map(literalValue);
    return values.includes(NOT_LITERAL) ? NOT_LITERAL : values;
  }
  if (fact.props) {
    const object: Record<string, unknown> = {};
    for (const [name, prop] of Object.entries(fact.props)) {
      const value = literalValue(prop);
      if (value === NOT_LITERAL) return NOT_LITERAL;
      object[name] = value;
    }
    return object;
  }
  return fact.value;
}

/**
 * Whether this Node.js knows a time zone. Intl's list (`Intl.supportedValuesOf`) leaves out
 * aliases such as "US/Eastern" that it accepts, so the reliable test is a formatter that throws.
 */
export function isKnownTimeZone(name: string): boolean {
  if (name.trim() === "") return false;
  try {
    new Intl.DateTimeFormat("en", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

let zones: string[] | undefined;
function knownTimeZones(): string[] {
  zones ??= [...Intl.supportedValuesOf("timeZone"), "UTC"];
  return zones;
}
