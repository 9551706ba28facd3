/**
 * Every command of the extension, as a table of factories `(ctx) => handler` registered in one
 * place. Each handler either works or tells the user why it cannot and what to do: a thrown
 * {@link CommandError} becomes an error message with buttons (the server or daemon not running,
 * no asset under the cursor, a bad selection).
 */
import * as vscode from "vscode";
import { JobsRequest } from "../../server/src/protocol";
import type { Ctx } from "./ctx";
import { findProjectDir } from "./daemon";
import { CommandError, showError } from "./errors";
import { LineagePanel } from "./lineagePanel";
import { assetPage, ConsolePanel, runPage } from "./consolePanel";
import { consolePickItems, type ConsolePickItem } from "./consolePick";
import { materialize } from "./runs";
import { INSTALL_RUNTIME_COMMAND, installRuntime } from "./runtime";
import { statusBarMenu } from "./statusBar";

type Handler = (...args: unknown[]) => unknown;

/** An argument naming an asset: a CodeLens/lineage `{ key }`, a plain key string, or nothing. */
function keyArgument(arg: unknown): string | undefined {
  if (typeof arg === "string" && arg) return arg;
  if (arg && typeof arg === "object" && typeof (arg as { key?: unknown }).key === "string") return (arg as { key: string }).key;
  return undefined;
}

/** An argument naming a run: its id, or `{ runId }` (a run outcome, a CodeLens). */
function runArgument(arg: unknown): string | undefined {
  if (typeof arg === "string" && arg.trim()) return arg.trim();
  if (arg && typeof arg === "object" && typeof (arg as { runId?: unknown }).runId === "string") return (arg as { runId: string }).runId;
  return undefined;
}

/** A key as a selection term (the same quoting as the server's CodeLens). */
export function selectionTerm(key: string): string {
  return /^[A-Za-z0-9_/.-]+$/.test(key) ? key : `key:${JSON.stringify(key)}`;
}

/** The asset from the argument, else under the cursor; explains how to pick one otherwise. */
async function targetAsset(ctx: Ctx, arg: unknown, verb: string): Promise<string> {
  const key = keyArgument(arg) ?? (await ctx.assetUnderCursor());
  if (!key) {
    throw new CommandError(`No asset to ${verb}: put the cursor on an asset() definition or a key, use the CodeLens above an asset, or run 'Tributary: Materialize Selection…'.`);
  }
  return key;
}

const materializeAsset = (ctx: Ctx, wrap: (term: string) => string) => async (arg?: unknown) => {
  const key = await targetAsset(ctx, arg, "materialize");
  return materialize(ctx, wrap(selectionTerm(key)), { key });
};

/** A job in the Materialize Job pick. */
export interface JobPickItem extends vscode.QuickPickItem {
  job: string;
}

/** The project's jobs (`defineAssetJob({ name })`, read by the language server) as pick items. */
export async function jobPickItems(ctx: Ctx): Promise<JobPickItem[]> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  const result = await ctx.request(JobsRequest, folder ? { uri: folder.uri.toString() } : {});
  return result.jobs.map((job) => ({
    job: job.name,
    label: job.name,
    description: vscode.workspace.asRelativePath(vscode.Uri.parse(job.uri)),
    ...(job.selection !== null ? { detail: `selection: ${job.selection}` } : {}),
  }));
}

/** The command table: id -> factory. package.json's `contributes.commands` lists the same ids. */
export const COMMANDS: Record<string, (ctx: Ctx) => Handler> = {
  "tributary.materialize": (ctx) => materializeAsset(ctx, (t) => t),
  "tributary.materializeWithUpstream": (ctx) => materializeAsset(ctx, (t) => `+${t}`),
  "tributary.materializeWithDownstream": (ctx) => materializeAsset(ctx, (t) => `${t}+`),
  "tributary.materializeJob": (ctx) => async (arg?: unknown) => {
    let name = typeof arg === "string" && arg ? arg : undefined;
    if (name === undefined) {
      const items = await jobPickItems(ctx);
      if (items.length === 0) {
        throw new CommandError("This project defines no job: define one with defineAssetJob({ name, selection }) and pass it to definitions({ jobs }), or use 'Tributary: Materialize Selection…'.", [
          { title: "Materialize Selection…", command: "tributary.materializeSelection" },
        ]);
      }
      name = (await vscode.window.showQuickPick(items, { title: "Materialize a job", placeHolder: "A job defined with defineAssetJob({ name, selection })", matchOnDetail: true }))?.job;
    }
    if (!name) return undefined;
    return materialize(ctx, `job:${name.trim()}`);
  },
  "tributary.materializeSelection": (ctx) => async (arg?: unknown) => {
    const selection = typeof arg === "string" && arg ? arg : await vscode.window.showInputBox({
      title: "Materialize a selection", prompt: "A selection: raw_orders, +stg_orders, group:staging, tag:pii, * …", placeHolder: "+stg_orders",
    });
    if (!selection?.trim()) return undefined;
    return materialize(ctx, selection.trim());
  },
  "tributary.showLineage": (ctx) => async (arg?: unknown) => {
    const panel = LineagePanel.createOrShow(ctx, keyArgument(arg));
    return panel;
  },
  "tributary.showLineageForAsset": (ctx) => async (arg?: unknown) => {
    const key = await targetAsset(ctx, arg, "show the lineage of");
    return LineagePanel.createOrShow(ctx, key);
  },
  "tributary.openConsole": (ctx) => async (arg?: unknown) => {
    if (typeof arg === "string" && arg.startsWith("/")) return ConsolePanel.show(ctx, arg);
    const items = await consolePickItems(ctx);
    const picked = await vscode.window.showQuickPick<ConsolePickItem>(items, {
      title: "Open a console page", placeHolder: "A page, a recent run or an asset", matchOnDescription: true, matchOnDetail: true,
    });
    return picked?.page ? ConsolePanel.show(ctx, picked.page) : undefined;
  },
  "tributary.openRun": (ctx) => async (arg?: unknown) => {
    const runId = runArgument(arg) ?? (await vscode.window.showInputBox({ title: "Open a run's console page", prompt: "The run's id" }))?.trim();
    return runId ? ConsolePanel.show(ctx, runPage(runId)) : undefined;
  },
  "tributary.openAssetPage": (ctx) => async (arg?: unknown) => {
    const key = await targetAsset(ctx, arg, "open the console page of");
    return ConsolePanel.show(ctx, assetPage(key));
  },
  "tributary.startLocalDaemonAndOpenConsole": (ctx) => async (arg?: unknown) => {
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: "Starting the local Tributary daemon…" }, () => ctx.daemon.startLocal());
    return ConsolePanel.show(ctx, typeof arg === "string" && arg.startsWith("/") ? arg : "/");
  },
  "tributary.startLocalDaemon": (ctx) => async () => {
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: "Starting the local Tributary daemon…" }, () => ctx.daemon.startLocal());
    return ctx.daemon.state;
  },
  "tributary.stopLocalDaemon": (ctx) => async () => {
    await ctx.daemon.stopLocal();
    return ctx.daemon.state;
  },
  "tributary.connectRemoteDaemon": (ctx) => async (urlArg?: unknown, tokenArg?: unknown) => {
    const url = typeof urlArg === "string" ? urlArg : await vscode.window.showInputBox({
      title: "Connect to a remote Tributary daemon (1/2)", prompt: "The daemon's URL", value: ctx.daemon.url, ignoreFocusOut: true,
      validateInput: (v) => {
        try {
          return /^https?:$/.test(new URL(v).protocol) ? undefined : "An http:// or https:// URL";
        } catch {
          return "An http:// or https:// URL, e.g. https://tributary.example.com";
        }
      },
    });
    if (!url) return undefined;
    const token = typeof tokenArg === "string" ? tokenArg : await vscode.window.showInputBox({
      title: "Connect to a remote Tributary daemon (2/2)", prompt: "Its bearer token (kept in VS Code's secret storage; empty for none)", password: true, ignoreFocusOut: true,
    });
    if (token === undefined) return undefined;
    await ctx.daemon.connectRemote(url, token || undefined);
    ctx.nudgeServer();
    if (ctx.daemon.state === "stopped") {
      throw new CommandError(`Saved ${url} as the daemon URL, but it does not answer yet. Check the URL and that the daemon runs.`, [{ title: "Use Local Daemon", command: "tributary.disconnectRemoteDaemon" }]);
    }
    void vscode.window.showInformationMessage(`Connected to the Tributary daemon at ${ctx.daemon.url}.`);
    return ctx.daemon.state;
  },
  "tributary.disconnectRemoteDaemon": (ctx) => async () => {
    await ctx.daemon.disconnectRemote();
    ctx.nudgeServer();
    return ctx.daemon.state;
  },
  "tributary.showRunLogs": (ctx) => () => ctx.runLogs.show(true),
  "tributary.showDaemonOutput": (ctx) => () => ctx.daemon.output.show(true),
  "tributary.showServerOutput": (ctx) => () => ctx.serverOutput.show(true),
  "tributary.restartServer": (ctx) => async () => {
    await ctx.stopServer();
    await ctx.startServer();
    void vscode.window.setStatusBarMessage("Tributary language server restarted", 3000);
    return ctx.serverRunning;
  },
  "tributary.statusBarMenu": (ctx) => () => statusBarMenu(ctx),
  [INSTALL_RUNTIME_COMMAND]: () => async (arg?: unknown) => installRuntime(typeof arg === "string" && arg ? arg : await findProjectDir()),
};

/**
 * Registers every command of the table. A handler's error is shown (with its actions) and kept in
 * `ctx.lastCommandError` (not re-thrown: VS Code would show a second, less helpful message).
 */
export function registerCommands(ctx: Ctx): void {
  for (const [id, factory] of Object.entries(COMMANDS)) {
    const handler = factory(ctx);
    ctx.push(vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        ctx.lastCommandError = undefined;
        return await handler(...args);
      } catch (error) {
        ctx.lastCommandError = { command: id, message: error instanceof Error ? error.message : String(error) };
        void showError(error);
        return undefined;
      }
    }));
  }
}
