/**
 * The daemon's settings: the `daemon:` section of tributary.yaml, checked here (the config loader
 * passes it through as written, interpolated), with defaults for production and overrides for tests.
 */
import { ConfigError } from "../errors";
import type { TagLimit } from "../storage/port";

/** A concurrency limit on runs carrying a tag (`value` omitted: any value of the key). */
export type TagConcurrencyLimit = TagLimit;

/** Everything a daemon or a worker can be tuned with. Times in milliseconds. */
export interface DaemonSettings {
  /**
   * Runs in progress at once across every daemon and worker sharing the database (0: no limit
   * beyond each process's maxConcurrentRuns). @defaultValue 0
   */
  globalMaxConcurrentRuns: number;
  /** Runs this process executes at once. @defaultValue 10 */
  maxConcurrentRuns: number;
  /** Limits on runs in progress (across every coordinator) per tag. @defaultValue [] */
  tagConcurrencyLimits: TagConcurrencyLimit[];
  /** How often the coordinator looks for queued runs when nothing woke it. @defaultValue 1000 */
  queuePollMs: number;
  /** How often running runs get a heartbeat (and CANCELING runs are noticed). @defaultValue 2000 */
  heartbeatMs: number;
  /** How often the monitor looks for dead runs. @defaultValue 5000 */
  monitorIntervalMs: number;
  /** A run whose heartbeat is older than this is presumed dead. @defaultValue 30000 */
  heartbeatTimeoutMs: number;
  /** Runs longer than this are canceled (0: no limit; the run tag `tributary/max_runtime` in seconds overrides). @defaultValue 0 */
  maxRuntimeMs: number;
  /** A run whose worker died is retried as a new run up to this many times. @defaultValue 0 */
  maxRetries: number;
  /** How often the scheduler re-reads statuses when no tick is due sooner. @defaultValue 1000 */
  schedulerPollMs: number;
  /** How often sensors are looked at (each still waits its own minimumIntervalSeconds). @defaultValue 1000 */
  sensorPollMs: number;
  /** How often the daemon records its heartbeat. @defaultValue 5000 */
  daemonHeartbeatMs: number;
  /**
   * Worker processes kept warm (project loaded, storage open) ahead of runs, so a run starts in
   * milliseconds instead of a fork and a code load. 0 forks a fresh process for every run.
   * @defaultValue 1
   */
  warmWorkers: number;
}

/** The defaults, for production. */
export const DEFAULT_DAEMON_SETTINGS: DaemonSettings = {
  maxConcurrentRuns: 10,
  globalMaxConcurrentRuns: 0,
  tagConcurrencyLimits: [],
  queuePollMs: 1000,
  heartbeatMs: 2000,
  monitorIntervalMs: 5000,
  heartbeatTimeoutMs: 30_000,
  maxRuntimeMs: 0,
  maxRetries: 0,
  schedulerPollMs: 1000,
  sensorPollMs: 1000,
  daemonHeartbeatMs: 5000,
  warmWorkers: 1,
};

/** The keys of the `daemon:` section and the settings they fill (seconds in the file, ms here). */
const YAML_FIELDS: Record<string, { setting: keyof DaemonSettings; scale: number }> = {
  maxConcurrentRuns: { setting: "maxConcurrentRuns", scale: 1 },
  globalMaxConcurrentRuns: { setting: "globalMaxConcurrentRuns", scale: 1 },
  queuePollMs: { setting: "queuePollMs", scale: 1 },
  heartbeatSeconds: { setting: "heartbeatMs", scale: 1000 },
  monitorIntervalSeconds: { setting: "monitorIntervalMs", scale: 1000 },
  heartbeatTimeoutSeconds: { setting: "heartbeatTimeoutMs", scale: 1000 },
  maxRuntimeSeconds: { setting: "maxRuntimeMs", scale: 1000 },
  schedulerPollMs: { setting: "schedulerPollMs", scale: 1 },
  sensorPollMs: { setting: "sensorPollMs", scale: 1 },
  warmWorkers: { setting: "warmWorkers", scale: 1 },
};

/**
 * Reads the `daemon:` section of tributary.yaml.
 *
 * @example
 * ```yaml
 * daemon:
 *   maxConcurrentRuns: 4
 *   runRetries: { maxRetries: 1 }
 *   tagConcurrencyLimits: [{ key: database, value: warehouse, limit: 1 }]
 * ```
 * @throws ConfigError naming the field and what it takes.
 */
export function daemonSettingsFromConfig(section: Record<string, unknown> | undefined, file = "tributary.yaml"): DaemonSettings {
  const settings: DaemonSettings = { ...DEFAULT_DAEMON_SETTINGS, tagConcurrencyLimits: [] };
  const fail = (field: string, what: string, example: string): never => {
    throw new ConfigError(`${file}: daemon.${field} ${what}`, { hint: `For example: daemon: { ${example} }` });
  };
  for (const [key, value] of Object.entries(section ?? {})) {
    const field = YAML_FIELDS[key];
    if (field) {
      if (typeof value !== "number" || !(value >= 0)) fail(key, `must be a number >= 0, not ${JSON.stringify(value)}`, `${key}: 5`);
      (settings[field.setting] as number) = (value as number) * field.scale;
    } else if (key === "runRetries") {
      const maxRetries = (value as { maxRetries?: unknown } | null)?.maxRetries;
      if (typeof maxRetries !== "number" || !Number.isInteger(maxRetries) || maxRetries < 0) {
        fail("runRetries.maxRetries", "must be a whole number >= 0", "runRetries: { maxRetries: 1 }");
      }
      settings.maxRetries = maxRetries as number;
    } else if (key === "tagConcurrencyLimits") {
      if (!Array.isArray(value)) fail(key, "must be a list", "tagConcurrencyLimits: [{ key: database, limit: 1 }]");
      for (const item of value as unknown[]) {
        const limit = item as Partial<TagConcurrencyLimit> | null;
        if (!limit || typeof limit.key !== "string" || typeof limit.limit !== "number" || limit.limit < 0) {
          fail(key, `entries need a key and a limit, not ${JSON.stringify(item)}`, "tagConcurrencyLimits: [{ key: database, value: warehouse, limit: 1 }]");
        }
        settings.tagConcurrencyLimits.push({ key: limit!.key!, limit: limit!.limit!, ...(limit!.value === undefined ? {} : { value: String(limit!.value) }) });
      }
    } else {
      fail(key, "is not a daemon setting", `${[...Object.keys(YAML_FIELDS), "runRetries", "tagConcurrencyLimits"].join(", ")}`);
    }
  }
  return settings;
}
