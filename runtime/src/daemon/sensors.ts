/**
 * The sensor loop: evaluates each RUNNING sensor every `minimumIntervalSeconds`, under its timeout.
 * Every evaluation is a tick holding what it requested, its skip reason or error, and the cursor
 * after it; the latest tick's cursor is where the next evaluation starts.
 *
 * Several daemons: tick times are aligned on the sensor's interval grid, so daemons that look at the
 * same moment compute the same tick time and the unique tick key lets one evaluate. Run keys are
 * unique per sensor in storage, so a key is launched once ever, across restarts and daemons.
 *
 * A sensor is user code, evaluated in a worker process (EvaluationWorker), never on the daemon's
 * event loop: one that throws or times out records a FAILURE tick, one that blocks its process past
 * its timeout has that process killed, and the daemon (its HTTP API, the heartbeats of its runs, its
 * other loops) goes on meanwhile.
 */
import type { SensorDefinition } from "../definitions/sensor";
import { describeThrown } from "../errors";
import type { EvaluationWorker } from "../execution/evaluationWorker";
import type { SensorRunRequest } from "../execution/sensorEvaluation";
import type { LoadedProject } from "../loader";
import { RunConflictError } from "../storage/errors";
import type { Storage } from "../storage/port";
import type { RunRecord } from "../types";
import { effectiveStatus } from "./scheduler";
import type { RunSubmission } from "./services";
import { createLogger, type Logger } from "./logger";
import type { LoopHeartbeats } from "./loopHealth";
import { PollLoop } from "./pollLoop";
import type { StorageOutages } from "./storageWatch";

/** What the sensor loop needs from the daemon. */
export interface SensorHost {
  storage: Storage;
  project(): LoadedProject | null;
  submit(request: RunSubmission): Promise<RunRecord>;
  /** Where sensors' code runs. */
  evaluations: EvaluationWorker;
  notify(message: string, details: Record<string, unknown>): void;
  pollMs: number;
  /** Where it logs (scoped to its component here). @defaultValue stderr, text */
  logger?: Logger;
  /** The daemon's loop heartbeats (`/api/health`); not watched when absent. */
  heartbeats?: LoopHeartbeats;
  /** The daemon's storage outages: logged once there, not per sensor and pass here. */
  outages?: StorageOutages;
}

/** Evaluates sensors until stopped. */
export class SensorLoop {
  private readonly loop: PollLoop;
  /** Sensors being evaluated by this process (a slow one does not block the others). */
  private readonly inFlight = new Map<string, Promise<void>>();

  private readonly logger: Logger;

  constructor(private readonly host: SensorHost) {
    this.logger = (host.logger ?? createLogger()).scope({ component: "sensors" });
    this.loop = new PollLoop({
      name: "sensors",
      ...(host.heartbeats ? { heartbeats: host.heartbeats } : {}),
      pass: () => this.lookAtAll(),
      pollMs: () => host.pollMs,
      onError: (error) => this.logger.error(describeThrown(error)),
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
      const evaluation = this.maybeEvaluate(definition)
        .catch((error) => {
          if (!this.host.outages?.absorb(error)) this.logger.error(`sensor "${definition.name}": ${describeThrown(error)}`, { sensor: definition.name });
        })
        .finally(() => this.inFlight.delete(definition.name));
      this.inFlight.set(definition.name, evaluation);
    }
  }

  private async maybeEvaluate(definition: SensorDefinition): Promise<void> {
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
    const evaluated = await this.evaluate(definition, cursor, latest?.tickTime ?? null);
    if (!evaluated.ok) {
      await storage.updateTick(tick.tickId, { status: "FAILURE", error: evaluated.error, cursor });
      this.logger.error(`sensor "${definition.name}" failed: ${evaluated.error}`, { sensor: definition.name });
      return;
    }
    const outcome = evaluated.output;
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
  private async launch(definition: SensorDefinition, request: SensorRunRequest, tickTime: string): Promise<RunRecord | null> {
    const runKey = request.runKey;
    if (runKey !== undefined && (await this.host.storage.findRunByKey(definition.name, runKey))) return null;
    const selection = request.selection ?? definition.selection;
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

  /** A line the sensor's own code logged (`context.log`): `[sensor NAME] level: message`. */
  private sensorLog(name: string, level: "info" | "warn" | "error", message: string): void {
    this.logger.scope({ component: `sensor ${name}`, sensor: name }).log(level, `${level}: ${message}`, { userCode: true });
  }

  /** Evaluates the sensor's function in the evaluation worker, under its timeout; never throws. */
  private evaluate(definition: SensorDefinition, cursor: string | null, lastTickTime: string | null) {
    const { name } = definition;
    return this.host.evaluations.evaluate("sensor", name, { cursor, lastTickTime }, {
      timeoutMs: definition.timeoutMs,
      what: `sensor "${name}"`,
      timeoutSetting: "sensor timeoutMs",
      onLog: (level, message) => this.sensorLog(name, level, message),
      onNotify: (message, details) => this.host.notify(message, { sensor: name, ...details }),
    });
  }
}
