/**
 * The sensor loop: evaluates each RUNNING sensor every `minimumIntervalSeconds`, in the daemon
 * process, under a timeout. Every evaluation is a tick holding what it requested, its skip reason
 * or error, and the cursor after it; the latest tick's cursor is where the next evaluation starts.
 *
 * Several daemons: tick times are aligned on the sensor's interval grid, so daemons that look at the
 * same moment compute the same tick time and the unique tick key lets one evaluate. Run keys are
 * unique per sensor in storage, so a key is launched once ever, across restarts and daemons.
 *
 * A sensor is user code: one that throws or times out records a FAILURE tick and the daemon goes on.
 * (Code that blocks the event loop synchronously cannot be interrupted in-process; keep sensors async.)
 */
import { selectionToString } from "../definitions/job";
import type { Logger } from "../definitions/context";
import type { RunRequest, SensorContext, SensorDefinition, SensorResult } from "../definitions/sensor";
import { describeThrown } from "../errors";
import type { LoadedProject } from "../loader";
import { RunConflictError } from "../storage/errors";
import type { Storage } from "../storage/port";
import type { RunRecord } from "../types";
import { effectiveStatus } from "./scheduler";
import type { RunSubmission } from "./services";
import { PollLoop } from "./pollLoop";
import type { StorageOutages } from "./storageWatch";

/** What the sensor loop needs from the daemon. */
export interface SensorHost {
  storage: Storage;
  project(): LoadedProject | null;
  submit(request: RunSubmission): Promise<RunRecord>;
  notify(message: string, details: Record<string, unknown>): void;
  pollMs: number;
  log(message: string): void;
  /** The daemon's storage outages: logged once there, not per sensor and pass here. */
  outages?: StorageOutages;
}

/** Evaluates sensors until stopped. */
export class SensorLoop {
  private readonly loop: PollLoop;
  /** Sensors being evaluated by this process (a slow one does not block the others). */
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(private readonly host: SensorHost) {
    this.loop = new PollLoop({
      pass: () => this.lookAtAll(),
      pollMs: () => host.pollMs,
      onError: (error) => host.log(`[sensors] ${describeThrown(error)}`),
      ...(host.outages ? { outages: host.outages } : {}),
    });
  }

  start(): void {
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
    await Promise.all(this.inFlight.values());
  }

  /** Looks at every sensor now (a sensor was started, or code reloaded). */
  wake(): void {
    this.loop.wake();
  }

  private async lookAtAll(): Promise<void> {
    const project = this.host.project();
    if (!project) return;
    for (const definition of project.definitions.sensors) {
      if (this.inFlight.has(definition.name)) continue;
      const evaluation = this.maybeEvaluate(definition, project)
        .catch((error) => {
          if (!this.host.outages?.absorb(error)) this.host.log(`[sensors] sensor "${definition.name}": ${describeThrown(error)}`);
        })
        .finally(() => this.inFlight.delete(definition.name));
      this.inFlight.set(definition.name, evaluation);
    }
  }

  private async maybeEvaluate(definition: SensorDefinition, project: LoadedProject): Promise<void> {
    const { storage } = this.host;
    const { status } = await effectiveStatus(storage, definition.name, definition.defaultStatus);
    if (status !== "RUNNING") return;
    const intervalMs = definition.minimumIntervalSeconds * 1000;
    const [latest] = await storage.listTicks(definition.name, { limit: 1 });
    const slot = Math.floor(Date.now() / intervalMs) * intervalMs;
    if (latest && Date.parse(latest.tickTime) >= slot) return;
    const tickTime = new Date(slot).toISOString();
    const cursor = latest?.cursor ?? null;
    const tick = await storage.createTick({ instigatorName: definition.name, instigatorType: "sensor", tickTime, status: "STARTED", cursor });
    if (!tick) return; // another daemon evaluates this slot
    const outcome = await this.evaluate(definition, project, cursor, latest?.tickTime ?? null);
    if (outcome.error !== undefined) {
      await storage.updateTick(tick.tickId, { status: "FAILURE", error: outcome.error, cursor });
      this.host.log(`[sensors] sensor "${definition.name}" failed: ${outcome.error}`);
      return;
    }
    const runIds: string[] = [];
    const runKeys: string[] = [];
    const duplicates: string[] = [];
    for (const request of outcome.requests) {
      const launched = await this.launch(definition, request, tickTime);
      if (launched) {
        runIds.push(launched.runId);
        if (request.runKey !== undefined) runKeys.push(request.runKey);
      } else if (request.runKey !== undefined) {
        duplicates.push(request.runKey);
      }
    }
    const skipReason =
      runIds.length > 0
        ? null
        : (outcome.skip ?? (duplicates.length > 0 ? `run key(s) launched before: ${duplicates.slice(0, 5).join(", ")}` : "no run requested"));
    await storage.updateTick(tick.tickId, { status: runIds.length > 0 ? "SUCCESS" : "SKIPPED", runIds, runKeys, skipReason, cursor: outcome.cursor });
  }

  /** Launches a run request; null when its run key was launched before (by anyone, ever). */
  private async launch(definition: SensorDefinition, request: RunRequest, tickTime: string): Promise<RunRecord | null> {
    const runKey = request.runKey;
    if (runKey !== undefined && (await this.host.storage.findRunByKey(definition.name, runKey))) return null;
    const selection = request.selection === undefined ? definition.selection : selectionToString(request.selection, `sensor "${definition.name}"`, definition.location);
    try {
      return await this.host.submit({
        selection,
        tags: { ...(definition.job?.tags ?? {}), ...(request.tags ?? {}), "tributary/sensor": definition.name },
        instigator: { type: "sensor", name: definition.name, tickTime, ...(runKey === undefined ? {} : { runKey }) },
        runKey: runKey ?? null,
        ...(request.partitionKey === undefined ? {} : { partitionKeys: [request.partitionKey] }),
      });
    } catch (error) {
      if (error instanceof RunConflictError) return null; // another daemon launched the key first
      throw error;
    }
  }

  /** Runs the user's function under the timeout; never throws. */
  private async evaluate(
    definition: SensorDefinition,
    project: LoadedProject,
    cursor: string | null,
    lastTickTime: string | null,
  ): Promise<{ requests: RunRequest[]; skip?: string; cursor: string | null; error?: string }> {
    const abort = new AbortController();
    let nextCursor = cursor;
    const log = sensorLogger(definition.name, this.host.log);
    const context: SensorContext = {
      cursor,
      updateCursor: (value) => {
        nextCursor = value;
      },
      lastTickTime,
      log,
      signal: abort.signal,
      resources: {},
      sensorName: definition.name,
      projectDir: project.config.projectDir,
      instance: this.host.storage,
      notify: (message, details = {}) => this.host.notify(message, { sensor: definition.name, ...details }),
    };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        abort.abort();
        reject(new Error(`the evaluation timed out after ${definition.timeoutMs} ms (sensor timeoutMs)`));
      }, definition.timeoutMs);
    });
    try {
      const result = await Promise.race([Promise.resolve().then(() => definition.evaluate(context)), timeout]);
      return { ...normalizeResult(result), cursor: nextCursor };
    } catch (error) {
      return { requests: [], cursor, error: describeThrown(error) };
    } finally {
      clearTimeout(timer);
    }
  }
}

function normalizeResult(result: SensorResult): { requests: RunRequest[]; skip?: string } {
  if (result === null || result === undefined) return { requests: [] };
  if (Array.isArray(result)) return { requests: result };
  if (typeof result === "object" && "skip" in result && typeof result.skip === "string") return { requests: [], skip: result.skip };
  return { requests: [result as RunRequest] };
}

function sensorLogger(name: string, log: (message: string) => void): Logger {
  const line = (level: string) => (message: string, data?: Record<string, unknown>) =>
    log(`[sensor ${name}] ${level}: ${message}${data && Object.keys(data).length > 0 ? ` ${JSON.stringify(data)}` : ""}`);
  return { debug: () => undefined, info: line("info"), warn: line("warn"), error: line("error") };
}
