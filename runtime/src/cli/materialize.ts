/** `tributary materialize --select SEL`: runs a selection, with live progress and a summary. */
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import type { RunResult } from "../execution/api";
import { heartbeatWhileRunning } from "../daemon/runLifecycle";
import { SelectionSyntaxError } from "../errors";
import { findProjectConfig, describeStorage, type ProjectConfig } from "../loader/config";
import { partitionTags } from "../partitions/runPartitions";
import { formatSelection, parseSelection } from "../selection";
import { openStorage } from "../storage";
import type { Storage } from "../storage/port";
import { integerFlag, parseCommandArgs, selectionUsageError } from "./args";
import { runConsoleUrl } from "./consoleLink";
import { EXIT_FAILED, EXIT_OK, UsageError, type CliContext } from "./context";
import { RunProgress } from "./progress";
import { printRunSummary } from "./summary";

export const MATERIALIZE_HELP = `Usage: tributary materialize --select SEL [options]
       tributary materialize --job NAME [options]

Materializes the selected assets in a worker process and shows progress.

Options:
  -s, --select SEL     Assets to materialize: raw_orders, +stg_orders, group:staging, tag:pii,
                       "key:stg_*", job:nightly, * ... (see docs/selection.md)
  -j, --job NAME       The assets of a job (defineAssetJob), with its tags: --select job:NAME
  -p, --partition KEY  The partition to materialize, for partitioned assets (KEY,KEY,... for several,
                       run one after the other); ranges: \`tributary backfill\`
      --all-partitions Every partition that exists now, in one run (each step runs them one after
                       the other; at most 10,000); nothing changes for unpartitioned assets
      --json           Print only {"runId","status","steps":[...]} on stdout (progress goes to stderr)
      --concurrency N  Steps running at once (default: executor.maxConcurrency, else CPU cores)
      --in-process     Run in this process instead of a worker (debugging; a crash takes the CLI down)
      --verbose        Show info logs of assets and stacks of errors

When a daemon serves this project's storage over HTTP (tributary dev / tributary daemon), the
summary ends with the run's console page: "Console: http://HOST:PORT/runs/RUN_ID". Set
TRIBUTARY_DAEMON_URL to the daemon's address when it is reached through another one (a proxy).

Exit codes: 0 every step succeeded, 1 a step failed (or the run was canceled), 2 bad usage.`;

/** Runs `materialize`. */
export async function materializeCommand(args: string[], context: CliContext): Promise<number> {
  const { values } = parseCommandArgs("materialize", args, {
    select: { type: "string", short: "s" },
    job: { type: "string", short: "j" },
    partition: { type: "string", short: "p" },
    "all-partitions": { type: "boolean" },
    json: { type: "boolean" },
    concurrency: { type: "string" },
    "in-process": { type: "boolean" },
  }, 0);
  const selection = selectionOf(values["select"], values["job"]);
  try {
    parseSelection(selection);
  } catch (error) {
    if (error instanceof SelectionSyntaxError) throw selectionUsageError(error);
    throw error;
  }
  const concurrency = integerFlag("materialize", "concurrency", values["concurrency"], 1);
  const partitionFlag = values["partition"];
  const partitionKeys = typeof partitionFlag === "string" ? partitionFlag.split(",").map((key) => key.trim()).filter((key) => key !== "") : [];
  if (typeof partitionFlag === "string" && partitionKeys.length === 0) throw new UsageError("materialize: --partition needs a partition key");
  const allPartitions = values["all-partitions"] === true;
  if (allPartitions && typeof partitionFlag === "string") {
    throw new UsageError("materialize: --partition and --all-partitions cannot be used together", { hint: "Keep one of them." });
  }
  const json = values["json"] === true;

  const config = findProjectConfig(context.cwd, context.env);
  const storage = await openStorage(config.storage);
  if (allPartitions) {
    try {
      partitionKeys.push(...(await allPartitionKeysOf(config, storage, selection)));
    } catch (error) {
      await storage.close().catch(() => undefined);
      throw error;
    }
  }
  const tags = partitionTags(partitionKeys);
  // With --json, stdout carries the JSON object only; progress goes to stderr.
  const progressStream = json ? context.stderr : context.stdout;
  const progress = new RunProgress(progressStream, context.env, { showInfoLogs: context.verbose });
  const cancel = new AbortController();
  const stopSignals = handleInterrupts(cancel, context);
  const started = Date.now();
  const runId = randomUUID();
  // This command owns the run: without heartbeats, the monitor of a daemon on the same database
  // (`tributary dev` in another terminal) would take it for a run whose worker died.
  const stopHeartbeat = heartbeatWhileRunning(storage, () => [runId], config);
  let result: RunResult;
  let consoleLink: string | undefined;
  try {
    const maxConcurrency = concurrency ?? config.executor.maxConcurrency;
    const run = { runId, selection, maxConcurrency, tags };
    result = values["in-process"] === true
      ? await runInProcess(config, storage, run, progress, cancel.signal)
      : await runInWorker(config, storage, run, progress, cancel.signal);
  } finally {
    stopHeartbeat();
    stopSignals();
    progress.stop();
    consoleLink = await runConsoleUrl(storage, context.env, runId).catch(() => undefined);
    await storage.close().catch(() => undefined);
  }

  const wallMs = Date.now() - started;
  if (json) {
    const steps = result.steps.map((step) => ({
      key: step.key,
      status: step.status,
      durationMs: step.durationMs,
      ...(step.error === undefined ? {} : { error: step.error }),
    }));
    context.stdout.write(`${JSON.stringify({ runId: result.runId, status: result.status, steps }, null, 2)}\n`);
  }
  printRunSummary(json ? context.stderr : context.stdout, context.env, {
    result,
    wallMs,
    observed: progress.observed,
    projectDir: config.projectDir,
    storageDescription: describeStorage(config),
    brief: json,
    consoleUrl: consoleLink,
  });
  return result.status === "SUCCESS" ? EXIT_OK : EXIT_FAILED;
}

/** The selection `--select` or `--job` asks for (exactly one of them). */
function selectionOf(select: string | boolean | undefined, job: string | boolean | undefined): string {
  if (select !== undefined && job !== undefined) {
    throw new UsageError("materialize: --select and --job cannot be used together", { hint: 'Keep one of them; a selection can name the job itself, e.g. --select "job:nightly and tag:pii".' });
  }
  if (typeof job === "string") {
    if (job.trim() === "") throw new UsageError("materialize: --job needs a job name", { hint: "e.g. --job nightly (the name given to defineAssetJob)." });
    return formatSelection({ type: "job", job: job.trim(), start: 0, end: 0 });
  }
  if (typeof select !== "string" || select.trim() === "") {
    throw new UsageError("materialize: --select or --job is required", { hint: 'Select what to run, e.g. --select "*" for everything, --select +stg_orders, or --job nightly.' });
  }
  return select;
}

/** What to run, the same for both ways of running it. */
interface RunRequest {
  runId: string;
  selection: string;
  maxConcurrency: number | undefined;
  tags: Record<string, string>;
}

async function runInWorker(config: ProjectConfig, storage: Storage, run: RunRequest, progress: RunProgress, signal: AbortSignal): Promise<RunResult> {
  const { runId, selection, maxConcurrency, tags } = run;
  // Loaded on demand: `tributary runs list` should not pay for the executor's modules.
  const { launchRunInWorker, RunStartError } = require("../execution/worker") as typeof import("../execution/worker");
  try {
    return await launchRunInWorker({
      runId,
      selection,
      tags,
      projectDir: config.projectDir,
      storageConfig: config.storage,
      storage,
      ...(maxConcurrency === undefined ? {} : { maxConcurrency }),
      signal,
      onEvent: progress.onEvent,
    });
  } catch (error) {
    // The worker could not start the run: a selection that matches nothing is bad usage.
    if (error instanceof RunStartError && error.usage) throw new UsageError(error.message, error.hint === undefined ? undefined : { hint: error.hint });
    throw error;
  }
}

async function runInProcess(config: ProjectConfig, storage: Storage, run: RunRequest, progress: RunProgress, signal: AbortSignal): Promise<RunResult> {
  const { runId, selection, maxConcurrency, tags } = run;
  const { loadProject } = require("../loader/loadDefinitions") as typeof import("../loader/loadDefinitions");
  const { executeInProcess } = require("../execution/executor") as typeof import("../execution/executor");
  const { EmptySelectionError } = require("../execution/plan") as typeof import("../execution/plan");
  const project = await loadProject(config);
  try {
    return await executeInProcess({
      definitions: project.definitions,
      graph: project.graph,
      storage,
      storageDir: join(config.storageDir, "storage"),
      runId,
      selection,
      tags,
      ...(maxConcurrency === undefined ? {} : { maxConcurrency }),
      signal,
      onEvent: progress.onEvent,
    });
  } catch (error) {
    const badPartition = (error as { httpStatus?: number } | null)?.httpStatus === 400;
    if (error instanceof EmptySelectionError || badPartition) { const known = error as { message: string; hint?: string }; throw new UsageError(known.message, known.hint === undefined ? undefined : { hint: known.hint }); }
    throw error;
  }
}

/**
 * Every key that exists now of the partitions the selection's partitioned assets share (none for
 * a selection without partitioned assets). Loads the project here: the worker gets the keys as
 * run tags, like `--partition K,K,...`.
 */
async function allPartitionKeysOf(config: ProjectConfig, storage: Storage, selection: string): Promise<string[]> {
  const { loadProject } = require("../loader/loadDefinitions") as typeof import("../loader/loadDefinitions");
  const { allPartitionKeys, EmptySelectionError } = require("../execution/plan") as typeof import("../execution/plan");
  const { loadPartitionContext } = require("../partitions/runPartitions") as typeof import("../partitions/runPartitions");
  const project = await loadProject(config);
  try {
    const context = await loadPartitionContext(storage, [...project.graph.assets.values()].map((node) => node.partitions));
    return allPartitionKeys(project.graph, selection, context);
  } catch (error) {
    const badPartitions = (error as { httpStatus?: number } | null)?.httpStatus === 400;
    if (error instanceof EmptySelectionError || badPartitions) { const known = error as { message: string; hint?: string }; throw new UsageError(known.message, known.hint === undefined ? undefined : { hint: known.hint }); }
    throw error;
  }
}

/** First Ctrl-C cancels the run cleanly; a second one quits at once. */
function handleInterrupts(cancel: AbortController, context: CliContext): () => void {
  const onSignal = () => {
    if (cancel.signal.aborted) {
      context.stderr.write("\nInterrupted again: quitting without waiting for the run to stop.\n");
      process.exit(130);
    }
    context.stderr.write("\nCanceling the run (Ctrl-C again to quit at once)...\n");
    cancel.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return () => {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  };
}
