// `require` on purpose: bundlers then pick node-cron's CommonJS build; its ESM build reads
// import.meta.url at load time, which breaks in a CommonJS bundle of the language server.
import cron = require("node-cron");

const FIELDS_5 = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12 },
  { name: "day of week", min: 0, max: 7 },
];
const SECOND = { name: "second", min: 0, max: 59 };
const NAMES = /^(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|sun|mon|tue|wed|thu|fri|sat)/i;

/**
 * Validates a cron expression with node-cron (the scheduler the runtime uses) and returns why it is
 * invalid, or undefined when it is valid. A field-by-field check comes first so that the reason is
 * precise (`minute field "61" is out of range 0-59`); node-cron's own message is the fallback.
 *
 * @example
 * cronProblem("0 2 * * *") // undefined
 * cronProblem("61 * * * *") // 'minute field "61" is out of range 0-59'
 */
export function cronProblem(expression: string): string | undefined {
  const fieldsProblem = checkFields(expression);
  let valid: boolean;
  try {
    valid = cron.validate(expression);
  } catch {
    valid = false;
  }
  if (valid) return undefined;
  if (fieldsProblem) return fieldsProblem;
  try {
    cron.parse(expression);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  return "node-cron does not accept this expression";
}

function checkFields(expression: string): string | undefined {
  const fields = expression.trim().split(/\s+/).filter((f) => f.length > 0);
  if (fields.length !== 5 && fields.length !== 6) {
    return `expected 5 fields (minute hour day-of-month month day-of-week) or 6 (with seconds first), got ${fields.length}`;
  }
  const specs = fields.length === 6 ? [SECOND, ...FIELDS_5] : FIELDS_5;
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i] as string;
    const spec = specs[i] as (typeof FIELDS_5)[number];
    for (const part of field.split(",")) {
      const [range, step] = part.split("/");
      if (step !== undefined && !/^[1-9]\d*$/.test(step)) {
        return `${spec.name} field "${field}" has an invalid step "${step}" (a positive integer is expected)`;
      }
      if (range === undefined || range === "*" || range === "?" || NAMES.test(range)) continue;
      for (const bound of range.split("-")) {
        if (!/^\d+$/.test(bound)) return `${spec.name} field "${field}" has "${bound}", which is not a number`;
        const value = Number(bound);
        if (value < spec.min || value > spec.max) {
          return `${spec.name} field "${bound}" is out of range ${spec.min}-${spec.max}`;
        }
      }
    }
  }
  return undefined;
}
