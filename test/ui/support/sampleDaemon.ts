/**
 * The daemon-served lineage page for samples/warehouse: the real HTTP server
 * (runtime/src/daemon/http/server.ts: `/`, the bundle, `/api/assets`, `/api/events/stream`,
 * `POST /api/runs`) over real SQLite storage and the real loaded sample, with runs executed
 * in-process by the real executor as soon as they are submitted (standing in for the daemon core's
 * coordinator, which `tributary dev` will wire in).
 *
 * A gate can hold a run's step results: events before the first result (ASSET_MATERIALIZATION,
 * STEP_SUCCESS, STEP_FAILURE) of a batch are written at once, the rest wait until the test opens
 * the gate. So the UI's RUNNING colour is observable
 * deterministically, without sleeps.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { DaemonServices, ProjectState, RunSubmission } from "../../../runtime/src/daemon/services";
import { startHttpServer, type HttpServer } from "../../../runtime/src/daemon/http/server";
import { executeInProcess } from "../../../runtime/src/execution/executor";
import { planRun } from "../../../runtime/src/execution/plan";
import { loadProject } from "../../../runtime/src/loader";
import { openStorage } from "../../../runtime/src/storage";
import type { Storage } from "../../../runtime/src/storage/port";
import type { InstigatorState, InstigatorStatus, RunEvent, RunRecord } from "../../../runtime/src/types";
import { UI_DIST } from "./staticServer";

/** Path of the sample project. */
export const SAMPLE_DIR = resolve(__dirname, "..", "..", "..", "samples", "warehouse");

/** Events that carry a step's result: held while the gate is closed. */
const RESULT_EVENTS = new Set(["ASSET_MATERIALIZATION", "STEP_SUCCESS", "STEP_FAILURE"]);

class Gate {
  private opened = true;
  private waiters: Array<() => void> = [];
  close(): void {
    this.opened = false;
  }
  open(): void {
    this.opened = true;
    for (const waiter of this.waiters.splice(0)) waiter();
  }
  wait(): Promise<void> {
    return this.opened ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }
}

/** Real storage whose event appends can be held at the first step result (see the module comment). */
function gatedStorage(storage: Storage, gate: Gate): Storage {
  let chain = Promise.resolve();
  return new Proxy(storage, {
    get(target, property, receiver) {
      if (property !== "appendEvents") {
        const value = Reflect.get(target, property, receiver);
        return typeof value === "function" ? value.bind(target) : value;
      }
      return (events: RunEvent[]) => {
        const split = events.findIndex((event) => RESULT_EVENTS.has(event.type));
        const run = async () => {
          if (split === -1) return target.appendEvents(events);
          const head = split > 0 ? await target.appendEvents(events.slice(0, split)) : undefined;
          await gate.wait();
          const tail = await target.appendEvents(events.slice(split));
          return Array.isArray(head) && Array.isArray(tail) ? [...head, ...tail] : tail;
        };
        // Keep appends in order even while one waits at the gate.
        const result = chain.then(run);
        chain = result.then(() => undefined, () => undefined);
        return result;
      };
    },
  }) as Storage;
}

class SampleServices implements DaemonServices {
  readonly daemonId = `ui-test:${process.pid}:${randomUUID()}`;
  readonly mode = "dev" as const;
  private readonly listeners = new Set<() => void>();
  readonly runs: Array<Promise<unknown>> = [];

  constructor(
    readonly storage: Storage,
    private readonly state: ProjectState & { ok: true },
    private readonly valuesDir: string,
  ) {}

  project(): ProjectState {
    return this.state;
  }

  async submitRun(request: RunSubmission): Promise<RunRecord> {
    const plan = planRun(this.state.project.graph, request.selection);
    const run = await this.storage.createRun({
      runId: randomUUID(),
      status: "QUEUED",
      selection: request.selection,
      assetKeys: [...plan.assetKeys],
      tags: request.tags ?? {},
      instigator: null,
      runKey: null,
    });
    await this.storage.appendEvents([
      { runId: run.runId, timestamp: new Date().toISOString(), type: "RUN_QUEUED", stepKey: null, level: "info", message: "Run queued", data: null },
    ]);
    this.changed();
    this.runs.push(
      executeInProcess({
        definitions: this.state.project.definitions,
        graph: this.state.project.graph,
        storage: this.storage,
        storageDir: this.valuesDir,
        selection: run.selection,
        runId: run.runId,
        onEvent: () => this.changed(),
        onEventWhenDurable: true,
      }).finally(() => this.changed()),
    );
    return run;
  }

  async cancelRun(runId: string): Promise<RunRecord> {
    return (await this.storage.getRun(runId))!;
  }

  async setInstigatorStatus(name: string, status: InstigatorStatus): Promise<InstigatorState> {
    return this.storage.setInstigatorState({ name, type: "schedule", status });
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}

/** A running sample daemon page. */
export interface SampleDaemon {
  url: string;
  /** Hold step results (the first result event onwards) until `release()`. */
  hold(): void;
  release(): void;
  dispose(): Promise<void>;
}

/** Loads samples/warehouse, opens fresh SQLite storage and serves the page + API on a free port. */
export async function startSampleDaemon(): Promise<SampleDaemon> {
  const scratch = mkdtempSync(join(tmpdir(), "tributary-ui-"));
  // The marts go to a scratch SQLite file, not the sample's own .tributary/ folder.
  process.env.WAREHOUSE_SQLITE_PATH = join(scratch, "warehouse.db");
  delete process.env.WAREHOUSE_DATABASE_URL;
  const project = await loadProject(SAMPLE_DIR, { env: { ...process.env, TRIBUTARY_DATABASE_URL: "" } });
  const gate = new Gate();
  const storage = await openStorage({ kind: "sqlite", path: join(scratch, "state.db") });
  const services = new SampleServices(gatedStorage(storage, gate), { ok: true, project, loadedAt: new Date().toISOString() }, join(scratch, "values"));
  const server: HttpServer = await startHttpServer(services, { port: 0, uiDir: UI_DIST, log: () => {}, pollMs: 100 });
  return {
    url: server.url,
    hold: () => gate.close(),
    release: () => gate.open(),
    async dispose() {
      gate.open();
      await Promise.allSettled(services.runs);
      await server.close();
      await storage.close();
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}
