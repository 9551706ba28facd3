import { sensor, type SensorContext, type SensorDefinition, type SensorResult } from "../../definitions/sensor";
import type { JobDefinition, SelectionInput } from "../../definitions/job";
import type { InstigatorStatus, RunRecord } from "../../types";

/** Final statuses a run status sensor can react to. */
export type WatchedRunStatus = "SUCCESS" | "FAILURE" | "CANCELED";

/** Options of {@link runStatusSensor}. */
export interface RunStatusSensorSpec {
  name: string;
  /** The status to react to. */
  status: WatchedRunStatus;
  /** Only runs launched by these schedules/sensors, or of runs tagged with these jobs' tags. @defaultValue every run */
  monitoredInstigators?: string[];
  /** A job or selection to launch when the callback returns run requests. */
  job?: JobDefinition;
  selection?: SelectionInput;
  /** @defaultValue 30 */
  minimumIntervalSeconds?: number;
  defaultStatus?: InstigatorStatus;
  description?: string;
}

/** Called once per run that reached the status; may return run requests. */
export type RunStatusCallback = (ctx: SensorContext, run: RunRecord) => SensorResult | Promise<SensorResult>;

/**
 * A sensor that calls `callback` once for every run that ended with `status` after the sensor
 * started (the cursor is the end time of the latest run handled). Without a job or selection it
 * only reacts (notify, log); with one, what the callback returns is launched.
 *
 * @example
 * ```ts
 * export const onSuccess = runStatusSensor({ name: "on_success", status: "SUCCESS" }, (ctx, run) => {
 *   ctx.notify(`run ${run.runId} succeeded`);
 * });
 * ```
 */
export function runStatusSensor(spec: RunStatusSensorSpec, callback: RunStatusCallback): SensorDefinition {
  const { status, monitoredInstigators, ...rest } = spec;
  const target = rest.job === undefined && rest.selection === undefined ? { selection: "*" } : {};
  return sensor({ ...rest, ...target, description: spec.description ?? `Runs that end ${status}` }, async (ctx) => {
    // The first evaluation starts from now: a new sensor does not replay the history.
    if (ctx.cursor === null) {
      ctx.updateCursor(new Date().toISOString());
      return { skip: "started watching runs" };
    }
    const after = ctx.cursor;
    const runs = (await ctx.instance.listRuns({ statuses: [status], limit: 200 }))
      .filter((run) => run.endedAt !== null && run.endedAt > after)
      .filter((run) => !monitoredInstigators || (run.instigator !== null && monitoredInstigators.includes(run.instigator.name)))
      .sort((a, b) => (a.endedAt! < b.endedAt! ? -1 : 1));
    if (runs.length === 0) return { skip: `no run ended ${status} since ${after}` };
    const requests = [];
    for (const run of runs) {
      const result = await callback(ctx, run);
      if (result && !(typeof result === "object" && "skip" in result)) requests.push(...(Array.isArray(result) ? result : [result]));
      ctx.updateCursor(run.endedAt);
    }
    if (rest.job === undefined && rest.selection === undefined) return { skip: `handled ${runs.length} run(s) that ended ${status}` };
    return requests;
  });
}

/**
 * A run status sensor for failures: `callback` is called once per run that ended FAILURE.
 *
 * @example
 * ```ts
 * export const alertOnFailure = runFailureSensor({ name: "alert_on_failure" }, (ctx, run) => {
 *   ctx.notify(`Run ${run.runId} failed: ${run.error}`, { selection: run.selection });
 * });
 * ```
 */
export function runFailureSensor(spec: Omit<RunStatusSensorSpec, "status">, callback: RunStatusCallback): SensorDefinition {
  return runStatusSensor({ ...spec, status: "FAILURE", description: spec.description ?? "Runs that fail" }, callback);
}
