import { DefinitionError, type SourceLocation } from "../errors";
import type { AssetKey, CheckResultRecord, InstigatorStatus, MaterializationRecord, RunRecord, RunStatus, StoredRunEvent } from "../types";
import { DEFINITION_KIND, kindOf } from "./brand";
import type { Logger } from "./context";
import { validateName, type JobDefinition, type SelectionInput } from "./job";
import { callerLocation } from "../location";
import { normalizeDefaultStatus, resolveTarget } from "./schedule";

/** Asks the daemon to launch a run. */
export interface RunRequest {
  /** At most one run per run key per sensor, ever (across restarts and daemons). */
  runKey?: string;
  /** Overrides the sensor's selection for this run. */
  selection?: SelectionInput;
  tags?: Record<string, string>;
  /** The partition to materialize, for a selection of partitioned assets (e.g. the day of a new file). */
  partitionKey?: string;
}

/** Tells why a sensor evaluation launched nothing (recorded on the tick). */
export interface SkipReason {
  skip: string;
}

/** What a sensor evaluation receives. */
export interface SensorContext {
  /** The cursor the previous evaluation stored, or null. */
  readonly cursor: string | null;
  /** Stores a cursor for the next evaluation (committed with the tick). */
  updateCursor(cursor: string | null): void;
  readonly lastTickTime: string | null;
  readonly log: Logger;
  readonly signal: AbortSignal;
  readonly resources: Record<string, unknown>;
  /** The sensor's name. */
  readonly sensorName: string;
  /** The project folder (tributary.yaml's folder); relative paths in sensors are read from it. */
  readonly projectDir: string;
  /** Read access to runs and assets (what built-in asset and run status sensors look at). */
  readonly instance: SensorInstance;
  /**
   * Sends a message to the webhooks of tributary.yaml's `notifications:` section (never throws,
   * never blocks: delivery is retried in the background).
   */
  notify(message: string, details?: Record<string, unknown>): void;
}

/** What a sensor may read from the Tributary instance. */
export interface SensorInstance {
  getLatestMaterializations(keys?: AssetKey[]): Promise<MaterializationRecord[]>;
  getLatestCheckResults(keys?: AssetKey[]): Promise<CheckResultRecord[]>;
  listRuns(filter?: { statuses?: RunStatus[]; limit?: number; instigatorName?: string; tags?: Record<string, string> }): Promise<RunRecord[]>;
  getRun(runId: string): Promise<RunRecord | null>;
  getRunEvents(runId: string, options?: { afterId?: number; limit?: number }): Promise<StoredRunEvent[]>;
}

/** What a sensor evaluation may return: one or several run requests, a skip reason, or nothing. */
export type SensorResult = RunRequest | RunRequest[] | SkipReason | null | undefined | void;

/** A sensor: a function evaluated periodically that may request runs. */
export interface SensorDefinition {
  readonly [DEFINITION_KIND]: "sensor";
  readonly name: string;
  readonly job: JobDefinition | undefined;
  readonly selection: string;
  readonly minimumIntervalSeconds: number;
  readonly defaultStatus: InstigatorStatus;
  /** Evaluation timeout in milliseconds. @defaultValue 60000 */
  readonly timeoutMs: number;
  readonly resources: readonly string[];
  readonly description: string | undefined;
  readonly evaluate: (ctx: SensorContext) => SensorResult | Promise<SensorResult>;
  readonly location: SourceLocation | undefined;
}

/**
 * Defines a sensor: evaluated every `minimumIntervalSeconds`, it returns run requests (or a skip
 * reason). Run keys de-duplicate: a key is launched once per sensor, ever.
 *
 * @example
 * ```ts
 * export const newFiles = sensor({ name: "new_files", job: nightly }, async (ctx) => {
 *   const latest = await newestFile("data/");
 *   return latest ? { runKey: latest.name } : { skip: "no new file" };
 * });
 * ```
 */
export function sensor(
  spec: {
    name: string;
    job?: JobDefinition;
    selection?: SelectionInput;
    minimumIntervalSeconds?: number;
    defaultStatus?: InstigatorStatus;
    timeoutMs?: number;
    resources?: string[];
    description?: string;
  },
  evaluate: (ctx: SensorContext) => SensorResult | Promise<SensorResult>,
): SensorDefinition {
  const location = callerLocation();
  const name = validateName(spec?.name, "sensor", location);
  const what = `sensor "${name}"`;
  if (typeof evaluate !== "function") {
    throw new DefinitionError(`${what}: the second argument must be the evaluation function`, { location });
  }
  const interval = spec.minimumIntervalSeconds ?? 30;
  if (typeof interval !== "number" || !(interval > 0)) {
    throw new DefinitionError(`${what}: minimumIntervalSeconds must be a positive number`, { location });
  }
  return {
    [DEFINITION_KIND]: "sensor",
    name,
    ...resolveTarget(spec, what, location),
    minimumIntervalSeconds: interval,
    defaultStatus: normalizeDefaultStatus(spec.defaultStatus, what, location),
    timeoutMs: spec.timeoutMs ?? 60_000,
    resources: [...(spec.resources ?? [])],
    description: spec.description,
    evaluate,
    location,
  };
}

export function isSensor(value: unknown): value is SensorDefinition {
  return kindOf(value) === "sensor";
}
