/**
 * The items of "Tributary: Open Console Page…": the console's sections, the daemon's recent runs
 * (short id, status, selection) and its assets, each naming the console path it opens.
 */
import * as vscode from "vscode";
import type { WireAnswer } from "tributary-ts/wire";
import { assetPage, runPage } from "./consolePanel";
import type { Ctx } from "./ctx";
import { CommandError } from "./errors";

/** One line of the pick: a page to open (none on a separator). */
export interface ConsolePickItem extends vscode.QuickPickItem {
  page?: string;
}

const SECTIONS: Array<[string, string, string]> = [
  ["Overview", "/", "the last 24 h, failures, next ticks"],
  ["Runs", "/runs", "every run, newest first"],
  ["Assets", "/assets", "the catalog"],
  ["Schedules", "/schedules", ""],
  ["Sensors", "/sensors", ""],
  ["Backfills", "/backfills", ""],
];

const RECENT_RUNS = 15;

/** The pick's items; asks the daemon (the recent runs and the assets), which must answer. */
export async function consolePickItems(ctx: Ctx): Promise<ConsolePickItem[]> {
  if ((await ctx.daemon.refresh()) === "stopped") {
    throw new CommandError(`No Tributary daemon answers at ${ctx.daemon.url}: the console needs one.`, [
      { title: "Start Local Daemon and Open", command: "tributary.startLocalDaemonAndOpenConsole" },
      { title: "Connect to Remote Daemon", command: "tributary.connectRemoteDaemon" },
    ]);
  }
  const api = await ctx.daemon.api();
  const [runs, assets] = await Promise.all([
    api.json<WireAnswer<"GET /api/runs">>("GET", `/api/runs?limit=${RECENT_RUNS}`).then((a) => a.runs).catch(() => []),
    api.json<WireAnswer<"GET /api/assets">>("GET", "/api/assets").then((a) => a.assets).catch(() => []),
  ]);
  const separator = (label: string): ConsolePickItem => ({ label, kind: vscode.QuickPickItemKind.Separator });
  return [
    ...SECTIONS.map(([label, page, detail]): ConsolePickItem => ({ label, page, description: page, ...(detail ? { detail } : {}) })),
    ...(runs.length > 0 ? [separator("Recent runs")] : []),
    ...runs.map((run): ConsolePickItem => ({
      label: `$(history) ${run.runId.slice(0, 8)}`,
      description: `${run.status} · ${run.selection}`,
      detail: `${new Date(run.createdAt).toLocaleString()}${run.instigator ? ` · ${run.instigator.type} ${run.instigator.name}` : ""}`,
      page: runPage(run.runId),
    })),
    ...(assets.length > 0 ? [separator("Assets")] : []),
    ...assets.map((asset): ConsolePickItem => ({ label: `$(database) ${asset.key}`, description: asset.group, page: assetPage(asset.key) })),
  ];
}
