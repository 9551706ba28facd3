/** `tributary schedules preview NAME`: the next ticks of a schedule, as the daemon would fire them. */
import { findProjectConfig } from "../loader/config";
import { formatWallTime, nextFireTimes, parseCron } from "../schedules";
import { integerFlag, parseCommandArgs } from "./args";
import { EXIT_OK, UsageError, type CliContext } from "./context";

export const SCHEDULES_HELP = `Usage: tributary schedules preview NAME [--from ISO-INSTANT] [--count N] [--json]

preview   The next ticks of schedule NAME (its cron in its time zone, with the daemon's DST rule),
          strictly after --from (default: now). --count N ticks (default 5, at most 1000).
          --json prints an array of ISO-8601 UTC instants.`;

const DEFAULT_COUNT = 5;
const MAX_COUNT = 1000;

/** Runs `schedules`. */
export async function schedulesCommand(args: string[], context: CliContext): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === "preview") return preview(rest, context);
  throw new UsageError(sub === undefined ? "schedules: missing subcommand" : `schedules: unknown subcommand "${sub}"`, {
    hint: "Use `tributary schedules preview NAME [--from ISO-INSTANT] [--count N] [--json]`.",
  });
}

async function preview(args: string[], context: CliContext): Promise<number> {
  const options = { from: { type: "string" }, count: { type: "string" }, json: { type: "boolean" } } as const;
  const { values, positionals } = parseCommandArgs("schedules preview", args, options, 1);
  const name = positionals[0];
  if (!name) throw new UsageError("schedules preview: the schedule name is required", { hint: "tributary schedules preview nightly_refresh" });
  const count = integerFlag("schedules preview", "count", values["count"], 1) ?? DEFAULT_COUNT;
  if (count > MAX_COUNT) throw new UsageError(`schedules preview: --count must be at most ${MAX_COUNT}, not ${count}`);
  const from = fromFlag(values["from"]);
  const config = findProjectConfig(context.cwd, context.env);
  const { loadProject } = require("../loader/loadDefinitions") as typeof import("../loader/loadDefinitions");
  const project = await loadProject(config);
  const schedules = project.definitions.schedules;
  const definition = schedules.find((schedule) => schedule.name === name);
  if (!definition) {
    const known = schedules.map((schedule) => schedule.name);
    throw new UsageError(`schedules preview: no schedule named "${name}"`, {
      hint: known.length > 0 ? `Known: ${known.join(", ")}.` : "The project defines no schedule.",
    });
  }
  const ticks = nextFireTimes(parseCron(definition.cron, definition.timezone), from, count);
  if (values["json"] === true) {
    context.stdout.write(`${JSON.stringify(ticks.map((tick) => new Date(tick).toISOString()))}\n`);
    return EXIT_OK;
  }
  const lines = ticks.map((tick) => `${new Date(tick).toISOString()}  ${formatWallTime(tick, definition.timezone)} ${definition.timezone}`);
  context.stdout.write(`${definition.name}: "${definition.cron}" in ${definition.timezone}\n${lines.join("\n")}\n`);
  return EXIT_OK;
}

function fromFlag(value: string | boolean | undefined): number {
  if (value === undefined) return Date.now();
  const text = String(value);
  const instant = /^\d{4}-\d{2}-\d{2}T/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(instant)) {
    throw new UsageError(`schedules preview: --from must be an ISO-8601 instant, not "${text}"`, { hint: "e.g. --from 2025-03-29T00:00:00Z" });
  }
  return instant;
}
