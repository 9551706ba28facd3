/**
 * Entry of a run worker process (forked by `launchRunInWorker` or a `WorkerPool`). It loads the
 * project itself, so a crash, an OOM or a hang in user code takes down this process only, never the
 * CLI or the daemon. A pooled worker loads once and executes run after run, or evaluates the user
 * code of the daemon's loops (sensors) for its evaluation worker.
 */
import { join } from "node:path";
import { SelectionSyntaxError, TributaryError, serializeError } from "../errors";
import { loadCompiledProject, loadProject, type LoadedProject } from "../loader";
import { openStorage, type Storage } from "../storage";
import { RunStatusConflictError } from "../storage/errors";
import type { RunUpdateRequest } from "../storage/port";
import type { RunEvent } from "../types";
import { executeInProcess } from "./executor";
import { EmptySelectionError } from "./plan";
import { evaluateHere, type EvaluationOutcome } from "./evaluations";
import { PARENT_PID_ENV, type EvaluateMessage, type ParentMessage, type PreloadMessage, type StartMessage, type WorkerError, type WorkerMessage } from "./workerProtocol";

const EVENT_BATCH_MS = 20;
const HEARTBEAT_MS = 1_000;
/** Exit code of a worker whose coordinator went away mid-run. */
const EXIT_ORPHANED = 75;

function send(message: WorkerMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
}

function toWorkerError(error: unknown): WorkerError {
  return {
    ...serializeError(error),
    // Duck-typed: an error raised by another copy of "tributary-ts" (the project's own node_modules,
    // whose partitions definitions raise PartitionKeyError) is not an instance of this copy's class.
    ...(error instanceof Error && typeof (error as TributaryError).hint === "string" && (error as TributaryError).hint ? { hint: (error as TributaryError).hint! } : {}),
    // Bad partitions (PartitionKeyError, PartitionSelectionError) carry httpStatus 400: bad usage too.
    usage:
      error instanceof SelectionSyntaxError ||
      error instanceof EmptySelectionError ||
      (error as { httpStatus?: unknown } | null)?.httpStatus === 400,
  };
}

/** The project and storage of a pooled worker, loaded once. */
let warm: { project: LoadedProject; storage: Storage } | undefined;
/** Runs in progress here; `claimed` marks a run a coordinator claimed (and heartbeats). */
const runs = new Map<string, { cancel: AbortController; claimed: boolean }>();
let retiring = false;

async function preload(message: PreloadMessage): Promise<void> {
  try {
    // User code sees the project folder as its working directory, as with the CLI run from there.
    process.chdir(message.projectDir);
    const project = message.code
      ? loadCompiledProject(message.code.config, { bundleFile: message.code.bundleFile, buildMs: 0 })
      : await loadProject(message.projectDir);
    const storage = await openStorage(message.storage);
    warm = { project, storage };
    await send({ type: "ready", assets: project.graph.assets.size });
  } catch (error) {
    await send({ type: "fatal", runId: null, error: toWorkerError(error) });
    process.exit(1);
  }
}

async function run(start: StartMessage, cancel: AbortController): Promise<void> {
  let pending: RunEvent[] = [];
  let timer: NodeJS.Timeout | undefined;
  const flushEvents = () => {
    timer = undefined;
    if (pending.length === 0) return Promise.resolve();
    const events = pending;
    pending = [];
    return send({ type: "events", runId: start.runId, events });
  };
  let ownStorage: Storage | undefined;
  try {
    let project = warm?.project;
    let storage = warm?.storage;
    if (!project || !storage) {
      process.chdir(start.projectDir);
      project = await loadProject(start.projectDir);
      storage = ownStorage = await openStorage(start.storage);
    }
    const result = await executeInProcess({
      definitions: project.definitions,
      graph: project.graph,
      storage,
      storageDir: join(project.config.storageDir, "storage"),
      selection: start.selection,
      runId: start.runId,
      tags: start.tags,
      instigator: start.instigator,
      runKey: start.runKey,
      claimedAsStarted: start.claimedAsStarted,
      ...(start.codeVersion === undefined ? {} : { codeVersion: start.codeVersion }),
      ...(start.maxConcurrency === undefined ? {} : { maxConcurrency: start.maxConcurrency }),
      signal: cancel.signal,
      onEventWhenDurable: true,
      onAttemptStart: (attempt) => void send({ type: "attempt", runId: start.runId, ...attempt }),
      endRun: (events, runUpdate) => endRunViaParent(start.runId, events, runUpdate, storage),
      onEvent: (event) => {
        pending.push(event);
        timer ??= setTimeout(flushEvents, EVENT_BATCH_MS);
      },
    });
    if (timer) clearTimeout(timer);
    await flushEvents();
    await send({ type: "result", runId: start.runId, result, rssBytes: process.memoryUsage.rss() });
  } catch (error) {
    if (timer) clearTimeout(timer);
    await flushEvents();
    await send({ type: "fatal", runId: start.runId, error: toWorkerError(error) });
  } finally {
    await ownStorage?.close().catch(() => undefined);
  }
}

/** Runs whose last batch the parent is writing: settled by its `runEnded` reply. */
const endingRuns = new Map<string, { resolve: () => void; reject: (error: Error) => void; writeHere: () => Promise<void> }>();

/**
 * Hands the run's last batch to the parent, which writes it (a coordinator ends the run and refills
 * its slot in one statement) and replies. Durable once this resolves, as with appendEvents. Without
 * a parent (it went away) the worker writes the batch itself.
 */
function endRunViaParent(runId: string, events: RunEvent[], runUpdate: RunUpdateRequest, storage: Storage): Promise<void> {
  const writeHere = () => storage.appendEvents(events, { runUpdate });
  if (!process.send || !process.connected) return writeHere();
  return new Promise<void>((resolve, reject) => {
    endingRuns.set(runId, { resolve, reject, writeHere });
    void send({ type: "endRun", runId, events, runUpdate });
  });
}

/** The parent went away before replying: write the pending last batches here. */
function endPendingRunsHere(): void {
  for (const [runId, ending] of endingRuns) {
    endingRuns.delete(runId);
    ending.writeHere().then(ending.resolve, ending.reject);
  }
}

function onRunEnded(message: Extract<ParentMessage, { type: "runEnded" }>): void {
  const ending = endingRuns.get(message.runId);
  if (!ending) return;
  endingRuns.delete(message.runId);
  if (message.conflict) ending.reject(new RunStatusConflictError(message.runId, message.conflict.status, message.conflict.reason));
  else if (message.error !== undefined) ending.reject(new Error(message.error));
  else ending.resolve();
}

/** Evaluations of the daemon's user code in progress here (sensor ticks), by id. */
const evaluations = new Map<string, AbortController>();

/** Evaluates user code for the daemon (./evaluations) with the preloaded project and storage. */
async function evaluate(message: EvaluateMessage): Promise<void> {
  const { evaluationId } = message;
  const abort = new AbortController();
  evaluations.set(evaluationId, abort);
  const outcome: EvaluationOutcome = warm
    ? await evaluateHere(warm.project, message.kind, message.name, message.input, {
        storage: warm.storage,
        projectDir: warm.project.config.projectDir,
        signal: abort.signal,
        log: (level, text) => void send({ type: "evaluationLog", evaluationId, level, message: text }).catch(() => undefined),
        notify: (text, details) => void send({ type: "evaluationNotify", evaluationId, message: text, details: plainData(details) }).catch(() => undefined),
      })
    : { ok: false, error: "the worker has no project loaded (it needs a preload first)" };
  // A canceled evaluation was answered when it was canceled.
  if (!evaluations.delete(evaluationId)) return;
  await send({ type: "evaluated", evaluationId, outcome }).catch((error: unknown) =>
    send({ type: "evaluated", evaluationId, outcome: { ok: false, error: `its result cannot be sent to the daemon: ${error instanceof Error ? error.message : String(error)}` } }),
  );
  if (retiring) exitWhenIdle();
}

/** The daemon gave up on an evaluation (timeout): abort it and answer now, which shows this process is not blocked. */
function cancelEvaluation(evaluationId: string): void {
  const abort = evaluations.get(evaluationId);
  if (!abort) return;
  evaluations.delete(evaluationId);
  abort.abort();
  void send({ type: "evaluated", evaluationId, outcome: { ok: false, error: "canceled" } });
  if (retiring) exitWhenIdle();
}

/** What user code passes to ctx.notify, as data that crosses processes (functions and cycles dropped). */
function plainData(details: Record<string, unknown>): Record<string, unknown> {
  try {
    return JSON.parse(JSON.stringify(details)) as Record<string, unknown>;
  } catch {
    return {};
  }
}

function exitWhenIdle(): void {
  if (runs.size > 0 || evaluations.size > 0) return;
  void (warm?.storage.close() ?? Promise.resolve())
    .catch(() => undefined)
    .finally(() => {
      // Steps abandoned after a timeout may still hold the event loop: the work is over, so go.
      process.disconnect?.();
      setImmediate(() => process.exit(0));
    });
}

/** The parent's pid when it forked this process; another ppid later means it died and this process was re-parented. */
const PARENT_PID = Number(process.env[PARENT_PID_ENV] ?? process.ppid);
let parentGone = false;

/** The parent went away: nobody will read the results, so stop instead of running orphaned. */
function onParentGone(): void {
  if (parentGone) return;
  parentGone = true;
  if ([...runs.values()].some((run) => run.claimed)) {
    // A coordinator that died (SIGKILL, OOM killer) stops heartbeating its runs, and the daemons'
    // monitor fails them and applies the run retry policy: the same as when this process dies with
    // it. Ending the run here instead (as CANCELED) would hide the crash and skip the retry. Exit
    // now, before user code writes anything more for a run that is about to be retried.
    process.exit(EXIT_ORPHANED);
  }
  // A run of the CLI (nobody heartbeats it): the user stopped the command, so cancel the run.
  endPendingRunsHere();
  for (const run of runs.values()) run.cancel.abort();
  if (runs.size === 0) process.exit(0);
}

/**
 * True once the parent is gone. The 'disconnect' event is the usual signal, but a worker whose
 * parent died while it was still starting never gets one (seen: a spare forked just before its
 * coordinator was SIGKILLed stayed up for good), so the heartbeat also checks for a new ppid.
 */
function parentIsGone(): boolean {
  return !process.connected || process.ppid !== PARENT_PID;
}

function main(): void {
  if (parentIsGone()) onParentGone();
  const heartbeat = setInterval(() => {
    if (parentIsGone()) onParentGone();
    else void send({ type: "heartbeat", rssBytes: process.memoryUsage.rss() });
  }, HEARTBEAT_MS);
  let pooled = false;
  process.on("message", (message: ParentMessage) => {
    switch (message.type) {
      case "preload":
        pooled = true;
        void preload(message);
        break;
      case "start": {
        const cancel = new AbortController();
        runs.set(message.runId, { cancel, claimed: message.claimedAsStarted });
        void run(message, cancel).finally(() => {
          runs.delete(message.runId);
          if (!pooled || retiring) {
            clearInterval(heartbeat);
            exitWhenIdle();
          }
        });
        break;
      }
      case "cancel":
        runs.get(message.runId)?.cancel.abort();
        break;
      case "runEnded":
        onRunEnded(message);
        break;
      case "evaluate":
        void evaluate(message);
        break;
      case "cancelEvaluation":
        cancelEvaluation(message.evaluationId);
        break;
      case "retire":
        retiring = true;
        clearInterval(heartbeat);
        exitWhenIdle();
        break;
    }
  });
  process.on("disconnect", onParentGone);
}

main();
