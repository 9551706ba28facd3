/**
 * Reads a cron expression into the sets of values each field allows, with the meaning Dagster
 * gives it (croniter underneath) and crontab(5) agrees with. This is the only cron parser in the
 * project: the daemon, `schedule()`, the CLI and the language server all call it, so one text is
 * valid or invalid everywhere, with the same message.
 *
 * Syntax: 5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first; numbers,
 * `*`, ranges `a-b` (wrapping ranges such as `fri-mon` too), steps `*\/n`, `a-b/n`, `a/n`, lists,
 * month and weekday names, `?` in the day fields, `@daily`-style aliases; in day-of-month `L`
 * (last day), `nW` / `Wn` / `LW` (nearest weekday); in day-of-week `n#k` (k-th weekday n) and
 * `nL` / `Ln` (last weekday n). When both day fields are restricted a day matches if EITHER does.
 */

/** What the cron text allows, field by field. Arrays are indexed by the field's value. */
export interface CronPattern {
  /** The expression after alias expansion (`@daily` -> `0 0 * * *`), 6 fields with seconds first. */
  readonly fields: readonly string[];
  readonly seconds: readonly boolean[];
  readonly minutes: readonly boolean[];
  readonly hours: readonly boolean[];
  /** Index 1-12. */
  readonly months: readonly boolean[];
  readonly dayOfMonth: DayOfMonthRule;
  readonly dayOfWeek: DayOfWeekRule;
  /** How the two day fields combine: "or" when both are restricted, else only the restricted one counts. */
  readonly days: "every" | "dayOfMonth" | "dayOfWeek" | "either";
  /** The hour field allows all 24 hours: Dagster's "repeats every hour", which changes the DST rule. */
  readonly everyHour: boolean;
}

export interface DayOfMonthRule {
  /** Index 1-31. */
  readonly days: readonly boolean[];
  /** `L`: the last day of the month. */
  readonly last: boolean;
  /** `nW`: the weekday nearest to day n (never crossing into another month); `LW` is n = "L". */
  readonly nearestWeekday: number | "L" | null;
}

export interface DayOfWeekRule {
  /** Index 0-6, Sunday = 0. */
  readonly days: readonly boolean[];
  /** `n#k`: the k-th weekday n of the month. */
  readonly nth: readonly { weekday: number; occurrence: number }[];
  /** `nL`: the last weekday n of the month. */
  readonly last: readonly number[];
}

/** Why a cron text is not valid: the field at fault and a sentence a user can act on. */
export class CronSyntaxError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = "CronSyntaxError";
  }
}

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const MONTH_NAMES = ["", "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const WEEKDAY_NAMES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
const SECOND: FieldSpec = { name: "second", min: 0, max: 59 };
const MINUTE: FieldSpec = { name: "minute", min: 0, max: 59 };
const HOUR: FieldSpec = { name: "hour", min: 0, max: 23 };
const DAY_OF_MONTH: FieldSpec = { name: "day-of-month", min: 1, max: 31 };
const MONTH: FieldSpec = { name: "month", min: 1, max: 12, names: MONTH_NAMES };
/** 7 is Sunday too; values are folded to 0-6 after expansion. */
const DAY_OF_WEEK: FieldSpec = { name: "day-of-week", min: 0, max: 7, names: WEEKDAY_NAMES };

/** The aliases croniter and cron-parser both accept. */
const ALIASES: Record<string, string> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

/** Longest month each month can have (February 29 in leap years). */
const MONTH_DAYS = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Parses a cron text.
 * @throws CronSyntaxError naming the field at fault.
 */
export function parseCronPattern(expression: string): CronPattern {
  const trimmed = expression.trim();
  let fields = trimmed.split(/\s+/).filter((field) => field.length > 0);
  if (fields.length === 1 && fields[0]!.startsWith("@")) {
    const alias = ALIASES[fields[0]!.toLowerCase()];
    if (!alias) throw new CronSyntaxError("expression", `unknown alias "${fields[0]}" (known: ${Object.keys(ALIASES).join(", ")})`);
    fields = alias.split(" ");
  }
  if (fields.length !== 5 && fields.length !== 6) {
    throw new CronSyntaxError("expression", `expected 5 fields (minute hour day-of-month month day-of-week) or 6 (with seconds first), got ${fields.length}`);
  }
  if (fields.length === 5) fields = ["0", ...fields];
  const [secondText, minuteText, hourText, domText, monthText, dowText] = fields as [string, string, string, string, string, string];
  const hours = numericField(hourText, HOUR);
  const months = numericField(monthText, MONTH);
  const dayOfMonth = dayOfMonthField(domText);
  const dayOfWeek = dayOfWeekField(dowText);
  const pattern: CronPattern = {
    fields,
    seconds: numericField(secondText, SECOND),
    minutes: numericField(minuteText, MINUTE),
    hours,
    months,
    dayOfMonth,
    dayOfWeek,
    days: dayCombination(domText, dayOfMonth, dowText, dayOfWeek),
    everyHour: hours.every(Boolean),
  };
  assertCanFire(pattern);
  return pattern;
}

/**
 * croniter's rule for the two day fields: a field is unrestricted when written `*` or `?`, or when
 * it lists every value while the other field's text contains `*`. Both restricted: either matches.
 */
function dayCombination(domText: string, dom: DayOfMonthRule, dowText: string, dow: DayOfWeekRule): CronPattern["days"] {
  const domAll = dom.days.slice(1).every(Boolean);
  const dowAll = dow.days.every(Boolean);
  const domFree = domText === "*" || domText === "?" || (domAll && dowText.includes("*"));
  const dowFree = dowText === "*" || dowText === "?" || (dowAll && domText.includes("*"));
  if (domFree && dowFree) return "every";
  if (domFree) return "dayOfWeek";
  if (dowFree) return "dayOfMonth";
  return "either";
}

/** A day-of-month-only schedule naming days no allowed month has (`0 0 30 2 *`) would never fire. */
function assertCanFire(pattern: CronPattern): void {
  if (pattern.days !== "dayOfMonth") return;
  const { days, last, nearestWeekday } = pattern.dayOfMonth;
  if (last || nearestWeekday !== null) return;
  for (let month = 1; month <= 12; month++) {
    if (!pattern.months[month]) continue;
    for (let day = 1; day <= MONTH_DAYS[month]!; day++) if (days[day]) return;
  }
  const named = pattern.fields[3];
  throw new CronSyntaxError("day-of-month", `day-of-month "${named}" never occurs in month "${pattern.fields[4]}", so the schedule would never fire`);
}

function numericField(text: string, spec: FieldSpec): boolean[] {
  const allowed = new Array<boolean>(spec.max + 1).fill(false);
  if (text === "?") throw new CronSyntaxError(spec.name, `"?" is only allowed in day-of-month and day-of-week, not in ${spec.name}`);
  for (const element of listElements(text, spec)) for (const value of expandElement(element, spec)) allowed[value] = true;
  return allowed;
}

function listElements(text: string, spec: FieldSpec): string[] {
  const elements = text.split(",");
  if (elements.some((element) => element === "")) throw new CronSyntaxError(spec.name, `${spec.name} field "${text}" has an empty list element`);
  return elements.map((element) => element.toLowerCase());
}

/** Values of one list element: `*`, `n`, `a-b`, each optionally with `/step`; `a/step` runs to the maximum. */
function expandElement(element: string, spec: FieldSpec, lastAsMax = false): number[] {
  if (element === "h" || element.startsWith("h/") || element.startsWith("h(")) {
    throw new CronSyntaxError(spec.name, `${spec.name} field: "H" (hashed values) is not supported; write the value you want`);
  }
  const parts = element.split("/");
  if (parts.length > 2) throw new CronSyntaxError(spec.name, `${spec.name} field "${element}" has more than one "/"`);
  const [base, stepText] = parts as [string, string | undefined];
  let step = 1;
  if (stepText !== undefined) {
    if (!/^\d+$/.test(stepText)) throw new CronSyntaxError(spec.name, `${spec.name} field "${element}" has step "${stepText}"; a step is a positive whole number`);
    step = Number(stepText);
    if (step === 0) throw new CronSyntaxError(spec.name, `${spec.name} field "${element}" has step 0, which never advances`);
  }
  const cycleMax = spec === DAY_OF_WEEK ? 6 : spec.max;
  let low: number;
  let high: number;
  if (base === "*") {
    low = spec.min;
    high = cycleMax;
  } else if (base.includes("-")) {
    const bounds = base.split("-");
    if (bounds.length !== 2 || bounds[0] === "" || bounds[1] === "") {
      throw new CronSyntaxError(spec.name, `${spec.name} field "${element}" is not a range "a-b"`);
    }
    low = valueOf(bounds[0]!, spec);
    high = lastAsMax && bounds[1] === "l" ? spec.max : valueOf(bounds[1]!, spec);
  } else {
    low = valueOf(base, spec);
    high = stepText === undefined ? low : cycleMax;
  }
  if (spec === DAY_OF_WEEK && low === 7) {
    if (high === 7) return [0];
    low = 0; // "7/2" is "0/2" and "7-2" is "0-2" (croniter)
  }
  const values: number[] = [];
  if (low <= high) {
    for (let value = low; value <= high; value += step) values.push(value);
  } else {
    // A wrapping range ("fri-mon", "nov-feb", "22-2"): on to the end of the cycle, then from its start.
    const size = cycleMax - spec.min + 1;
    const span = (high - low + size) % size;
    for (let offset = 0; offset <= span; offset += step) values.push(spec.min + ((low - spec.min + offset) % size));
  }
  return spec === DAY_OF_WEEK ? values.map((value) => value % 7) : values;
}

function valueOf(token: string, spec: FieldSpec): number {
  let value: number;
  if (/^\d+$/.test(token)) value = Number(token);
  else {
    const index = spec.names?.indexOf(token) ?? -1;
    if (index < 0 || token === "") {
      const names = spec.names ? ` or a name (${spec.names.filter(Boolean)[0]}..${spec.names[spec.names.length - 1]})` : "";
      throw new CronSyntaxError(spec.name, `${spec.name} field has "${token}", which is not a number${names}`);
    }
    value = index;
  }
  if (value < spec.min || value > spec.max) throw new CronSyntaxError(spec.name, `${spec.name} value ${value} is out of range ${spec.min}-${spec.max}`);
  return value;
}

function dayOfMonthField(text: string): DayOfMonthRule {
  const days = new Array<boolean>(32).fill(false);
  if (text === "?" || text === "*") return { days: days.fill(true, 1), last: false, nearestWeekday: null };
  const elements = listElements(text, DAY_OF_MONTH);
  const weekdayToken = elements.find((element) => element.includes("w"));
  if (weekdayToken !== undefined) {
    // croniter: W stands alone (no list, range or step) and names one day, or L.
    if (elements.length > 1) throw new CronSyntaxError(DAY_OF_MONTH.name, `day-of-month "${text}": "W" (nearest weekday) cannot be used in a list`);
    if (weekdayToken === "lw") return { days, last: false, nearestWeekday: "L" };
    const match = /^(\d+)w$|^w(\d+)$/.exec(weekdayToken);
    if (!match) throw new CronSyntaxError(DAY_OF_MONTH.name, `day-of-month "${text}": "W" takes one day, as in "15W" or "LW"`);
    return { days, last: false, nearestWeekday: valueOf(match[1] ?? match[2]!, DAY_OF_MONTH) };
  }
  let last = false;
  for (const element of elements) {
    if (element === "l") {
      last = true;
      continue;
    }
    if (element.startsWith("l")) throw new CronSyntaxError(DAY_OF_MONTH.name, `day-of-month "${text}": "L" stands alone or ends a range ("25-L")`);
    for (const value of expandElement(element, DAY_OF_MONTH, true)) days[value] = true;
  }
  return { days, last, nearestWeekday: null };
}

function dayOfWeekField(text: string): DayOfWeekRule {
  const days = new Array<boolean>(7).fill(false);
  if (text === "?" || text === "*") return { days: days.fill(true), nth: [], last: [] };
  const nth: { weekday: number; occurrence: number }[] = [];
  const last: number[] = [];
  let plain = false;
  for (const element of listElements(text, DAY_OF_WEEK)) {
    const hash = element.split("#");
    if (hash.length > 2) throw new CronSyntaxError(DAY_OF_WEEK.name, `day-of-week "${element}" has more than one "#"`);
    if (hash.length === 2) {
      const [weekdays, occurrence] = hash as [string, string];
      if (!/^[1-5]$/.test(occurrence)) throw new CronSyntaxError(DAY_OF_WEEK.name, `day-of-week "${element}": the occurrence after "#" must be 1-5`);
      if (weekdays.includes("/")) throw new CronSyntaxError(DAY_OF_WEEK.name, `day-of-week "${element}": "#" cannot follow a step`);
      for (const weekday of expandElement(weekdays, DAY_OF_WEEK)) nth.push({ weekday, occurrence: Number(occurrence) });
      continue;
    }
    const lastMatch = /^l(.+)$|^(.+)l$/.exec(element);
    if (lastMatch) {
      const weekday = lastMatch[1] ?? lastMatch[2]!;
      if (!/^\d$|^[a-z]{3}$/.test(weekday)) throw new CronSyntaxError(DAY_OF_WEEK.name, `day-of-week "${element}": "L" takes one weekday, as in "5L" or "L5" (last Friday)`);
      last.push(valueOf(weekday, DAY_OF_WEEK) % 7);
      continue;
    }
    if (element === "l") throw new CronSyntaxError(DAY_OF_WEEK.name, `day-of-week "L" needs a weekday, as in "5L" (last Friday of the month)`);
    if (element !== "*") plain = true;
    for (const weekday of expandElement(element, DAY_OF_WEEK)) days[weekday] = true;
  }
  if (plain && (nth.length > 0 || last.length > 0) && !days.every(Boolean)) {
    throw new CronSyntaxError(DAY_OF_WEEK.name, `day-of-week "${text}" mixes plain weekdays with "#" or "L" forms, which croniter rejects; use two schedules`);
  }
  return { days, nth, last };
}
