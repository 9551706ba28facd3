import { openStorage } from "../../runtime/src/storage";
import type { Storage } from "../../runtime/src/storage/port";
import { executeInProcess } from "../../runtime/src/execution/executor";
import type { Definitions } from "../../runtime/src/definitions/definitions";
import type { RunEvent } from "../../runtime/src/types";
import type { RunResult } from "../../runtime/src/execution/api";
import { mkdtempSync } from "node:fs";
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
