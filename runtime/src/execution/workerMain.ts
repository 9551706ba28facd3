/**
 * Entry of a run worker process (forked by `launchRunInWorker`). It loads the project itself, so a
 * crash, an OOM or a hang in user code takes down this process only, never the CLI or the daemon.
 */
import { join } from "node:path";
import { SelectionSyntaxError, TributaryError, serializeError } from "../errors";
import { loadProject } from "../loader";
import { openStorage, type Storage } from "../storage";
import type { RunEvent } from "../types";
import { executeInProcess } from "./executor";
import { EmptySelectionError } from "./plan";
import type { ParentMessage, StartMessage, WorkerMessage } from "./workerProtocol";

const EVENT_BATCH_MS = 20;
const HEARTBEAT_MS = 1_000;

function send(message: WorkerMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
}

async function run(start: StartMessage, cancel: AbortController): Promise<void> {
  let pending: RunEvent[] = [];
  let timer: NodeJS.Timeout | undefined;
  const flushEvents = () => {
    timer = undefined;
    if (pending.length === 0) return Promise.resolve();
    const events = pending;
    pending = [];
    return send({ type: "events", events });
  };
  let storage: Storage | undefined;
  try {
    // User code sees the project folder as its working directory, as with the CLI run from there.
    process.chdir(start.projectDir);
    const project = await loadProject(start.projectDir);
    storage = await openStorage(start.storage);
    const result = await executeInProcess({
      definitions: project.definitions,
      graph: project.graph,
      storage,
      storageDir: join(project.config.storageDir, "storage"),
      selection: start.selection,
      runId: start.runId,
      tags: start.tags,
      instigator: start.instigator,
      runKey: start.runKey,
      ...(start.maxConcurrency === undefined ? {} : { maxConcurrency: start.maxConcurrency }),
      signal: cancel.signal,
      onEventWhenDurable: true,
      onAttemptStart: (attempt) => void send({ type: "attempt", ...attempt }),
      onEvent: (event) => {
        pending.push(event);
        timer ??= setTimeout(flushEvents, EVENT_BATCH_MS);
      },
    });
    if (timer) clearTimeout(timer);
    await flushEvents();
    await send({ type: "result", result });
  } catch (error) {
    if (timer) clearTimeout(timer);
    await flushEvents();
    const usage = error instanceof SelectionSyntaxError || error instanceof EmptySelectionError;
    await send({
      type: "fatal",
      error: {
        ...serializeError(error),
        ...(error instanceof TributaryError && error.hint ? { hint: error.hint } : {}),
        usage,
      },
    });
  } finally {
    await storage?.close().catch(() => undefined);
  }
}

function main(): void {
  const cancel = new AbortController();
  const heartbeat = setInterval(() => void send({ type: "heartbeat" }), HEARTBEAT_MS);
  process.on("message", (message: ParentMessage) => {
    if (message.type === "cancel") cancel.abort();
    else if (message.type === "start") {
      void run(message, cancel).finally(() => {
        clearInterval(heartbeat);
        // Steps abandoned after a timeout may still hold the event loop: the run is over, so go.
        process.disconnect?.();
        setImmediate(() => process.exit(0));
      });
    }
  });
  // The parent going away means nobody will read the result: stop instead of running orphaned.
  process.on("disconnect", () => cancel.abort());
}

main();
