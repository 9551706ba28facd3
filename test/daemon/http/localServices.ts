/**
 * A small, real {@link DaemonServices} for the HTTP tests until the core's `Daemon` can serve them:
 * runs are really created QUEUED in storage (with a RUN_QUEUED event), canceled with real status
 * transitions and events, and executed in-process by the real executor when a test says so.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TypedEmitter, type DaemonEvents } from "../../../runtime/src/daemon/events";
import type { DaemonServices, ProjectState, RunSubmission } from "../../../runtime/src/daemon/services";
import { TributaryError } from "../../../runtime/src/errors";
import { executeInProcess } from "../../../runtime/src/execution/executor";
import { planRun } from "../../../runtime/src/execution/plan";
import { loadProject, type LoadedProject } from "../../../runtime/src/loader";
import type { RunResult } from "../../../runtime/src/execution/api";
import type { Storage } from "../../../runtime/src/storage/port";
import type { InstigatorState, InstigatorStatus, RunRecord } from "../../../runtime/src/types";

export class LocalDaemonServices implements DaemonServices {
  readonly daemonId = `test:${process.pid}:${randomUUID()}`;
  readonly mode = "dev" as const;
  readonly events = new TypedEmitter<DaemonEvents>();
  private readonly executions = new Map<string, AbortController>();
  private readonly storageDir = mkdtempSync(join(tmpdir(), "tributary-http-values-"));
  private loads = 1;
  private lastGood: LoadedProject | undefined;

  constructor(readonly storage: Storage, public state: ProjectState) {}

  project(): ProjectState {
    return this.state;
  }

  /** Loads the project again from its folder, as the core's Daemon does (a new version per good load). */
  async reloadCode(): Promise<ProjectState> {
    if (this.state.ok) this.lastGood = this.state.project;
    if (!this.lastGood) return this.state;
    try {
      const project = await loadProject(this.lastGood.config, { env: {} });
      this.state = { ok: true, project, loadedAt: new Date().toISOString(), codeVersion: `v${++this.loads}-local` };
    } catch (error) {
      this.state = { ok: false, error: { message: (error as Error).message }, failedAt: new Date().toISOString(), codeVersion: this.state.codeVersion };
    }
    this.events.emit("codeReloaded", { ok: this.state.ok, codeVersion: this.state.codeVersion, changedFiles: [] });
    return this.state;
  }

  async submitRun(request: RunSubmission): Promise<RunRecord> {
    const state = this.project();
    // As the core's Daemon does when no project ever loaded.
    if (!state.ok) throw new TributaryError(`cannot launch a run: the project does not load: ${state.error.message}`);
    const plan = planRun(state.project.graph, request.selection);
    const run = await this.storage.createRun({
      runId: randomUUID(),
      status: "QUEUED",
      selection: request.selection,
      assetKeys: [...plan.assetKeys],
      tags: { ...plan.jobTags, ...(request.tags ?? {}) },
      instigator: request.instigator ?? null,
      runKey: request.runKey ?? null,
    });
    await this.storage.appendEvents([
      { runId: run.runId, timestamp: new Date().toISOString(), type: "RUN_QUEUED", stepKey: null, level: "info", message: "Run queued", data: null },
    ]);
    this.events.emit("runQueued", { runId: run.runId, selection: run.selection, instigator: run.instigator && { type: run.instigator.type, name: run.instigator.name } });
    return run;
  }

  async cancelRun(runId: string): Promise<RunRecord> {
    const now = new Date().toISOString();
    if (await this.storage.transitionRun(runId, ["QUEUED"], "CANCELED", { endedAt: now, error: "canceled before it started" })) {
      await this.storage.appendEvents([
        { runId, timestamp: now, type: "RUN_CANCELED", stepKey: null, level: "warn", message: "Run canceled while queued", data: null },
      ]);
    } else if (await this.storage.transitionRun(runId, ["STARTING", "STARTED"], "CANCELING")) {
      this.executions.get(runId)?.abort();
    }
    const run = (await this.storage.getRun(runId))!;
    this.events.emit("runCancelRequested", { runId, status: run.status });
    return run;
  }

  async setInstigatorStatus(name: string, status: InstigatorStatus): Promise<InstigatorState> {
    if (!this.state.ok) throw new Error("project does not load");
    const { definitions } = this.state.project;
    const type = definitions.schedules.some((s) => s.name === name) ? "schedule" : definitions.sensors.some((s) => s.name === name) ? "sensor" : undefined;
    if (!type) throw new Error(`unknown instigator ${name}`);
    return this.storage.setInstigatorState({ name, type, status });
  }

  /** Executes a QUEUED run in this process, as a coordinator would. */
  async execute(runId: string): Promise<RunResult> {
    if (!this.state.ok) throw new Error("project does not load");
    const run = (await this.storage.getRun(runId))!;
    const controller = new AbortController();
    this.executions.set(runId, controller);
    try {
      return await executeInProcess({
        definitions: this.state.project.definitions,
        graph: this.state.project.graph,
        storage: this.storage,
        storageDir: this.storageDir,
        selection: run.selection,
        runId,
        signal: controller.signal,
        // Wake streams once events are in storage, where they read them.
        onEvent: () => this.events.emit("runEvent", { runId }),
        onEventWhenDurable: true,
      });
    } finally {
      this.executions.delete(runId);
      this.events.emit("runEnded", { runId, status: (await this.storage.getRun(runId))?.status ?? null, by: "coordinator" });
    }
  }
}
