/**
 * The scheduler: turns cron ticks of RUNNING schedules into QUEUED runs.
 *
 * Exactly one run per tick, whatever the number of daemons: every daemon wakes at the cron instant
 * and tries `createTick(name, tickTime)`; the database's unique key lets one win. The run key
 * (the tick instant) guards the run itself as well.
 *
 * Where a schedule resumes is kept on its ticks, not in memory: the latest tick made with the same
 * cron and time zone. After downtime the catch-up policy picks which missed instants still launch.
 * A changed cron (or zone) never inherits the old one's position, so editing a cron cannot launch
 * a run for an instant the new cron "missed" in the past; it starts from now. A stopped schedule
 * resumes from the moment it was started again, not from its last tick.
 */
import type { ScheduleDefinition } from "../definitions/schedule";
import { TributaryError } from "../errors";
import { planSelection } from "../execution/plan";
import type { LoadedProject } from "../loader";
import { RunConflictError } from "../storage/errors";
import type { Storage } from "../storage/port";
import type { InstigatorStatus, RunRecord, TickRecord } from "../types";
import { fireTimesBetween, parseCron, type CronSchedule } from "../schedules";
import type { RunSubmission } from "./services";
import { createLogger, type Logger } from "./logger";
import type { LoopHeartbeats } from "./loopHealth";
import { PollLoop } from "./pollLoop";
import type { StorageOutages } from "./storageWatch";

/** What the scheduler needs from the daemon. */
export interface SchedulerHost {
  storage: Storage;
  project(): LoadedProject | null;
  /** Enqueues a run (validating the selection against the current graph). */
  submit(request: RunSubmission): Promise<RunRecord>;
  pollMs: number;
  /** Where it logs (scoped to its component here). @defaultValue stderr, text */
  logger?: Logger;
  /** The daemon's loop heartbeats (`/api/health`); not watched when absent. */
  heartbeats?: LoopHeartbeats;
  /** The daemon's storage outages: logged once there, not per schedule and pass here. */
  outages?: StorageOutages;
  /** Clock, for tests. @defaultValue Date.now */
  now?: () => number;
}

/** The part of a tick's cursor that says which cron made it. */
interface ScheduleCursor {
  cron: string;
  timezone: string;
}

/** The status a schedule or sensor has: the stored one once set by a person, else the code's default. */
export async function effectiveStatus(storage: Storage, name: string, defaultStatus: InstigatorStatus): Promise<{ status: InstigatorStatus; since: number | null }> {
  const state = await storage.getInstigatorState(name);
  if (!state) return { status: defaultStatus, since: null };
  return { status: state.status, since: Date.parse(state.updatedAt) };
}

/** Evaluates every RUNNING schedule at its cron instants. */
export class Scheduler {
  /** Passes until the earliest next fire (timers fire ~1 ms late), at least every poll interval: statuses change and code reloads. */
  private readonly loop: PollLoop;
  /** When this process first saw a schedule's current cron with no tick of it: "now" for a changed cron. */
  private readonly firstSeen = new Map<string, { key: string; at: number }>();
  private readonly parsed = new Map<string, CronSchedule>();
  private readonly logger: Logger;

  constructor(private readonly host: SchedulerHost) {
    this.logger = (host.logger ?? createLogger()).scope({ component: "scheduler" });
    this.loop = new PollLoop({
      name: "scheduler",
      ...(host.heartbeats ? { heartbeats: host.heartbeats } : {}),
      pass: async () => {
        const nextFire = await this.evaluateAll();
        return nextFire === null ? undefined : nextFire - this.now();
      },
      pollMs: () => host.pollMs,
      onError: (error) => this.logger.error(`evaluation failed: ${describe(error)}`, { error: describe(error) }),
      ...(host.outages ? { outages: host.outages } : {}),
    });
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** The next instant each RUNNING schedule fires at (for the HTTP API's `nextTick`). */
  nextTick(definition: ScheduleDefinition): string | null {
    const next = this.cronOf(definition)?.nextAfter(this.now());
    return next ? new Date(next).toISOString() : null;
  }

  /** Wakes the loop at once (a schedule was started, or code reloaded). */
  wake(): void {
    this.loop.wake();
  }

  private now(): number {
    return (this.host.now ?? Date.now)();
  }

  /** Evaluates all schedules; resolves to the earliest next fire instant. */
  private async evaluateAll(): Promise<number | null> {
    const project = this.host.project();
    if (!project) return null;
    let earliest: number | null = null;
    await Promise.all(
      project.definitions.schedules.map(async (definition) => {
        try {
          const next = await this.evaluate(definition);
          if (next !== null && (earliest === null || next < earliest)) earliest = next;
        } catch (error) {
          if (!this.host.outages?.absorb(error)) this.logger.error(`schedule "${definition.name}": ${describe(error)}`, { schedule: definition.name, error: describe(error) });
        }
      }),
    );
    return earliest;
  }

  private cronOf(definition: ScheduleDefinition): CronSchedule | null {
    const key = `${definition.cron}\u0000${definition.timezone}`;
    let schedule = this.parsed.get(key);
    if (!schedule) {
      try {
        schedule = parseCron(definition.cron, definition.timezone);
      } catch (error) {
        this.logger.error(`schedule "${definition.name}" is not evaluated: ${describe(error)}`, { schedule: definition.name, error: describe(error) });
        return null;
      }
      this.parsed.set(key, schedule);
    }
    return schedule;
  }

  /** Launches the due ticks of one schedule; returns its next fire instant (null when stopped). */
  private async evaluate(definition: ScheduleDefinition): Promise<number | null> {
    const schedule = this.cronOf(definition);
    if (!schedule) return null;
    const { storage } = this.host;
    const { status, since } = await effectiveStatus(storage, definition.name, definition.defaultStatus);
    if (status !== "RUNNING") return null;
    const now = this.now();
    const from = await this.resumeFrom(definition, since, now);
    const due = fireTimesBetween(schedule, from, now, 10_000);
    const missed = missedCount(schedule, due, now);
    for (const tickTime of this.pickDue(definition, due, missed)) await this.fire(definition, tickTime, due.indexOf(tickTime) < missed);
    // Remember where we are for a cron that has no tick yet (nothing due now).
    return schedule.nextAfter(now);
  }

  /** The instant after which ticks are due: the latest tick of this cron, the start time, or now. */
  private async resumeFrom(definition: ScheduleDefinition, startedAt: number | null, now: number): Promise<number> {
    const key = `${definition.cron}\u0000${definition.timezone}`;
    const [latest] = await this.host.storage.listTicks(definition.name, { limit: 1 });
    const cursor = latest ? parseCursor(latest) : null;
    let from: number;
    if (latest && cursor?.cron === definition.cron && cursor.timezone === definition.timezone) {
      from = Date.parse(latest.tickTime);
    } else {
      // No tick of this cron yet: from when this process first saw it (a changed cron starts now).
      const seen = this.firstSeen.get(definition.name);
      if (!seen || seen.key !== key) this.firstSeen.set(definition.name, { key, at: now });
      from = this.firstSeen.get(definition.name)!.at;
    }
    // Started again after a stop: instants while it was stopped are not "missed".
    if (startedAt !== null && startedAt > from) from = startedAt;
    return from;
  }

  /** The due instants the catch-up policy launches; the first `missed` of `due` are missed. */
  private pickDue(definition: ScheduleDefinition, due: number[], missed: number): number[] {
    if (missed === 0) return due;
    const policy = definition.catchUp;
    if (policy === "none") {
      this.logger.warn(`schedule "${definition.name}": ${missed} missed tick(s) not launched (catchUp: "none")`, { schedule: definition.name, missed });
      return due.slice(missed);
    }
    const keep = policy === "latest" ? 1 : Math.max(1, policy.maxTicks);
    if (due.length > keep) this.logger.warn(`schedule "${definition.name}": ${due.length - keep} missed tick(s) skipped by the catch-up policy`, { schedule: definition.name, skipped: due.length - keep });
    return due.slice(-keep);
  }

  /** Creates the tick (one daemon wins) and, for the winner, the run. */
  private async fire(definition: ScheduleDefinition, instant: number, wasMissed: boolean): Promise<void> {
    const { storage } = this.host;
    const tickTime = new Date(instant).toISOString();
    const cursor = JSON.stringify({ cron: definition.cron, timezone: definition.timezone } satisfies ScheduleCursor);
    const tick = await storage.createTick({ instigatorName: definition.name, instigatorType: "schedule", tickTime, status: "STARTED", cursor });
    if (!tick) return; // another daemon has this tick
    try {
      const partitionKeys = closedPartitionKeys(this.host.project(), definition.selection, instant);
      const run = await this.host.submit({
        ...(partitionKeys ? { partitionKeys } : {}),
        selection: definition.selection,
        tags: { ...(definition.job?.tags ?? {}), ...definition.tags, "tributary/schedule": definition.name },
        instigator: { type: "schedule", name: definition.name, tickTime },
        runKey: tickTime,
      });
      await storage.updateTick(tick.tickId, { status: "SUCCESS", runIds: [run.runId], runKeys: [tickTime] });
      if (wasMissed) this.logger.info(`schedule "${definition.name}": launched missed tick ${tickTime}`, { schedule: definition.name, tickTime, runId: run.runId });
    } catch (error) {
      if (error instanceof RunConflictError) {
        await storage.updateTick(tick.tickId, { status: "SKIPPED", skipReason: `a run for tick ${tickTime} exists already` });
        return;
      }
      await storage.updateTick(tick.tickId, { status: "FAILURE", error: describe(error) });
      throw error;
    }
  }
}

/**
 * How many of the due instants (oldest first) are missed. A tick is missed once the schedule's next
 * instant after it has passed too, whatever the interval: every due instant but the latest, and the
 * latest as well when its successor is also due (the list was cut at its limit).
 */
function missedCount(schedule: CronSchedule, due: number[], now: number): number {
  if (due.length === 0) return 0;
  const afterLatest = schedule.nextAfter(due[due.length - 1]!);
  return due.length - 1 + (afterLatest !== null && afterLatest <= now ? 1 : 0);
}

/**
 * For a schedule of time-partitioned assets: the partition that just closed at the tick instant
 * (the daily partition of yesterday for a midnight tick). Undefined for unpartitioned selections.
 */
function closedPartitionKeys(project: LoadedProject | null, selection: string, instant: number): string[] | undefined {
  if (!project) return undefined;
  const partitions = planSelection(project.graph, selection).partitions;
  if (!partitions) return undefined;
  if (partitions.kind !== "time") {
    throw new TributaryError(`the selection "${selection}" has ${partitions.describe()}; a schedule can only pick time partitions`, {
      hint: "Use a sensor that requests partitionKey for static or dynamic partitions.",
    });
  }
  const key = partitions.lastClosedKey(new Date(instant));
  if (key === undefined) throw new TributaryError(`no partition of ${partitions.describe()} has closed at ${new Date(instant).toISOString()}`);
  return [key];
}

function parseCursor(tick: TickRecord): ScheduleCursor | null {
  try {
    const value = JSON.parse(tick.cursor ?? "null") as Partial<ScheduleCursor> | null;
    return value && typeof value.cron === "string" && typeof value.timezone === "string" ? (value as ScheduleCursor) : null;
  } catch {
    return null;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
