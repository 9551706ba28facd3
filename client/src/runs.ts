/**
 * Materialize from the editor: make sure a daemon answers (starting the local one if allowed),
 * ask which partitions of a partitioned asset, `POST /api/runs` (or a backfill), then follow the run's event stream in a progress notification with Cancel,
 * write every event to the "Tributary Runs" output channel, and end with a message offering
 * "Open Run" (the run's console page, consolePanel.ts) / "Show logs" / "Show lineage".
 */
import * as vscode from "vscode";
import { type BackfillJson, FINAL_BACKFILL_STATUSES, FINAL_RUN_STATUSES, type RunEventJson } from "tributary-ts/wire";
import type { DaemonApi } from "./api";
import { readConfig } from "./config";
import type { Ctx } from "./ctx";
import { showError } from "./errors";

/** Run statuses after which nothing changes (`runStatus` is a string while it is read from events). */
const FINAL_STATUSES: ReadonlySet<string> = new Set(FINAL_RUN_STATUSES);
import { type PartitionChoice, pickPartitions } from "./partitionPick";

/** How a materialization ended, as the commands and tests see it. */
export interface RunOutcome {
  runId: string;
  status: string;
  /** Steps by status, e.g. `{ SUCCESS: 3, FAILURE: 1 }`. */
  steps: Record<string, number>;
  error?: string;
}

const STEP_END = new Map([
  ["STEP_SUCCESS", "SUCCESS"],
  ["STEP_FAILURE", "FAILURE"],
  ["STEP_SKIPPED", "SKIPPED"],
  ["STEP_CANCELED", "CANCELED"],
]);

/** How a backfill of a range of partitions ended. */
export interface BackfillOutcome {
  backfillId: string;
  status: string;
  partitions: BackfillJson["partitions"];
}

/** The asset a Materialize names (CodeLens, cursor): when it is partitioned, the user picks partitions. */
export interface MaterializeTarget {
  key: string;
}

/**
 * Materializes `selection` with progress. When `target` is a partitioned asset (the daemon knows),
 * asks which partitions first: the latest (one run), a range (a backfill), or all (one run).
 * Resolves with the outcome, or undefined when it did not start (dismissed, or the reason has
 * been shown to the user).
 */
export async function materialize(ctx: Ctx, selection: string, target?: MaterializeTarget): Promise<RunOutcome | BackfillOutcome | undefined> {
  let api: DaemonApi;
  let choice: PartitionChoice = { kind: "all" };
  let label = selection;
  try {
    api = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: "Tributary" },
      async (progress) => {
        if (ctx.daemon.state === "stopped") progress.report({ message: `Starting the local daemon for ${selection}…` });
        return ctx.daemon.ensureRunning();
      },
    );
    const status = target ? await api.partitionStatus(target.key) : undefined;
    if (target && status && status.total > 0) {
      const picked = await pickPartitions(target.key, status);
      if (!picked) return undefined;
      choice = picked;
    }
    if (choice.kind === "range") {
      label = `${selection} [${choice.from}…${choice.to}]`;
      const backfill = await api.createBackfill(selection, choice.from, choice.to);
      return await followBackfill(ctx, api, backfill, label);
    }
    if (choice.kind === "latest") label = `${selection} [${choice.key}]`;
    const runId = await api.submitRun(selection, choice.kind === "latest" ? choice.key : undefined);
    return await followRun(ctx, api, runId, label);
  } catch (error) {
    ctx.lastCommandError = { command: "materialize", message: `Cannot materialize ${label}: ${error instanceof Error ? error.message : String(error)}` };
    void showError(error, `Cannot materialize ${label}: `);
    return undefined;
  }
}

/** Follows a backfill to its end in a progress notification (partitions done of total); Cancel stops it. */
async function followBackfill(ctx: Ctx, api: DaemonApi, started: BackfillJson, label: string): Promise<BackfillOutcome> {
  const log = ctx.runLogs;
  log.appendLine(`── backfill ${started.backfillId} · ${label} · ${started.partitions.total} partitions · ${new Date().toLocaleString()}`);
  let summary = started;
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Backfilling ${label}`, cancellable: true },
    async (progress, token) => {
      token.onCancellationRequested(() => {
        progress.report({ message: "canceling…" });
        api.cancelBackfill(summary.backfillId).catch((error) => void showError(error, "Could not cancel the backfill: "));
      });
      while (!FINAL_BACKFILL_STATUSES.includes(summary.status)) {
        const { done, failed, total } = summary.partitions;
        progress.report({ message: `${done + failed}/${total} partitions${failed > 0 ? ` (${failed} failed)` : ""}` });
        await new Promise((resolve) => setTimeout(resolve, 1000));
        try {
          summary = await api.backfill(summary.backfillId);
        } catch {
          // Keep trying while the daemon restarts.
        }
      }
    },
  );
  const { done, failed, total } = summary.partitions;
  log.appendLine(`── backfill ${summary.backfillId} ${summary.status}: ${done}/${total} done, ${failed} failed`);
  ctx.nudgeServer();
  const text = `Backfill of ${label} ${summary.status.toLowerCase()}: ${done}/${total} partitions done${failed > 0 ? `, ${failed} failed` : ""}.`;
  void (summary.status === "COMPLETED" ? vscode.window.showInformationMessage(text, "Open Backfill") : vscode.window.showWarningMessage(text, "Open Backfill")).then((choice) => {
    if (choice === "Open Backfill") void vscode.commands.executeCommand("tributary.openConsole", `/backfills/${encodeURIComponent(summary.backfillId)}`);
  });
  return { backfillId: summary.backfillId, status: summary.status, partitions: summary.partitions };
}

/** Follows one run to its end in a progress notification; Cancel asks the daemon to cancel it. */
async function followRun(ctx: Ctx, api: DaemonApi, runId: string, selection: string): Promise<RunOutcome> {
  const log = ctx.runLogs;
  log.appendLine(`── run ${runId} · ${selection} · ${new Date().toLocaleString()}`);
  const steps = new Map<string, string>();
  let runStatus = "QUEUED";
  let runError: string | undefined;
  const started = Date.now();

  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Materializing ${selection}`, cancellable: true },
    async (progress, token) => {
      const controller = new AbortController();
      token.onCancellationRequested(() => {
        log.appendLine(`   cancel requested`);
        progress.report({ message: "canceling…" });
        api.cancel(runId).catch((error) => void showError(error, "Could not cancel the run: "));
      });
      let total = 0;
      const onEvent = (event: RunEventJson): void => {
        log.appendLine(formatEvent(event));
        if (event.type === "RUN_START" && Array.isArray(event.data?.["assetKeys"])) total = (event.data["assetKeys"] as unknown[]).length;
        if (event.stepKey && event.type === "STEP_START") steps.set(event.stepKey, "RUNNING");
        const ended = STEP_END.get(event.type);
        if (event.stepKey && ended) steps.set(event.stepKey, ended);
        if (event.type.startsWith("RUN_")) runStatus = event.type.slice(4) === "START" ? "STARTED" : event.type.slice(4);
        if (event.type === "RUN_FAILURE" || event.type === "RUN_CANCELED") runError = event.message;
        const done = [...steps.values()].filter((s) => s !== "RUNNING").length;
        const running = [...steps].filter(([, s]) => s === "RUNNING").map(([k]) => k);
        const of = total > 0 ? `${done}/${total}` : `${done}`;
        progress.report({ message: running.length > 0 ? `${of} done · running ${running.slice(0, 3).join(", ")}${running.length > 3 ? "…" : ""}` : `${of} done` });
        if (FINAL_STATUSES.has(runStatus)) controller.abort();
      };
      try {
        await api.streamRunEvents(runId, onEvent, controller.signal);
      } catch (error) {
        log.appendLine(`   event stream lost (${error instanceof Error ? error.message : String(error)}); reading the run's status instead`);
      }
      // The stream ends with the run; the run record is the authority on how it ended.
      for (let i = 0; !FINAL_STATUSES.has(runStatus) && i < 600; i++) {
        try {
          const run = await api.run(runId);
          runStatus = run.status;
          runError = run.error ?? runError;
        } catch {
          // Keep trying while the daemon restarts.
        }
        if (!FINAL_STATUSES.has(runStatus)) await new Promise((resolve) => setTimeout(resolve, 500));
      }
    },
  );

  const counts: Record<string, number> = {};
  for (const status of steps.values()) counts[status] = (counts[status] ?? 0) + 1;
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const summary = Object.entries(counts).map(([s, n]) => `${n} ${s.toLowerCase()}`).join(", ") || "no steps";
  log.appendLine(`── run ${runId} ${runStatus} in ${seconds} s (${summary})`);
  ctx.nudgeServer();
  void ctx.daemon.refresh();

  const reveal = readConfig().revealRunLogs;
  if (reveal === "always" || (reveal === "onFailure" && runStatus !== "SUCCESS")) log.show(true);
  const actions = ["Open Run", "Show logs", "Show lineage"];
  const show = runStatus === "SUCCESS"
    ? vscode.window.showInformationMessage(`Materialized ${selection} in ${seconds} s (${summary}).`, ...actions)
    : runStatus === "CANCELED"
      ? vscode.window.showWarningMessage(`Run of ${selection} canceled (${summary}).`, ...actions)
      : vscode.window.showErrorMessage(`Run of ${selection} failed: ${runError ?? runStatus} (${summary}).`, ...actions);
  void show.then((choice) => {
    if (choice === "Open Run") void vscode.commands.executeCommand("tributary.openRun", runId);
    if (choice === "Show logs") log.show(true);
    if (choice === "Show lineage") void vscode.commands.executeCommand("tributary.showLineage");
  });
  return { runId, status: runStatus, steps: counts, ...(runError ? { error: runError } : {}) };
}

/** One line per event: time, step, type and message; errors keep their first stack line. */
export function formatEvent(event: RunEventJson): string {
  const time = event.timestamp ? new Date(event.timestamp).toLocaleTimeString() : "";
  const step = event.stepKey ? ` [${event.stepKey}]` : "";
  const error = event.data?.["error"] as { message?: string; stack?: string } | undefined;
  const detail = error?.stack ? `\n      ${error.stack.split("\n").slice(0, 4).join("\n      ")}` : "";
  return `   ${time}${step} ${event.type}${event.message ? `: ${event.message}` : ""}${detail}`;
}
