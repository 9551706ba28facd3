/**
 * Which concern of the storage port owns which method, and composing a backend's storage from its
 * concern modules. Each backend implements each concern (RunStorage, EventStorage, ...) in a module
 * of its own over the backend's one connection; its storage class owns the lifecycle (migrate,
 * ping, close) and takes every concern method from the module that implements it, so adding a
 * method to a concern is one line in its port and one method in each backend's module for it.
 */
import type { AutomationStorage, DaemonStorage, EventStorage, FreshnessStorage, PartitionStorage, RunStorage, ScheduleStorage } from "./port";

/**
 * `names` typed so that the compiler rejects a list that leaves out a method of `Port` (the error
 * names the missing ones), or names one it does not have.
 */
function everyMethodOf<Port>() {
  return <const Names extends readonly (keyof Port)[]>(
    names: Names & ([Exclude<keyof Port, Names[number]>] extends [never] ? unknown : { missing: Exclude<keyof Port, Names[number]> }),
  ): Names => names;
}

/** The concern modules of one backend's storage, each over the backend's connection. */
export interface StorageConcerns {
  runs: RunStorage;
  events: EventStorage;
  schedules: ScheduleStorage;
  partitions: PartitionStorage;
  daemons: DaemonStorage;
  freshness: FreshnessStorage;
  automation: AutomationStorage;
}

/** The methods of each concern's port, by concern. */
export const CONCERN_METHODS = {
  runs: everyMethodOf<RunStorage>()([
    "createRun",
    "getRun",
    "listRuns",
    "countRuns",
    "updateRun",
    "transitionRun",
    "findRunByKey",
    "claimQueuedRuns",
    "heartbeatRuns",
    "listenForQueuedRuns",
  ]),
  events: everyMethodOf<EventStorage>()([
    "appendEvents",
    "endRunsAndClaim",
    "getRunEvents",
    "getRunEventStats",
    "getLatestMaterializations",
    "getAssetMaterializations",
    "getAssetCheckEvaluations",
    "getLatestCheckResults",
    "getAssetPartitions",
  ]),
  schedules: everyMethodOf<ScheduleStorage>()(["getInstigatorState", "setInstigatorState", "listInstigatorStates", "createTick", "updateTick", "listTicks"]),
  partitions: everyMethodOf<PartitionStorage>()([
    "dynamicPartitionKeys",
    "addDynamicPartitions",
    "removeDynamicPartitions",
    "createBackfill",
    "getBackfill",
    "listBackfills",
    "transitionBackfill",
    "getBackfillPartitions",
    "setBackfillPartitions",
    "getBackfillProgress",
  ]),
  daemons: everyMethodOf<DaemonStorage>()(["recordDaemonHeartbeat", "listDaemonHeartbeats"]),
  freshness: everyMethodOf<FreshnessStorage>()(["listAssetFreshness", "transitionAssetFreshness"]),
  automation: everyMethodOf<AutomationStorage>()([
    "createAutomationTick",
    "reclaimAutomationTick",
    "updateAutomationTick",
    "listAutomationTicks",
    "recordAutomationEvaluations",
    "setAutomationRunIds",
    "getAutomationStates",
    "listAutomationEvaluations",
    "pruneAutomation",
  ]),
} as const satisfies { [Concern in keyof StorageConcerns]: readonly (keyof StorageConcerns[Concern])[] };

/**
 * Gives `storage` every method of every concern, each calling the concern module that implements
 * it. An optional method the module leaves out (SQLite cannot listen for queued runs) stays absent.
 * Call it from the storage's constructor; the storage class declares the concern ports it gains
 * with an interface of its name (`interface SqliteStorage extends RunStorage, ... {}`). The methods
 * are the instance's own, so a subclass cannot override them with methods of its own: wrap the
 * concern module instead.
 */
export function delegateToConcerns(storage: object, concerns: StorageConcerns): void {
  for (const concern of Object.keys(CONCERN_METHODS) as (keyof StorageConcerns)[]) {
    const module = concerns[concern] as unknown as Record<string, unknown>;
    for (const name of CONCERN_METHODS[concern] as readonly string[]) {
      const method = module[name];
      if (method === undefined) continue;
      if (typeof method !== "function") throw new TypeError(`The ${concern} module's ${name} is not a method`);
      // Writable and configurable like a method on a prototype: proxies (the outage watch) and
      // tests wrap or replace a storage's methods; not enumerable, so a spread copies no method.
      Object.defineProperty(storage, name, { value: method.bind(module), writable: true, enumerable: false, configurable: true });
    }
  }
}
