/**
 * The daemon's settings: the `daemon:` section of tributary.yaml in milliseconds, with defaults for
 * production and overrides for tests.
 */
import { DEFAULT_AUTOMATION_SECTION, DEFAULT_DAEMON_SECTION, type AutomationSection, type DaemonSection } from "../loader/configSchema";
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
   * The longest wait between two judgements of assets' freshness (a pass is also due the moment an
   * asset reaches its warnAfter or maxLag, and after each run). @defaultValue 30000
   */
  freshnessPollMs: number;
  /**
   * Worker processes kept warm (project loaded, storage open) ahead of runs, so a run starts in
   * milliseconds instead of a fork and a code load. 0 forks a fresh process for every run.
   * @defaultValue 1
   */
  warmWorkers: number;
  /**
   * A loop that has not completed a pass for this long is stalled (`/api/health`). Undefined: per
   * loop, five of its intervals and at least a minute. @defaultValue undefined
   */
  loopUnhealthyAfterMs?: number;
}

/**
 * Reads the `daemon:` section of tributary.yaml, already checked by the loader against the one
 * schema (loader/configSchema.ts, where its keys, defaults and messages live): seconds become
 * milliseconds here.
 *
 * @example
 * ```yaml
 * daemon:
 *   maxConcurrentRuns: 4
 *   runRetries: { maxRetries: 1 }
 *   tagConcurrencyLimits: [{ key: database, value: warehouse, limit: 1 }]
 * ```
 */
export function daemonSettingsFromConfig(section: DaemonSection = DEFAULT_DAEMON_SECTION): DaemonSettings {
  return {
    maxConcurrentRuns: section.maxConcurrentRuns,
    globalMaxConcurrentRuns: section.globalMaxConcurrentRuns,
    tagConcurrencyLimits: section.tagConcurrencyLimits.map((limit) => ({ ...limit })),
    queuePollMs: section.queuePollSeconds * 1000,
    heartbeatMs: section.heartbeatSeconds * 1000,
    monitorIntervalMs: section.monitorIntervalSeconds * 1000,
    heartbeatTimeoutMs: section.heartbeatTimeoutSeconds * 1000,
    maxRuntimeMs: section.maxRuntimeSeconds * 1000,
    maxRetries: section.runRetries.maxRetries,
    schedulerPollMs: section.schedulerPollSeconds * 1000,
    sensorPollMs: section.sensorPollSeconds * 1000,
    // Not a tributary.yaml setting: how often a daemon tells others it is alive.
    daemonHeartbeatMs: 5000,
    // Not a tributary.yaml setting either: passes are also due at each asset's boundaries.
    freshnessPollMs: 30_000,
    warmWorkers: section.warmWorkers,
    ...(section.loopUnhealthyAfterSeconds === undefined ? {} : { loopUnhealthyAfterMs: section.loopUnhealthyAfterSeconds * 1000 }),
  };
}

/** The defaults, for production: those of a tributary.yaml without a `daemon:` section. */
export const DEFAULT_DAEMON_SETTINGS: DaemonSettings = daemonSettingsFromConfig();

/** How the daemon evaluates automation conditions (the `automation:` section). Times in milliseconds. */
export interface AutomationSettings {
  /** One tick per interval across every daemon sharing the database. @defaultValue 30000 */
  intervalMs: number;
  /** Evaluations and ended ticks older than this are deleted. @defaultValue 7 days */
  retentionMs: number;
  /** Evaluations of each asset kept whatever their age. @defaultValue 100 */
  keepPerAsset: number;
  /**
   * A tick whose daemon has not touched it for this long is taken over by another daemon.
   * Not a tributary.yaml setting. @defaultValue max(60 s, 3 intervals)
   */
  tickLeaseMs: number;
}

/** Reads the `automation:` section of tributary.yaml (checked by the loader): seconds and days become milliseconds. */
export function automationSettingsFromConfig(section: AutomationSection = DEFAULT_AUTOMATION_SECTION): AutomationSettings {
  const intervalMs = section.intervalSeconds * 1000;
  return {
    intervalMs,
    retentionMs: section.retentionDays * 24 * 3600 * 1000,
    keepPerAsset: section.keepPerAsset,
    tickLeaseMs: Math.max(60_000, 3 * intervalMs),
  };
}
