/** Argument parsing on `node:util` parseArgs, with usage errors that say what to type instead. */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { SelectionSyntaxError } from "../errors";
import { UsageError } from "./context";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** Parsed flags and positionals of one command. */
export interface ParsedArgs {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/**
 * Parses a command's arguments strictly: unknown flags and missing values are {@link UsageError}s
 * that point at `tributary <command> --help`.
 */
export function parseCommandArgs(command: string, args: string[], options: Options, maxPositionals: number): ParsedArgs {
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    const message = (error as Error).message.split("\n")[0]!.replace(/\. To specify a positional argument.*$/, "");
    throw new UsageError(`${command}: ${message}`, { hint: `See \`tributary ${command} --help\`.` });
  }
  if (parsed.positionals.length > maxPositionals) {
    const extra = parsed.positionals.slice(maxPositionals).map((value) => `"${value}"`).join(", ");
    throw new UsageError(`${command}: unexpected argument${parsed.positionals.length - maxPositionals > 1 ? "s" : ""} ${extra}`, {
      hint: `See \`tributary ${command} --help\`.`,
    });
  }
  return { values: parsed.values as ParsedArgs["values"], positionals: parsed.positionals };
}

/** Reads a flag as a whole number >= min, or throws a {@link UsageError}. */
export function integerFlag(command: string, name: string, value: string | boolean | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  const number = typeof value === "string" && /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(number) || number < min) {
    throw new UsageError(`${command}: --${name} must be a whole number >= ${min}, not "${String(value)}"`);
  }
  return number;
}

/**
 * Shows a selection syntax error as the parser sees it: the string, and a caret under the offset.
 *
 * @example
 * selectionUsageError(error)
 * // error: unexpected ")" at position 9 of "raw_orders)"
 * //   raw_orders)
 * //             ^
 */
export function selectionUsageError(error: SelectionSyntaxError): UsageError {
  const detail = `  ${error.selection}\n  ${" ".repeat(Math.max(0, Math.min(error.offset, error.selection.length)))}^`;
  return new UsageError(`invalid selection: ${error.message}`, {
    detail,
    hint: error.hint ?? "Selections look like raw_orders, +stg_orders, group:staging, tag:pii or *; see docs/cli.md.",
  });
}
