/** `tributary backfill`: create a backfill (and optionally run it here), its status, cancel it. */
import { backfillSummary, cancelBackfill, type BackfillSummary } from "../daemon/backfills";
import { SelectionSyntaxError } from "../errors";
import { findProjectConfig } from "../loader/config";
import { parseSelection } from "../selection";
import { openStorage } from "../storage";
import type { BackfillPolicy, Storage } from "../storage/port";
import { parseCommandArgs, selectionUsageError } from "./args";
import { backfillJson, backfillLine, FINAL_BACKFILL_STATUSES } from "./backfillFormat";
import { EXIT_FAILED, EXIT_OK, UsageError, type CliContext } from "./context";

export const BACKFILL_HELP = `Usage: tributary backfill --select SEL [--from KEY] [--to KEY] [options]
       tributary backfill status ID [--json]
       tributary backfill cancel ID [--json]

Materializes a range of partitions of the selected (partitioned) assets: one run per partition,
or per batch of partitions, through the run queue. The backfill is stored: a daemon (tributary
daemon / dev) launches its runs and resumes it after a restart; without a daemon, --run-here
executes it from this process (Ctrl-C stops launching; run it again, or start a daemon, to resume).

Options:
  -s, --select SEL                Partitioned assets sharing one partitions definition (required)
      --from KEY, --to KEY        First and last partition (default: the first / last that exists)
      --partitions K,K,...        An explicit list of partitions instead of a range
      --missing-only              Skip partitions every selected asset has materialized
      --failed-only               Only partitions some selected asset failed
      --max-partitions-per-run N  Partitions per run, run one after the other (default 1)
      --max-concurrent-runs N     Runs of this backfill at once (default 4)
      --run-here                  Execute it from this process (worker per run) and wait for the end
      --wait                      Wait for a daemon to finish it, showing progress
      --json                      Print {"backfillId","status","partitions":{"done","failed","remaining"}}

status   Progress of a backfill. cancel   No new partition run starts; runs in flight finish.
Exit codes: 0 created (or, when waiting, all partitions done), 1 a partition failed, 2 bad usage.`;

const POLICY_FLAGS = { maxPartitionsPerRun: "--max-partitions-per-run", maxConcurrentRuns: "--max-concurrent-runs" } as const;

/**
 * The policy flags, checked before anything loads by the same function the HTTP API uses
 * (validateBackfillPolicy), its messages naming the flags.
 */
function policyFromFlags(maxPartitionsPerRun: string | boolean | undefined, maxConcurrentRuns: string | boolean | undefined): BackfillPolicy {
  // Digits become a number (to be bounded there); anything else is refused as typed.
  const parse = (value: string | boolean | undefined) => (typeof value === "string" && /^\d+$/.test(value.trim()) ? Number(value) : value);
  const { validateBackfillPolicy } = require("../services/backfillRequest") as typeof import("../services/backfillRequest");
  try {
    return validateBackfillPolicy({ maxPartitionsPerRun: parse(maxPartitionsPerRun), maxConcurrentRuns: parse(maxConcurrentRuns) }, (field) => POLICY_FLAGS[field]);
  } catch (error) {
    const hint = (error as { hint?: string }).hint;
    throw new UsageError(`backfill: ${(error as Error).message}`, hint === undefined ? undefined : { hint });
  }
}

/** Runs `backfill`. */
export async function backfillCommand(args: string[], context: CliContext): Promise<number> {
  if (args[0] === "status" || args[0] === "cancel") return backfillById(args[0], args.slice(1), context);
  const { values } = parseCommandArgs("backfill", args, {
    select: { type: "string", short: "s" },
    from: { type: "string" },
    to: { type: "string" },
    partitions: { type: "string" },
    "missing-only": { type: "boolean" },
    "failed-only": { type: "boolean" },
    "max-partitions-per-run": { type: "string" },
    "max-concurrent-runs": { type: "string" },
    "run-here": { type: "boolean" },
    wait: { type: "boolean" },
    json: { type: "boolean" },
  }, 0);
  const selection = values["select"];
  if (typeof selection !== "string" || selection.trim() === "") {
    throw new UsageError("backfill: --select is required", { hint: 'e.g. tributary backfill --select daily_orders --from 2024-01-01 --to 2024-03-31' });
  }
  try {
    parseSelection(selection);
  } catch (error) {
    if (error instanceof SelectionSyntaxError) throw selectionUsageError(error);
    throw error;
  }
  const policy = policyFromFlags(values["max-partitions-per-run"], values["max-concurrent-runs"]);
  const json = values["json"] === true;
  const config = findProjectConfig(context.cwd, context.env);
  const { loadProject } = require("../loader/loadDefinitions") as typeof import("../loader/loadDefinitions");
  const { createBackfill } = require("../services/backfillRequest") as typeof import("../services/backfillRequest");
  const project = await loadProject(config);
  const storage = await openStorage(config.storage);
  try {
    let backfill;
    try {
      backfill = await createBackfill(
        { storage, graph: project.graph },
        {
          selection,
          ...(typeof values["from"] === "string" ? { from: values["from"] } : {}),
          ...(typeof values["to"] === "string" ? { to: values["to"] } : {}),
          ...(typeof values["partitions"] === "string" ? { keys: values["partitions"].split(",").map((k) => k.trim()).filter((k) => k) } : {}),
          ...(values["missing-only"] === true ? { missingOnly: true } : {}),
          ...(values["failed-only"] === true ? { failedOnly: true } : {}),
          policy,
        },
      );
    } catch (error) {
      // Keys that do not exist, a selection without partitions: bad usage, exit 2.
      if ((error as { httpStatus?: number } | null)?.httpStatus === 400) {
        const known = error as { message: string; hint?: string };
        throw new UsageError(`backfill: ${known.message}`, known.hint === undefined ? undefined : { hint: known.hint });
      }
      throw error;
    }
    const progressOut = json ? context.stderr : context.stdout;
    /** The last progress line printed, so the final summary is not printed twice. */
    let lastProgress = "";
    let summary = (await backfillSummary(storage, backfill.backfillId))!;
    progressOut.write(`Backfill ${backfill.backfillId} of "${selection}": ${summary.partitions.total} partition(s)\n`);
    if (values["run-here"] === true) {
      const { runBackfillHere } = require("./backfillHere") as typeof import("./backfillHere");
      const stop = new AbortController();
      const onSignal = () => {
        context.stderr.write("\nStopping: no new partition run starts; the backfill stays stored and resumes with a daemon or --run-here.\n");
        stop.abort();
      };
      process.on("SIGINT", onSignal);
      try {
        summary = await runBackfillHere({
          storage,
          storageConfig: config.storage,
          project,
          backfillId: backfill.backfillId,
          signal: stop.signal,
          onProgress: (current) => {
            const line = backfillLine(current);
            if (line !== lastProgress) progressOut.write(`${line}\n`);
            lastProgress = line;
          },
        });
      } finally {
        process.off("SIGINT", onSignal);
      }
    } else if (values["wait"] === true) {
      summary = await waitForBackfill(storage, backfill.backfillId, (line) => {
        progressOut.write(`${line}\n`);
        lastProgress = line;
      });
    } else if (!(await daemonSeen(storage))) {
      context.stderr.write("note: no daemon has reported against this storage in the last minute; start `tributary daemon` (or `tributary dev`), or pass --run-here\n");
    }
    // The last progress line already is the summary when progress went to stdout.
    if (json || backfillLine(summary) !== lastProgress || progressOut !== context.stdout) printSummary(summary, json, context);
    return summary.partitions.failed > 0 ? EXIT_FAILED : EXIT_OK;
  } finally {
    await storage.close().catch(() => undefined);
  }
}

async function backfillById(sub: "status" | "cancel", args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(`backfill ${sub}`, args, { json: { type: "boolean" } }, 1);
  const id = positionals[0];
  if (!id) throw new UsageError(`backfill ${sub}: the backfill id is required`, { hint: `tributary backfill ${sub} bf-1a2b3c4d` });
  const config = findProjectConfig(context.cwd, context.env);
  const storage = await openStorage(config.storage);
  try {
    if (sub === "cancel" && !(await cancelBackfill(storage, id))) throw new UsageError(`no backfill with id ${id}`);
    const summary = await backfillSummary(storage, id);
    if (!summary) throw new UsageError(`no backfill with id ${id}`, { hint: "`tributary backfill status ID` takes the id printed when it was created." });
    printSummary(summary, values["json"] === true, context);
    return summary.partitions.failed > 0 ? EXIT_FAILED : EXIT_OK;
  } finally {
    await storage.close().catch(() => undefined);
  }
}

function printSummary(summary: BackfillSummary, json: boolean, context: CliContext): void {
  if (json) context.stdout.write(`${JSON.stringify(backfillJson(summary), null, 2)}\n`);
  else context.stdout.write(`${backfillLine(summary)}\n`);
}

async function waitForBackfill(storage: Storage, id: string, print: (line: string) => void): Promise<BackfillSummary> {
  let last = "";
  for (;;) {
    const summary = (await backfillSummary(storage, id))!;
    const line = backfillLine(summary);
    if (line !== last) print(line);
    last = line;
    if (FINAL_BACKFILL_STATUSES.includes(summary.status)) return summary;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

async function daemonSeen(storage: Storage): Promise<boolean> {
  const beats = await storage.listDaemonHeartbeats();
  return beats.some((beat) => Date.now() - Date.parse(beat.at) < 60_000 && beat.info["role"] !== "worker" && beat.info["stopped"] !== true);
}
