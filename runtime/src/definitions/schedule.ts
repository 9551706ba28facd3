/** `schedule()`: a cron that launches a job or a selection, validated where it is defined. */
import { DefinitionError, type SourceLocation } from "../errors";
import type { InstigatorStatus } from "../types";
import { DEFINITION_KIND, kindOf } from "./brand";
import { isJob, selectionToString, validateName, type JobDefinition, type SelectionInput } from "./job";
import { callerLocation } from "../location";
import { cronProblem, isTimeZone } from "../schedules";

/** What to do with ticks missed while no daemon was running. */
export type CatchUpPolicy =
  | "latest"
  | "none"
  | { maxTicks: number };

/** A cron schedule that launches a job or a selection. */
export interface ScheduleDefinition {
  readonly [DEFINITION_KIND]: "schedule";
  readonly name: string;
  /** Cron expression (5 fields, or 6 with seconds first). */
  readonly cron: string;
  /** IANA time zone the cron is read in. @defaultValue "UTC" */
  readonly timezone: string;
  readonly job: JobDefinition | undefined;
  /** The selection string launched (the job's selection when a job is given). */
  readonly selection: string;
  readonly defaultStatus: InstigatorStatus;
  readonly catchUp: CatchUpPolicy;
  readonly description: string | undefined;
  readonly tags: Record<string, string>;
  readonly location: SourceLocation | undefined;
}

/**
 * Defines a schedule: a cron expression that launches a job (or a selection) on each tick.
 * Schedules are `STOPPED` until started, unless `defaultStatus: "RUNNING"` (as in Dagster).
 *
 * @example
 * ```ts
 * export const nightlySchedule = schedule({ name: "nightly_2am", cron: "0 2 * * *", job: nightly });
 * ```
 */
export function schedule(spec: {
  name: string;
  cron: string;
  job?: JobDefinition;
  selection?: SelectionInput;
  timezone?: string;
  defaultStatus?: InstigatorStatus;
  catchUp?: CatchUpPolicy;
  description?: string;
  tags?: Record<string, string>;
}): ScheduleDefinition {
  const location = callerLocation();
  const name = validateName(spec?.name, "schedule", location);
  const what = `schedule "${name}"`;
  if (typeof spec.cron !== "string" || spec.cron.trim() === "") {
    throw new DefinitionError(`${what}: cron must be a cron expression such as "0 2 * * *"`, { location });
  }
  const problem = cronProblem(spec.cron);
  if (problem) {
    throw new DefinitionError(`${what}: invalid cron "${spec.cron}": ${problem}`, {
      location,
      hint: 'Use 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first, e.g. "0 2 * * *".',
    });
  }
  if (spec.timezone !== undefined && !isTimeZone(spec.timezone)) {
    throw new DefinitionError(`${what}: unknown time zone ${JSON.stringify(spec.timezone)}`, {
      location,
      hint: 'Use an IANA name such as "UTC", "Europe/Paris" or "America/New_York".',
    });
  }
  const target = resolveTarget(spec, what, location);
  return {
    [DEFINITION_KIND]: "schedule",
    name,
    cron: spec.cron.trim(),
    timezone: spec.timezone ?? "UTC",
    ...target,
    defaultStatus: normalizeDefaultStatus(spec.defaultStatus, what, location),
    catchUp: spec.catchUp ?? "latest",
    description: spec.description,
    tags: { ...(spec.tags ?? {}) },
    location,
  };
}

export function isSchedule(value: unknown): value is ScheduleDefinition {
  return kindOf(value) === "schedule";
}

/** A schedule or a sensor targets a job or a selection, never both. */
export function resolveTarget(
  spec: { job?: JobDefinition | undefined; selection?: SelectionInput | undefined },
  what: string,
  location: SourceLocation | undefined,
): { job: JobDefinition | undefined; selection: string } {
  if (spec.job !== undefined && spec.selection !== undefined) {
    throw new DefinitionError(`${what}: give either job or selection, not both`, { location });
  }
  if (spec.job !== undefined) {
    if (!isJob(spec.job)) {
      throw new DefinitionError(`${what}: job must be a job from defineAssetJob()`, {
        location,
        hint: "If it is imported from another file, check for an import cycle (it is undefined then).",
      });
    }
    return { job: spec.job, selection: spec.job.selection };
  }
  if (spec.selection !== undefined) return { job: undefined, selection: selectionToString(spec.selection, what, location) };
  throw new DefinitionError(`${what}: needs a job or a selection to launch`, {
    location,
    hint: 'e.g. job: nightly, or selection: "group:warehouse"',
  });
}

export function normalizeDefaultStatus(
  value: unknown,
  what: string,
  location: SourceLocation | undefined,
): InstigatorStatus {
  if (value === undefined) return "STOPPED";
  if (value === "RUNNING" || value === "STOPPED") return value;
  throw new DefinitionError(`${what}: defaultStatus must be "RUNNING" or "STOPPED"`, { location });
}
