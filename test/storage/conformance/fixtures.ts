/** What every part of the storage conformance suite shares: the backend under test, a fresh storage per test, and records to write. */
import { randomUUID } from "node:crypto";
import type { NewRun, RunEvent, RunEventType } from "../../../runtime/src/types";

/**
 * A backend (or a test double) under test: `makeStorage` returns a fresh, migrated, empty storage
 * for each test; `dispose` closes it (and drops whatever the test created).
 */
export interface ConformanceBackend<S> {
  name: string;
  makeStorage(): Promise<S>;
  dispose(storage: S): Promise<void>;
}

/** Gives each test of the enclosing describe a fresh storage of `backend` (through `use`), and disposes of it after. */
export function useFreshStorage<S>(backend: ConformanceBackend<S>, use: (storage: S) => void): void {
  let made: S | undefined;
  beforeEach(async () => {
    made = undefined;
    made = await backend.makeStorage();
    use(made);
  });
  afterEach(async () => {
    // When makeStorage failed, its own error is the one worth reading.
    if (made !== undefined) await backend.dispose(made);
  });
}

/** A queued run with a fresh id (overrides win). */
export function newRun(overrides: Partial<NewRun> = {}): NewRun {
  return { runId: randomUUID(), status: "QUEUED", selection: "*", assetKeys: ["raw_orders", "stg_orders"], ...overrides };
}

/** An event of `runId` stamped now (overrides win). */
export function event(runId: string, type: RunEventType = "LOG", overrides: Partial<RunEvent> = {}): RunEvent {
  return { runId, timestamp: new Date().toISOString(), type, stepKey: null, level: "info", message: type, data: null, ...overrides };
}

/** An ASSET_MATERIALIZATION event of `assetKey`, of one partition when given. */
export function materialization(runId: string, assetKey: string, metadata: Record<string, unknown> = {}, partition?: string): RunEvent {
  return event(runId, "ASSET_MATERIALIZATION", {
    stepKey: assetKey,
    data: { assetKey, metadata, ...(partition === undefined ? {} : { partition }) },
  });
}

/** An ASSET_CHECK_EVALUATION event: a blocking check that passed (WARN) or failed (ERROR). */
export function checkEvaluation(runId: string, assetKey: string, checkName: string, passed: boolean): RunEvent {
  return event(runId, "ASSET_CHECK_EVALUATION", {
    stepKey: assetKey,
    data: { assetKey, checkName, passed, severity: passed ? "WARN" : "ERROR", blocking: true, metadata: { checked: checkName } },
  });
}
