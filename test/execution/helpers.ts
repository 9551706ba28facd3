import { openStorage } from "../../runtime/src/storage";
import type { Storage } from "../../runtime/src/storage/port";
import { executeInProcess } from "../../runtime/src/execution/executor";
import type { Definitions } from "../../runtime/src/definitions/definitions";
import type { RunEvent } from "../../runtime/src/types";
import type { RunResult } from "../../runtime/src/execution/api";
import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { ioManagerResolver } from "../../runtime/src/execution/assetIO";
import { planRun } from "../../runtime/src/execution/plan";
import { RunResources } from "../../runtime/src/execution/resources";
import { RunEventLog } from "../../runtime/src/execution/runEvents";
import { AssetGraph } from "../../runtime/src/graph/assetGraph";
import os from "node:os";
import path from "node:path";

/** Runs a selection in-process on a fresh in-memory SQLite storage; returns the result and events. */
export async function runInMemory(
  defs: Definitions,
  selection = "*",
  extra: { maxConcurrency?: number; signal?: AbortSignal; storage?: Storage } = {},
): Promise<{ result: RunResult; events: RunEvent[]; storage: Storage }> {
  const storage = extra.storage ?? (await openStorage({ kind: "sqlite", path: ":memory:" }));
  const events: RunEvent[] = [];
  const result = await executeInProcess({
    definitions: defs,
    storage,
    storageDir: mkdtempSync(path.join(os.tmpdir(), "tributary-exec-")),
    selection,
    ...(extra.maxConcurrency === undefined ? {} : { maxConcurrency: extra.maxConcurrency }),
    ...(extra.signal === undefined ? {} : { signal: extra.signal }),
    onEvent: (event) => events.push(event),
  });
  return { result, events, storage };
}

export function stepStatus(result: RunResult, key: string): string | undefined {
  return result.steps.find((step) => step.key === key)?.status;
}

/** A promise with its resolve function outside, to let a test hold a step until it decides. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/**
 * The parts the executor wires together for one run (graph, plan, each asset's I/O, a real event
 * log on in-memory SQLite), so the input loader and output writer can be tested alone.
 */
export async function runParts(defs: Definitions, selection = "*", partitionKeys: string[] = []) {
  const graph = new AssetGraph(defs);
  const plan = planRun(graph, selection, partitionKeys);
  const storage = await openStorage({ kind: "sqlite", path: ":memory:" });
  const runId = randomUUID();
  await storage.createRun({ runId, status: "STARTED", selection, assetKeys: [...plan.assetKeys] });
  const seen: RunEvent[] = [];
  const events = new RunEventLog(runId, { storage, onEvent: (event) => seen.push(event) });
  const resources = new RunResources(defs.resources, {}, runId, (key) => events.logger(null, `resource ${key}`));
  const step = (stepKey: string) => plan.steps.find((candidate) => candidate.stepKey === stepKey)!;
  const close = async () => {
    await events.close({ runId, update: { status: "SUCCESS" } });
    await storage.close();
  };
  return { graph, plan, runId, events, seen, ioFor: ioManagerResolver(graph, resources), step, close };
}
