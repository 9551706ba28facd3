/**
 * A run in this process, orchestrated: the ready queue says which steps start (readyQueue.ts), the
 * step runner runs each with retries and timeouts (stepRunner.ts), the input loader gives it its
 * inputs (inputs.ts) and the output writer stores what it returns (outputs.ts); this module wires
 * them together, records how each step ends, and ends the run.
 */
import { randomUUID } from "node:crypto";
import os from "node:os";
import { TributaryError, describeThrown, serializeError } from "../errors";
import { AssetGraph } from "../graph/assetGraph";
import { assertValidGraph } from "../graph/validate";
import { NeverMaterializedError } from "../io/errors";
import { filesystemIOManager } from "../io/filesystem";
import type { PartitionContext } from "../partitions/definition";
import { upstreamKeysFor } from "../partitions/mappings";
import { loadPartitionContext, partitionKeysFromTags, partitionTags } from "../partitions/runPartitions";
import type { Storage } from "../storage/port";
import type { RunEventType, StepStatus } from "../types";
import { CODE_VERSION_TAG, type InProcessRunOptions, type RunResult, type StepResult } from "./api";
import { ioManagerResolver, type AssetIOResolver } from "./assetIO";
import { InputLoader } from "./inputs";
import { sqlBuiltInResources, tableInputs } from "../sql/tables";
import { OutputWriter } from "./outputs";
import { planRun, type ExecutionPlan, type PlannedStep } from "./plan";
import { ReadyQueue } from "./readyQueue";
import { RunResources } from "./resources";
import { RunEventLog } from "./runEvents";
import { runWithRetries } from "./stepRunner";

/** How long a canceled run waits for running steps that ignore `ctx.signal` before giving up on them. */
const CANCEL_GRACE_MS = 5_000;

/**
 * Executes a run in this process: plans the selection, runs steps concurrently as far as the graph
 * allows, records every event, and returns the outcome. Used by tests and inside worker processes;
 * the CLI and the daemon run each run in a worker of its own (see `launchRunInWorker`).
 */
export async function executeInProcess(options: InProcessRunOptions & { graph?: AssetGraph }): Promise<RunResult> {
  const graph = options.graph ?? new AssetGraph(options.definitions);
  if (!options.graph) assertValidGraph(graph);
  // Worker processes get the keys through the run's tags (the worker protocol carries tags).
  const partitionKeys = options.partitionKeys ?? partitionKeysFromTags(options.tags ?? {});
  const partitionContext = await loadPartitionContext(options.storage, [...graph.assets.values()].map((node) => node.partitions));
  const plan = planRun(graph, options.selection, partitionKeys, partitionContext);
  const runId = await startRun(options.storage, options, plan);
  const execution = new RunExecution(graph, plan, runId, options, partitionContext);
  return execution.execute();
}

/** Creates the run record, or moves a queued/claimed one to STARTED. */
async function startRun(storage: Storage, options: InProcessRunOptions, plan: ExecutionPlan): Promise<string> {
  const now = new Date().toISOString();
  if (options.runId && options.claimedAsStarted) {
    // Already STARTED by the coordinator that claimed it a moment ago. A cancel since then is a
    // cancel of a running run: the coordinator aborts the signal (at once in its own process, at
    // its next heartbeat from another), exactly as for a run that started long ago.
    return options.runId;
  }
  if (options.runId) {
    // A claimed run moves to STARTED in one statement; reading it first is needed only when it does not.
    if (await storage.transitionRun(options.runId, ["QUEUED", "STARTING"], "STARTED", { startedAt: now })) return options.runId;
    const existing = await storage.getRun(options.runId);
    if (existing) {
      throw new TributaryError(`run ${options.runId} is ${existing.status}; only a QUEUED or STARTING run can start`);
    }
  }
  const runId = options.runId ?? randomUUID();
  await storage.createRun({
    runId,
    status: "STARTED",
    selection: options.selection,
    assetKeys: [...plan.assetKeys],
    tags: { ...plan.jobTags, ...(options.tags ?? {}), ...partitionTags(plan.partitionKeys) },
    runKey: options.runKey ?? null,
    instigator: options.instigator ?? null,
  });
  // After createRun, so a run never looks started before it was created.
  await storage.updateRun(runId, { startedAt: new Date().toISOString() });
  return runId;
}

/** One run, from its RUN_START to its final status: starts what the ready queue allows and records how each step ends. */
class RunExecution {
  private readonly events: RunEventLog;
  private readonly resources: RunResources;
  private readonly queue: ReadyQueue;
  private readonly inputs: InputLoader;
  private readonly ioFor: AssetIOResolver;
  private readonly outputs: OutputWriter;
  private readonly maxConcurrency: number;
  private readonly signal: AbortSignal;
  private readonly steps = new Map<string, PlannedStep>();
  private readonly results = new Map<string, StepResult>();
  /** Partitions stored by this run (`asset\0partition`): a SQL asset's upstream partitions are checked against them. */
  private readonly storedPartitions = new Set<string>();
  private canceled = false;
  private finish!: () => void;

  constructor(
    private readonly graph: AssetGraph,
    private readonly plan: ExecutionPlan,
    private readonly runId: string,
    private readonly options: InProcessRunOptions,
    private readonly partitionContext: PartitionContext = {},
  ) {
    this.events = new RunEventLog(runId, options);
    this.maxConcurrency = Math.max(
      1,
      options.maxConcurrency ?? options.definitions.executor.maxConcurrency ?? Math.max(2, os.availableParallelism()),
    );
    this.signal = options.signal ?? new AbortController().signal;
    this.resources = new RunResources(
      options.definitions.resources,
      {
        io_manager: filesystemIOManager({ baseDir: options.storageDir }),
        ...sqlBuiltInResources(options.storageDir, (key) => this.resources.get(key)),
      },
      runId,
      (key) => this.events.logger(null, `resource ${key}`),
    );
    for (const step of plan.steps) this.steps.set(step.stepKey, step);
    this.queue = new ReadyQueue(plan.steps, this.maxConcurrency);
    const ioFor = ioManagerResolver(graph, this.resources);
    this.ioFor = ioFor;
    this.inputs = new InputLoader({ graph, runId, ioFor, events: this.events, partitionContext }, plan.steps);
    this.outputs = new OutputWriter({
      graph,
      runId,
      ioFor,
      events: this.events,
      onStored: (assetKey, partitionKey, value) => {
        if (partitionKey !== null) this.storedPartitions.add(`${assetKey}\u0000${partitionKey}`);
        this.inputs.hold(assetKey, partitionKey, value);
      },
    });
  }

  async execute(): Promise<RunResult> {
    const started = Date.now();
    const code = this.options.codeVersion;
    const planned = this.options.tags?.[CODE_VERSION_TAG];
    const reloaded = code !== undefined && planned !== undefined && planned !== code;
    const onCode = code === undefined ? "" : ` on code ${code}${reloaded ? ` (planned on ${planned}; the code was reloaded since)` : ""}`;
    this.events.emit("RUN_START", null, "info", `Run started: ${this.plan.steps.length} steps for "${this.plan.selection}"${onCode}`, {
      selection: this.plan.selection,
      steps: this.plan.steps.map((step) => step.stepKey),
      maxConcurrency: this.maxConcurrency,
      ...(code === undefined ? {} : { codeVersion: code }),
      ...(reloaded ? { plannedCodeVersion: planned } : {}),
    });
    const onAbort = () => this.cancel();
    this.signal.addEventListener("abort", onAbort, { once: true });
    if (this.signal.aborted) this.cancel();

    await new Promise<void>((resolve) => {
      this.finish = resolve;
      this.pump();
    });
    this.signal.removeEventListener("abort", onAbort);

    for (const stepKey of this.queue.pending()) {
      this.recordStepEnd(stepKey, "CANCELED", 0, "the run was canceled before this step started");
    }
    for (const { key, error } of await this.resources.teardownAll()) {
      this.events.emit("LOG", null, "error", `Tearing down resource "${key}" failed: ${describeThrown(error)}`, {
        error: serializeError(error),
      });
    }

    const steps = this.plan.steps.map((step) => this.results.get(step.stepKey)!);
    const status: RunResult["status"] = this.canceled
      ? "CANCELED"
      : steps.every((step) => step.status === "SUCCESS")
        ? "SUCCESS"
        : "FAILURE";
    const failed = steps.filter((step) => step.status === "FAILURE").map((step) => step.key);
    const summary =
      status === "SUCCESS"
        ? `Run succeeded: ${steps.length} steps in ${Date.now() - started} ms`
        : status === "CANCELED"
          ? "Run canceled"
          : `Run failed: ${failed.length} step(s) failed (${failed.slice(0, 5).join(", ")}${failed.length > 5 ? ", ..." : ""})`;
    this.events.emit(`RUN_${status}` as RunEventType, null, status === "SUCCESS" ? "info" : "error", summary, {
      durationMs: Date.now() - started,
    });
    // The run's final status is written with its last events, in one transaction, unless another
    // process ended the run meanwhile (the monitor failed it as dead and may have queued a retry).
    const refused = await this.events.close({
      runId: this.runId,
      update: { status, endedAt: new Date().toISOString(), error: status === "SUCCESS" ? null : summary },
      from: ["STARTED", "CANCELING"],
    });
    if (refused) return { runId: this.runId, status: refused.status as RunResult["status"], steps, error: refused.message, endedElsewhere: true };
    return { runId: this.runId, status, steps };
  }

  /** Starts ready steps while there is room; ends the run when nothing runs and nothing can start. */
  private pump(): void {
    for (const stepKey of this.queue.start()) {
      void this.runStep(this.steps.get(stepKey)!).then(
        () => this.afterStep(),
        (error: unknown) => {
          // runStep reports its own failures; reaching here is a bug in the executor, not user code.
          this.endStep(stepKey, "FAILURE", 0, `internal error: ${describeThrown(error)}`, error);
          this.afterStep();
        },
      );
    }
    if (this.queue.isDone) this.finish();
  }

  private afterStep(): void {
    // Let a burst of finishing steps settle before starting more: keeps deep recursion off the stack.
    if (this.queue.hasReady || this.queue.running === 0) queueMicrotask(() => this.pump());
  }

  private cancel(): void {
    if (this.canceled) return;
    this.canceled = true;
    this.queue.cancel();
    this.events.emit("RUN_CANCELING", null, "warn", "Cancel requested: no new step starts; running steps are signalled");
    if (this.queue.running > 0) {
      // Steps that ignore ctx.signal cannot be stopped in-process; do not wait for them forever.
      setTimeout(() => {
        for (const stepKey of this.queue.abandonRunning()) {
          this.recordStepEnd(stepKey, "CANCELED", 0, "the step did not stop after the run was canceled");
        }
        this.pump();
      }, CANCEL_GRACE_MS).unref();
    } else {
      queueMicrotask(() => this.pump());
    }
  }

  private async runStep(step: PlannedStep): Promise<void> {
    const definition = step.definition.definition;
    const startedAt = Date.now();
    this.events.emit("STEP_START", step.stepKey, "debug", `Started ${step.stepKey}`, {
      outputKeys: step.outputKeys,
      timeoutMs: definition.timeoutMs ?? null,
    });
    let resources: Record<string, unknown>;
    try {
      resources = await this.resources.getAll(definition.resources);
    } catch (thrown) {
      const error = "explainSetupFailure" in definition && definition.explainSetupFailure ? definition.explainSetupFailure(thrown) : thrown;
      this.endStep(step.stepKey, "FAILURE", Date.now() - startedAt, describeThrown(error), error);
      return;
    }
    // A partitioned step runs once per partition key of the run, in order; the first key that
    // fails ends the step (the keys after it are not attempted).
    const keys: (string | null)[] = definition.partitions ? [...this.plan.partitionKeys] : [null];
    for (const partitionKey of keys) {
      const done = await this.runStepPartition(step, partitionKey, resources, startedAt);
      if (!done) {
        this.inputs.release(step);
        return;
      }
    }
    this.inputs.release(step);
    this.endStep(step.stepKey, "SUCCESS", Date.now() - startedAt);
  }

  /** Extra data of a STEP_FAILURE: which partitions of which assets failed (for partition status). */
  private failureData(step: PlannedStep, partitionKey: string | null): Record<string, unknown> | undefined {
    return partitionKey === null ? undefined : { partitionKeys: [partitionKey], assetKeys: [...step.outputKeys] };
  }

  /**
   * A SQL asset reads its partitioned deps' whole tables, so nothing would stop it building from a
   * partial one: each partition its mapping reads must have been materialized (in this run or an
   * earlier one), or the step fails naming the first missing one, as a TypeScript asset does when
   * its I/O manager finds no stored value.
   */
  private async assertUpstreamPartitions(step: PlannedStep, partitionKey: string | null): Promise<void> {
    const definition = step.definition.definition;
    for (const dep of step.definition.deps) {
      const node = this.graph.assets.get(dep);
      if (!node?.partitions) continue;
      const mapped = upstreamKeysFor(definition.partitionMappings[dep], definition.partitions, partitionKey ?? undefined, node.partitions, this.partitionContext);
      if (!mapped.partitioned) continue;
      const unknown = mapped.keys.filter((key) => !this.storedPartitions.has(`${dep}\u0000${key}`));
      if (unknown.length === 0) continue;
      const records = await this.options.storage.getAssetPartitions(dep, { partitionKeys: unknown });
      const materialized = new Set(records.filter((record) => record.status === "MATERIALIZED").map((record) => record.partitionKey));
      const missing = unknown.find((key) => !materialized.has(key));
      if (missing !== undefined) {
        throw new NeverMaterializedError({ assetKey: dep, downstreamKey: step.stepKey, partitionKey: missing, where: "its materialization record" });
      }
    }
  }

  /** A SQL asset's inputs: its deps' table names, never their rows. */
  private async loadTableInputs(step: PlannedStep, partitionKey: string | null): Promise<Record<string, unknown>> {
    await this.assertUpstreamPartitions(step, partitionKey);
    const warehouseKey = step.definition.definition.resources[0]!; // a SQL asset's one resource: its warehouse
    const upstreams = step.definition.deps.map((dep) => {
      const node = this.graph.assets.get(dep);
      const ioManagerKey = node?.ioManager ?? "io_manager";
      return { key: dep, metadata: node?.metadata ?? {}, ioManagerKey, ioManager: async () => (await this.ioFor(dep)).manager };
    });
    return tableInputs(step.stepKey, upstreams, { key: warehouseKey, value: await this.resources.get(warehouseKey) });
  }

  /** Runs one partition of a step (or the step, unpartitioned); false when the step ended (failed, canceled). */
  private async runStepPartition(step: PlannedStep, partitionKey: string | null, resources: Record<string, unknown>, startedAt: number): Promise<boolean> {
    const definition = step.definition.definition;
    const failed = (error: unknown) => {
      this.endStep(step.stepKey, "FAILURE", Date.now() - startedAt, describeThrown(error), error, this.failureData(step, partitionKey));
      return false;
    };
    let inputs: Record<string, unknown>;
    try {
      inputs = "inputsAsTables" in definition && definition.inputsAsTables ? await this.loadTableInputs(step, partitionKey) : await this.inputs.load(step, partitionKey);
    } catch (error) {
      return failed(error);
    }
    const partitions = definition.partitions;
    const outcome = await runWithRetries({
      partitionKey,
      partitionTimeWindow: partitionKey !== null && partitions?.kind === "time" ? partitions.windowOf(partitionKey) : null,
      stepKey: step.stepKey,
      fn: definition.fn,
      inputs,
      resources,
      log: this.events.logger(step.stepKey),
      runId: this.runId,
      retry: definition.retry,
      timeoutMs: definition.timeoutMs,
      runSignal: this.signal,
      onAttemptStart: (attempt) =>
        this.options.onAttemptStart?.({ stepKey: step.stepKey, attempt, timeoutMs: definition.timeoutMs }),
      onRetry: (attempt, delayMs, error) =>
        this.events.emit("STEP_RETRY", step.stepKey, "warn", `Retrying ${step.stepKey} (attempt ${attempt}) in ${delayMs} ms: ${describeThrown(error)}`, {
          attempt,
          delayMs,
          error: serializeError(error),
        }),
    });
    if (this.queue.stateOf(step.stepKey) !== "running") return false; // given up on after a cancel
    if (outcome.kind === "canceled") {
      this.endStep(step.stepKey, "CANCELED", Date.now() - startedAt, "the run was canceled");
      return false;
    }
    if (outcome.kind === "failure") return failed(outcome.error);
    try {
      const blockingFailures = await this.outputs.write(step, { value: outcome.value, metadata: outcome.metadata, partitionKey }, resources);
      if (blockingFailures.length > 0) {
        const reason = `blocking check failed: ${blockingFailures.join(", ")}`;
        this.endStep(step.stepKey, "FAILURE", Date.now() - startedAt, reason, undefined, this.failureData(step, partitionKey));
        return false;
      }
    } catch (error) {
      return failed(error);
    }
    return true;
  }

  /**
   * Records how a running step ended and lets the queue start (or skip) what depends on it. A step
   * given up on after a cancel has ended already: its late end is not recorded.
   */
  private endStep(stepKey: string, status: Exclude<StepStatus, "SKIPPED">, durationMs: number, error?: string, thrown?: unknown, extra?: Record<string, unknown>): void {
    if (this.queue.stateOf(stepKey) !== "running") return;
    const skipped = this.queue.finish(stepKey, status);
    this.recordStepEnd(stepKey, status, durationMs, error, thrown, extra);
    for (const skip of skipped) this.recordStepEnd(skip.stepKey, "SKIPPED", 0, skip.reason);
  }

  private recordStepEnd(stepKey: string, status: StepStatus, durationMs: number, error?: string, thrown?: unknown, extra?: Record<string, unknown>): void {
    const result: StepResult = { key: stepKey, status, durationMs };
    if (error !== undefined) result.error = error;
    this.results.set(stepKey, result);
    const data: Record<string, unknown> = { durationMs, ...(extra ?? {}) };
    if (thrown !== undefined) data.error = serializeError(thrown);
    else if (error !== undefined) data.reason = error;
    const message =
      status === "SUCCESS" ? `Finished ${stepKey} in ${durationMs} ms` : `${stepKey}: ${status.toLowerCase()}${error ? `: ${error}` : ""}`;
    const type: RunEventType = status === "SUCCESS" ? "STEP_SUCCESS" : status === "FAILURE" ? "STEP_FAILURE" : status === "SKIPPED" ? "STEP_SKIPPED" : "STEP_CANCELED";
    this.events.emit(type, stepKey, status === "SUCCESS" ? "info" : status === "FAILURE" ? "error" : "warn", message, data);
  }
}
