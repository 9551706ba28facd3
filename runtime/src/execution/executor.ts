import { randomUUID } from "node:crypto";
import os from "node:os";
import type { Logger } from "../definitions/context";
import { isIOManager, type IOManager } from "../definitions/ioManager";
import { TributaryError, UserCodeError, describeThrown, serializeError } from "../errors";
import { AssetGraph } from "../graph/assetGraph";
import { assertValidGraph } from "../graph/validate";
import { filesystemIOManager } from "../io/filesystem";
import type { PartitionContext } from "../partitions/definition";
import { upstreamKeysFor } from "../partitions/mappings";
import { loadPartitionContext, partitionKeysFromTags, partitionTags, readsSingleUpstreamPartition } from "../partitions/runPartitions";
import { BufferedEventWriter } from "../storage/eventWriter";
import type { Storage } from "../storage/port";
import type { LogLevel, MaterializationData, RunEvent, RunEventType, StepStatus } from "../types";
import { CODE_VERSION_TAG, type InProcessRunOptions, type RunResult, type StepResult } from "./api";
import { evaluateCheck, isBlockingFailure, outputsOf } from "./outputs";
import { planRun, type ExecutionPlan, type PlannedStep } from "./plan";
import { RunResources } from "./resources";
import { runWithRetries } from "./stepRunner";
import { sqlBuiltInResources, tableInputs } from "../sql/tables";

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

/** A progress display must never break a run. */
function safely(listener: (event: RunEvent) => void, event: RunEvent): void {
  try {
    listener(event);
  } catch {
    // ignored on purpose
  }
}

type StepState = "pending" | "running" | StepStatus;

class RunExecution {
  private readonly writer: BufferedEventWriter;
  private readonly resources: RunResources;
  private readonly maxConcurrency: number;
  private readonly signal: AbortSignal;
  private readonly steps = new Map<string, PlannedStep>();
  private readonly state = new Map<string, StepState>();
  private readonly waitingOn = new Map<string, number>();
  private readonly results = new Map<string, StepResult>();
  /** Values computed in this run, kept until their last in-run consumer has read them. */
  private readonly values = new Map<string, unknown>();
  /** Values of partitioned assets computed in this run, by asset key then partition key. */
  private readonly partitionValues = new Map<string, Map<string, unknown>>();
  private readonly consumersLeft = new Map<string, number>();
  private readonly ready: string[] = [];
  private readyIndex = 0;
  private running = 0;
  private canceled = false;
  /** Steps given up on after a cancel: their late completion must not touch the counters. */
  private readonly abandoned = new Set<string>();
  private finish!: () => void;

  constructor(
    private readonly graph: AssetGraph,
    private readonly plan: ExecutionPlan,
    private readonly runId: string,
    private readonly options: InProcessRunOptions,
    private readonly partitionContext: PartitionContext = {},
  ) {
    const onEvent = options.onEvent;
    const endRun = options.endRun;
    // The last batch (the one carrying the run's final status) goes to `endRun` when given.
    const sink: Pick<Storage, "appendEvents"> = endRun
      ? { appendEvents: (events, append) => (append?.runUpdate ? endRun(events, append.runUpdate) : options.storage.appendEvents(events, append)) }
      : options.storage;
    this.writer = new BufferedEventWriter(
      sink,
      options.onEventWhenDurable && onEvent ? { onWritten: (events) => events.forEach((event) => safely(onEvent, event)) } : {},
    );
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
      (key) => this.logger(null, `resource ${key}`),
    );
    for (const step of plan.steps) {
      this.steps.set(step.stepKey, step);
      this.state.set(step.stepKey, "pending");
      this.waitingOn.set(step.stepKey, step.upstreamSteps.length);
      if (step.upstreamSteps.length === 0) this.ready.push(step.stepKey);
      for (const dep of step.definition.deps) {
        const producer = graph.assets.get(dep)?.stepKey;
        if (producer !== undefined && producer !== step.stepKey && step.upstreamSteps.includes(producer)) {
          this.consumersLeft.set(dep, (this.consumersLeft.get(dep) ?? 0) + 1);
        }
      }
    }
  }

  async execute(): Promise<RunResult> {
    const started = Date.now();
    const code = this.options.codeVersion;
    const planned = this.options.tags?.[CODE_VERSION_TAG];
    const reloaded = code !== undefined && planned !== undefined && planned !== code;
    const onCode = code === undefined ? "" : ` on code ${code}${reloaded ? ` (planned on ${planned}; the code was reloaded since)` : ""}`;
    this.emit("RUN_START", null, "info", `Run started: ${this.plan.steps.length} steps for "${this.plan.selection}"${onCode}`, {
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

    for (const [stepKey, state] of this.state) {
      if (state === "pending") this.endStep(stepKey, "CANCELED", 0, "the run was canceled before this step started");
    }
    for (const { key, error } of await this.resources.teardownAll()) {
      this.emit("LOG", null, "error", `Tearing down resource "${key}" failed: ${describeThrown(error)}`, {
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
    this.emit(`RUN_${status}` as RunEventType, null, status === "SUCCESS" ? "info" : "error", summary, {
      durationMs: Date.now() - started,
    });
    // The run's final status is written with its last events, in one transaction, unless another
    // process ended the run meanwhile (the monitor failed it as dead and may have queued a retry).
    await this.writer.close({
      runUpdate: {
        runId: this.runId,
        update: { status, endedAt: new Date().toISOString(), error: status === "SUCCESS" ? null : summary },
        from: ["STARTED", "CANCELING"],
      },
    });
    const refused = this.writer.runUpdateRefused;
    if (refused) return { runId: this.runId, status: refused.status as RunResult["status"], steps, error: refused.message, endedElsewhere: true };
    return { runId: this.runId, status, steps };
  }

  /** Starts ready steps while there is room; ends the run when nothing runs and nothing can start. */
  private pump(): void {
    while (!this.canceled && this.running < this.maxConcurrency && this.readyIndex < this.ready.length) {
      const stepKey = this.ready[this.readyIndex++]!;
      if (this.state.get(stepKey) !== "pending") continue;
      this.running++;
      this.state.set(stepKey, "running");
      void this.runStep(this.steps.get(stepKey)!).then(
        () => {
          if (!this.abandoned.has(stepKey)) this.afterStep();
        },
        (error: unknown) => {
          if (this.abandoned.has(stepKey)) return;
          // runStep reports its own failures; reaching here is a bug in the executor, not user code.
          if (this.state.get(stepKey) === "running") {
            this.endStep(stepKey, "FAILURE", 0, `internal error: ${describeThrown(error)}`, error);
          }
          this.afterStep();
        },
      );
    }
    if (this.running === 0 && (this.canceled || this.readyIndex >= this.ready.length)) this.finish();
  }

  private afterStep(): void {
    this.running--;
    // Let a burst of finishing steps settle before starting more: keeps deep recursion off the stack.
    if (this.readyIndex < this.ready.length || this.running === 0) queueMicrotask(() => this.pump());
  }

  private cancel(): void {
    if (this.canceled) return;
    this.canceled = true;
    this.emit("RUN_CANCELING", null, "warn", "Cancel requested: no new step starts; running steps are signalled");
    if (this.running > 0) {
      // Steps that ignore ctx.signal cannot be stopped in-process; do not wait for them forever.
      setTimeout(() => {
        for (const [stepKey, state] of this.state) {
          if (state !== "running") continue;
          this.abandoned.add(stepKey);
          this.recordStepEnd(stepKey, "CANCELED", 0, "the step did not stop after the run was canceled");
        }
        this.running = 0;
        this.pump();
      }, CANCEL_GRACE_MS).unref();
    } else {
      queueMicrotask(() => this.pump());
    }
  }

  private async runStep(step: PlannedStep): Promise<void> {
    const definition = step.definition.definition;
    const startedAt = Date.now();
    this.emit("STEP_START", step.stepKey, "debug", `Started ${step.stepKey}`, {
      outputKeys: step.outputKeys,
      timeoutMs: definition.timeoutMs ?? null,
    });
    let resources: Record<string, unknown>;
    try {
      resources = await this.resources.getAll(definition.resources);
    } catch (error) {
      this.endStep(step.stepKey, "FAILURE", Date.now() - startedAt, describeThrown(error), error);
      return;
    }
    // A partitioned step runs once per partition key of the run, in order; the first key that
    // fails ends the step (the keys after it are not attempted).
    const keys: (string | null)[] = definition.partitions ? [...this.plan.partitionKeys] : [null];
    for (const partitionKey of keys) {
      const done = await this.runStepPartition(step, partitionKey, resources, startedAt);
      if (!done) {
        this.releaseInputs(step);
        return;
      }
    }
    this.releaseInputs(step);
    this.endStep(step.stepKey, "SUCCESS", Date.now() - startedAt);
  }

  /** Extra data of a STEP_FAILURE: which partitions of which assets failed (for partition status). */
  private failureData(step: PlannedStep, partitionKey: string | null): Record<string, unknown> | undefined {
    return partitionKey === null ? undefined : { partitionKeys: [partitionKey], assetKeys: [...step.outputKeys] };
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
      inputs = await this.loadInputs(step, partitionKey);
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
      log: this.logger(step.stepKey),
      runId: this.runId,
      retry: definition.retry,
      timeoutMs: definition.timeoutMs,
      runSignal: this.signal,
      onAttemptStart: (attempt) =>
        this.options.onAttemptStart?.({ stepKey: step.stepKey, attempt, timeoutMs: definition.timeoutMs }),
      onRetry: (attempt, delayMs, error) =>
        this.emit("STEP_RETRY", step.stepKey, "warn", `Retrying ${step.stepKey} (attempt ${attempt}) in ${delayMs} ms: ${describeThrown(error)}`, {
          attempt,
          delayMs,
          error: serializeError(error),
        }),
    });
    if (this.state.get(step.stepKey) !== "running") return false; // given up on after a cancel
    if (outcome.kind === "canceled") {
      this.endStep(step.stepKey, "CANCELED", Date.now() - startedAt, "the run was canceled");
      return false;
    }
    if (outcome.kind === "failure") return failed(outcome.error);
    try {
      const blockingFailures = await this.storeOutputs(step, outcome.value, outcome.metadata, resources, partitionKey);
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

  private async loadInputs(step: PlannedStep, partitionKey: string | null): Promise<Record<string, unknown>> {
    if ("inputsAsTables" in step.definition.definition && step.definition.definition.inputsAsTables) return this.loadTableInputs(step);
    const inputs: Record<string, unknown> = {};
    const external = new Set(step.externalInputs);
    const definition = step.definition.definition;
    for (const dep of step.definition.deps) {
      const node = this.graph.assets.get(dep);
      if (!node?.partitions) {
        inputs[dep] = external.has(dep) ? await this.loadInput(step, dep, null) : this.values.get(dep);
        continue;
      }
      const mapping = definition.partitionMappings[dep];
      const mapped = upstreamKeysFor(mapping, definition.partitions, partitionKey ?? undefined, node.partitions, this.partitionContext);
      const keys = mapped.partitioned ? mapped.keys : [];
      if (mapped.partitioned && mapped.nonexistent.length > 0) {
        this.logger(step.stepKey).warn(
          `reads ${keys.length} of ${keys.length + mapped.nonexistent.length} partitions of ${dep}: ${mapped.nonexistent.join(", ")} do not exist`,
          { asset: dep, missingPartitions: mapped.nonexistent },
        );
      }
      const held = this.partitionValues.get(dep);
      const values: Record<string, unknown> = {};
      for (const key of keys) values[key] = held?.has(key) ? held.get(key) : await this.loadInput(step, dep, key);
      if (readsSingleUpstreamPartition(mapping, definition.partitions, node.partitions)) {
        if (keys.length === 0) {
          throw new TributaryError(`partition "${partitionKey}" of "${step.stepKey}" reads no partition of "${dep}": ${mapped.partitioned ? mapped.nonexistent.join(", ") : "?"} does not exist`, {
            hint: "Pick a partition whose upstream partition exists, or change the partition mapping.",
          });
        }
        inputs[dep] = values[keys[0]!];
      } else {
        inputs[dep] = values;
      }
    }
    return inputs;
  }

  /** A SQL asset's inputs: its deps' table names, never their rows. */
  private async loadTableInputs(step: PlannedStep): Promise<Record<string, unknown>> {
    const warehouseKey = step.definition.definition.resources[0]!; // a SQL asset's one resource: its warehouse
    const upstreams = step.definition.deps.map((dep) => {
      const node = this.graph.assets.get(dep);
      const ioManagerKey = node?.ioManager ?? "io_manager";
      return { key: dep, metadata: node?.metadata ?? {}, ioManagerKey, ioManager: () => this.ioManager(ioManagerKey) };
    });
    return tableInputs(step.stepKey, upstreams, { key: warehouseKey, value: await this.resources.get(warehouseKey) });
  }

  private async loadInput(step: PlannedStep, dep: string, partitionKey: string | null): Promise<unknown> {
    const node = this.graph.assets.get(dep);
    const manager = await this.ioManager(node?.ioManager ?? "io_manager");
    try {
      return await manager.loadInput({
        assetKey: dep,
        downstreamKey: step.stepKey,
        runId: this.runId,
        partitionKey,
        definitionMetadata: node?.metadata ?? {},
        log: this.logger(step.stepKey),
      });
    } catch (error) {
      throw new UserCodeError(`loading input "${dep}"${partitionKey === null ? "" : ` (partition ${partitionKey})`} of "${step.stepKey}"`, error);
    }
  }

  private releaseInputs(step: PlannedStep): void {
    for (const dep of step.definition.deps) {
      const left = this.consumersLeft.get(dep);
      if (left === undefined) continue;
      if (left <= 1) {
        this.consumersLeft.delete(dep);
        this.values.delete(dep);
        this.partitionValues.delete(dep);
      } else {
        this.consumersLeft.set(dep, left - 1);
      }
    }
  }

  /** Stores each output, records its materialization, runs its checks. Returns failed blocking checks. */
  private async storeOutputs(
    step: PlannedStep,
    value: unknown,
    userMetadata: Record<string, unknown>,
    resources: Record<string, unknown>,
    partitionKey: string | null = null,
  ): Promise<string[]> {
    const outputs = outputsOf(step, value);
    const blockingFailures: string[] = [];
    for (const [assetKey, outputValue] of outputs) {
      const node = this.graph.assets.get(assetKey)!;
      const manager = await this.ioManager(node.ioManager);
      let stored: void | Record<string, unknown>;
      try {
        stored = await manager.handleOutput(
          { assetKey, runId: this.runId, partitionKey, definitionMetadata: node.metadata, log: this.logger(step.stepKey) },
          outputValue,
        );
      } catch (error) {
        throw new UserCodeError(`storing "${assetKey}" with I/O manager "${node.ioManager}"`, error);
      }
      const materialization: MaterializationData = {
        assetKey,
        metadata: { ...(stored ?? {}), ...userMetadata },
        partition: partitionKey,
        codeVersion: node.codeVersion ?? null,
      };
      const what = partitionKey === null ? assetKey : `${assetKey} (partition ${partitionKey})`;
      this.emit("ASSET_MATERIALIZATION", step.stepKey, "info", `Materialized ${what}`, { ...materialization });
      if ((this.consumersLeft.get(assetKey) ?? 0) > 0) {
        if (partitionKey === null) this.values.set(assetKey, outputValue);
        else {
          let held = this.partitionValues.get(assetKey);
          if (!held) this.partitionValues.set(assetKey, (held = new Map()));
          held.set(partitionKey, outputValue);
        }
      }

      for (const check of node.checks) {
        const log = this.logger(step.stepKey);
        const evaluation = await evaluateCheck(check, { value: outputValue, assetKey, runId: this.runId, log, resources });
        const level: LogLevel = evaluation.passed ? "info" : check.severity === "ERROR" ? "error" : "warn";
        const verdict = evaluation.passed ? "passed" : "failed";
        this.emit("ASSET_CHECK_EVALUATION", step.stepKey, level, `Check ${check.name} on ${assetKey} ${verdict}`, { ...evaluation });
        if (isBlockingFailure(evaluation)) blockingFailures.push(`${check.name} on ${assetKey}`);
      }
    }
    return blockingFailures;
  }

  private readonly ioManagers = new Map<string, Promise<IOManager>>();

  private ioManager(key: string): Promise<IOManager> {
    let manager = this.ioManagers.get(key);
    if (!manager) {
      manager = this.resources.get(key).then((value) => {
        if (!isIOManager(value)) {
          throw new TributaryError(`resource "${key}" is used as an I/O manager but has no handleOutput/loadInput methods`, {
            hint: "Provide an IOManager (see docs/io-managers.md) under that key.",
          });
        }
        return value;
      });
      this.ioManagers.set(key, manager);
    }
    return manager;
  }

  /** Records how a step ended and schedules (or skips) what depends on it. */
  private endStep(stepKey: string, status: StepStatus, durationMs: number, error?: string, thrown?: unknown, extra?: Record<string, unknown>): void {
    this.recordStepEnd(stepKey, status, durationMs, error, thrown, extra);
    const step = this.steps.get(stepKey)!;
    if (status === "SUCCESS") {
      for (const down of step.downstreamSteps) {
        const left = this.waitingOn.get(down)! - 1;
        this.waitingOn.set(down, left);
        if (left === 0 && this.state.get(down) === "pending") this.ready.push(down);
      }
    } else if (status === "FAILURE" || status === "SKIPPED") {
      this.skipDownstream(step, status === "FAILURE" ? `upstream step "${stepKey}" failed` : `upstream step "${stepKey}" was skipped`);
    }
  }

  private recordStepEnd(stepKey: string, status: StepStatus, durationMs: number, error?: string, thrown?: unknown, extra?: Record<string, unknown>): void {
    this.state.set(stepKey, status);
    const result: StepResult = { key: stepKey, status, durationMs };
    if (error !== undefined) result.error = error;
    this.results.set(stepKey, result);
    const data: Record<string, unknown> = { durationMs, ...(extra ?? {}) };
    if (thrown !== undefined) data.error = serializeError(thrown);
    else if (error !== undefined) data.reason = error;
    const message =
      status === "SUCCESS" ? `Finished ${stepKey} in ${durationMs} ms` : `${stepKey}: ${status.toLowerCase()}${error ? `: ${error}` : ""}`;
    const type: RunEventType = status === "SUCCESS" ? "STEP_SUCCESS" : status === "FAILURE" ? "STEP_FAILURE" : status === "SKIPPED" ? "STEP_SKIPPED" : "STEP_CANCELED";
    this.emit(type, stepKey, status === "SUCCESS" ? "info" : status === "FAILURE" ? "error" : "warn", message, data);
  }

  /** Skips everything downstream of a failed step; iterative, as chains may be 10,000 steps long. */
  private skipDownstream(step: PlannedStep, reason: string): void {
    const queue: [string, string][] = step.downstreamSteps.map((down) => [down, reason]);
    for (let index = 0; index < queue.length; index++) {
      const [down, why] = queue[index]!;
      if (this.state.get(down) !== "pending") continue;
      this.recordStepEnd(down, "SKIPPED", 0, why);
      for (const next of this.steps.get(down)!.downstreamSteps) queue.push([next, `upstream step "${down}" was skipped`]);
    }
  }

  private emit(type: RunEventType, stepKey: string | null, level: LogLevel, message: string, data?: Record<string, unknown>): void {
    const event: RunEvent = { runId: this.runId, timestamp: new Date().toISOString(), type, stepKey, level, message, data: data ?? null };
    this.writer.write(event);
    if (this.options.onEvent && !this.options.onEventWhenDurable) safely(this.options.onEvent, event);
  }

  private logger(stepKey: string | null, prefix?: string): Logger {
    const log = (level: LogLevel) => (message: string, data?: Record<string, unknown>) =>
      this.emit("LOG", stepKey, level, prefix ? `${prefix}: ${message}` : String(message), data);
    return { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") };
  }
}
