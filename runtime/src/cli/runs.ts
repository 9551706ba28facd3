/** `tributary runs list` and `tributary runs show ID`. */
import { findProjectConfig } from "../loader/config";
import { openStorage } from "../storage";
import type { Storage } from "../storage/port";
import { RUN_STATUSES, type RunRecord, type RunStatus, type StoredRunEvent } from "../types";
import { runToJson } from "../wire/runJson";
import { integerFlag, parseCommandArgs } from "./args";
import { runConsoleUrl } from "./consoleLink";
import { EXIT_FAILED, EXIT_OK, UsageError, stylesFor, type CliContext } from "./context";
import { formatDuration } from "./progress";
import { formatTable, formatTime } from "./table";

export const RUNS_HELP = `Usage: tributary runs list [--json] [--limit N] [--status S[,S...]]
       tributary runs show RUN_ID [--json]

list   Runs, newest first (default limit 20). --status filters: QUEUED, STARTING, STARTED,
       CANCELING, SUCCESS, FAILURE, CANCELED.
show   One run and its events. RUN_ID may be a unique prefix of a recent run's id. When a daemon
       serves this project (or TRIBUTARY_DAEMON_URL is set), also its console page's URL.

--json prints an array of runs for list ({"runId","status","selection","instigator","createdAt",
"startedAt","endedAt",...}), and the run with an "events" array for show.`;


/** Runs `runs <list|show>`. */
export async function runsCommand(args: string[], context: CliContext): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === "list") return runsList(rest, context);
  if (sub === "show") return runsShow(rest, context);
  throw new UsageError(sub === undefined ? "runs: missing subcommand" : `runs: unknown subcommand "${sub}"`, {
    hint: "Use `tributary runs list` or `tributary runs show RUN_ID`.",
  });
}

async function withStorage<T>(context: CliContext, use: (storage: Storage) => Promise<T>): Promise<T> {
  const config = findProjectConfig(context.cwd, context.env);
  const storage = await openStorage(config.storage);
  try {
    return await use(storage);
  } finally {
    await storage.close();
  }
}

async function runsList(args: string[], context: CliContext): Promise<number> {
  const { values } = parseCommandArgs("runs list", args, {
    json: { type: "boolean" },
    limit: { type: "string" },
    status: { type: "string" },
  }, 0);
  const limit = integerFlag("runs list", "limit", values["limit"], 1) ?? 20;
  const statuses = parseStatuses(values["status"]);
  const runs = await withStorage(context, (storage) => storage.listRuns({ limit, ...(statuses ? { statuses } : {}) }));
  if (values["json"] === true) {
    context.stdout.write(`${JSON.stringify(runs.map(runToJson), null, 2)}\n`);
    return EXIT_OK;
  }
  if (runs.length === 0) {
    context.stdout.write("No runs yet. Start one with: tributary materialize --select '*'\n");
    return EXIT_OK;
  }
  const s = stylesFor(context.stdout, context.env);
  const rows = runs.map((run) => [
    run.runId,
    paintStatus(run.status, s),
    formatTime(run.createdAt),
    run.startedAt && run.endedAt ? formatDuration(Date.parse(run.endedAt) - Date.parse(run.startedAt)) : "",
    run.selection,
    run.instigator ? `${run.instigator.type} ${run.instigator.name}` : "manual",
  ]);
  context.stdout.write(formatTable(["RUN ID", "STATUS", "CREATED", "DURATION", "SELECTION", "LAUNCHED BY"], rows));
  return EXIT_OK;
}

function parseStatuses(value: string | boolean | undefined): RunStatus[] | undefined {
  if (typeof value !== "string") return undefined;
  const statuses = value.split(",").map((part) => part.trim().toUpperCase()).filter(Boolean);
  for (const status of statuses) {
    if (!RUN_STATUSES.includes(status as RunStatus)) {
      throw new UsageError(`runs list: unknown status "${status}"`, { hint: `Use one or more of ${RUN_STATUSES.join(", ")} (comma-separated).` });
    }
  }
  return statuses as RunStatus[];
}

async function runsShow(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs("runs show", args, { json: { type: "boolean" } }, 1);
  const requested = positionals[0];
  if (!requested) throw new UsageError("runs show: missing RUN_ID", { hint: "`tributary runs list` shows run ids." });
  return withStorage(context, async (storage) => {
    const run = await findRun(storage, requested);
    if (!run) {
      const s = stylesFor(context.stderr, context.env);
      context.stderr.write(`${s.red("error:")} no run "${requested}" in this project's storage\n${s.yellow("hint:")} \`tributary runs list\` shows the recent runs.\n`);
      return EXIT_FAILED;
    }
    const events = await allEvents(storage, run.runId);
    if (values["json"] === true) {
      context.stdout.write(`${JSON.stringify({ ...runToJson(run), events }, null, 2)}\n`);
      return EXIT_OK;
    }
    printRun(run, events, context, await runConsoleUrl(storage, context.env, run.runId));
    return EXIT_OK;
  });
}

/** The run with this id, or the only recent run whose id starts with it. */
async function findRun(storage: Storage, id: string): Promise<RunRecord | null> {
  const exact = await storage.getRun(id);
  if (exact) return exact;
  const matches = (await storage.listRuns({ limit: 1000 })).filter((run) => run.runId.startsWith(id));
  if (matches.length > 1) {
    throw new UsageError(`runs show: "${id}" matches ${matches.length} runs`, { hint: "Give more characters of the run id." });
  }
  return matches[0] ?? null;
}

async function allEvents(storage: Storage, runId: string): Promise<StoredRunEvent[]> {
  const events: StoredRunEvent[] = [];
  for (;;) {
    const last = events[events.length - 1];
    const page = await storage.getRunEvents(runId, { limit: 1000, ...(last ? { afterId: last.id } : {}) });
    events.push(...page);
    if (page.length < 1000) return events;
  }
}

function printRun(run: RunRecord, events: StoredRunEvent[], context: CliContext, consoleLink: string | undefined): void {
  const s = stylesFor(context.stdout, context.env);
  const out = (line = "") => context.stdout.write(`${line}\n`);
  out(`${s.bold(`Run ${run.runId}`)}  ${paintStatus(run.status, s)}`);
  out(`  selection   ${run.selection} (${run.assetKeys.length} asset${run.assetKeys.length === 1 ? "" : "s"})`);
  out(`  launched by ${run.instigator ? `${run.instigator.type} ${run.instigator.name}${run.instigator.tickTime ? ` at ${run.instigator.tickTime}` : ""}` : "manual"}`);
  out(`  created     ${formatTime(run.createdAt)}`);
  if (run.startedAt) out(`  started     ${formatTime(run.startedAt)}`);
  if (run.endedAt) out(`  ended       ${formatTime(run.endedAt)}${run.startedAt ? ` (${formatDuration(Date.parse(run.endedAt) - Date.parse(run.startedAt))})` : ""}`);
  if (run.error) out(`  error       ${s.red(run.error)}`);
  if (consoleLink) out(`  console     ${consoleLink}`);
  out();
  for (const event of events) {
    const paint = event.level === "error" ? s.red : event.level === "warn" ? s.yellow : (text: string) => text;
    const time = event.timestamp.slice(11, 23);
    out(`${s.dim(time)}  ${paint(event.type.padEnd(22))} ${event.stepKey ? `${event.stepKey}  ` : ""}${event.message}`);
  }
}

/** Colours a run status. */
export function paintStatus(status: RunStatus, s: ReturnType<typeof stylesFor>): string {
  if (status === "SUCCESS") return s.green(status);
  if (status === "FAILURE") return s.red(status);
  if (status === "CANCELED" || status === "CANCELING") return s.yellow(status);
  return s.cyan(status);
}
