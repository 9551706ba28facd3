/**
 * The status bar item: language server state (starting, then assets and errors, or stopped) and
 * daemon state (stopped / starting / local / remote). A click opens a menu with the actions that make sense in the current state.
 */
import * as vscode from "vscode";
import type { Ctx } from "./ctx";

/** Creates the status bar item and keeps it in sync with the context. */
export function createStatusBar(ctx: Ctx): vscode.StatusBarItem {
  const item = vscode.window.createStatusBarItem("tributary.status", vscode.StatusBarAlignment.Left, 10);
  item.name = "Tributary";
  item.command = "tributary.statusBarMenu";
  const update = (): void => {
    const daemon = ctx.daemon.state;
    const daemonText = daemon === "local" ? "local daemon" : daemon === "remote" ? "remote daemon" : daemon === "starting" ? "starting daemon…" : "daemon stopped";
    const icon = daemon === "starting" || (ctx.serverStarting && !ctx.serverRunning) ? "$(sync~spin)" : daemon === "stopped" ? "$(debug-disconnect)" : "$(pulse)";
    let serverText: string;
    if (!ctx.serverRunning && ctx.serverStarting) {
      serverText = "starting language server…";
      item.backgroundColor = undefined;
    } else if (!ctx.serverRunning) {
      serverText = "server stopped";
      item.backgroundColor = new vscode.ThemeColor("statusBarItem.errorBackground");
    } else {
      serverText = ctx.serverStatus?.message.replace(/^Tributary: /, "") ?? "starting…";
      item.backgroundColor = undefined;
    }
    item.text = `${icon} Tributary: ${serverText} · ${daemonText}`;
    const tooltip = new vscode.MarkdownString(undefined, true);
    tooltip.appendMarkdown(`**Tributary**\n\n`);
    tooltip.appendMarkdown(ctx.serverRunning ? `Language server: running${ctx.serverStatus ? ` (indexed in ${ctx.serverStatus.indexMs} ms)` : ""}\n\n`
      : ctx.serverStarting ? "Language server: starting\n\n"
        : `Language server: **not running**${ctx.serverError ? ` — ${ctx.serverError}` : ""}\n\n`);
    tooltip.appendMarkdown(`Daemon: ${daemonText} at \`${ctx.daemon.url}\`\n\nClick for actions.`);
    item.tooltip = tooltip;
    item.show();
  };
  ctx.statusBar = item;
  ctx.push(item, ctx.onServerChange(update), ctx.daemon.onDidChange(update));
  update();
  return item;
}

/** The click menu: actions for the current server and daemon state. */
export async function statusBarMenu(ctx: Ctx): Promise<void> {
  type Pick = vscode.QuickPickItem & { command: string };
  const items: Pick[] = [];
  const daemon = ctx.daemon.state;
  if (daemon === "stopped") items.push({ label: "$(play) Start Local Daemon", command: "tributary.startLocalDaemon" });
  if (daemon === "local" && ctx.daemon.ownsProcess) items.push({ label: "$(debug-stop) Stop Local Daemon", command: "tributary.stopLocalDaemon" });
  if (daemon === "remote") items.push({ label: "$(debug-disconnect) Disconnect from Remote Daemon", command: "tributary.disconnectRemoteDaemon" });
  items.push(
    { label: "$(remote) Connect to Remote Daemon…", command: "tributary.connectRemoteDaemon" },
    { label: "$(type-hierarchy) Show Lineage", command: "tributary.showLineage" },
    { label: "$(run-all) Materialize Selection…", command: "tributary.materializeSelection" },
    { label: "$(output) Show Run Logs", command: "tributary.showRunLogs" },
    { label: "$(output) Show Daemon Output", command: "tributary.showDaemonOutput" },
    { label: "$(debug-restart) Restart Server", command: "tributary.restartServer" },
  );
  const choice = await vscode.window.showQuickPick(items, { title: `Tributary · daemon ${daemon} at ${ctx.daemon.url}` });
  if (choice) await vscode.commands.executeCommand(choice.command);
}
