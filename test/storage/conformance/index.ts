/**
 * The storage conformance suite: every behaviour of the Storage port, one part per concern (runs,
 * events, schedules, partitions, daemons, freshness, automation) and one for the storage as a whole, run against each
 * backend (test/storage/sqlite.test.ts, test/storage/postgres.test.ts). A backend is correct when it
 * passes all of it; backend-specific tests live next to those files. Each part takes only the ports
 * it tests, so one concern's implementation (or a test double of it) can be tested alone
 * (test/storage/concernDoubles.test.ts).
 */
import type { Storage } from "../../../runtime/src/storage/port";
import { automationConformance } from "./automation";
import { daemonConformance } from "./daemons";
import { eventConformance } from "./events";
import { freshnessConformance } from "./freshness";
import { lifecycleConformance, type ConformanceHooks } from "./lifecycle";
import { partitionConformance } from "./partitions";
import { runConformance } from "./runs";
import { scheduleConformance } from "./schedules";

export { checkEvaluation, event, materialization, newRun, type ConformanceBackend } from "./fixtures";
export type { ConformanceHooks } from "./lifecycle";
export { automationConformance, daemonConformance, eventConformance, freshnessConformance, partitionConformance, runConformance, scheduleConformance };

/**
 * Registers every part of the conformance suite for one backend. `makeStorage` returns a fresh,
 * migrated, empty storage for each test; `dispose` closes it (and drops whatever the test created).
 */
export function storageConformance(
  name: string,
  makeStorage: () => Promise<Storage>,
  dispose: (storage: Storage) => Promise<void>,
  hooks: ConformanceHooks,
): void {
  const backend = { name, makeStorage, dispose };
  runConformance(backend);
  eventConformance(backend);
  scheduleConformance(backend);
  partitionConformance(backend);
  daemonConformance(backend);
  freshnessConformance(backend);
  automationConformance(backend);
  lifecycleConformance(backend, hooks);
}
