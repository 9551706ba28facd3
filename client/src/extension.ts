/**
 * Entry point of the Tributary extension. Activation (package.json): a workspace containing
 * tributary.yaml, or a TypeScript file opened. The second may be a project without Tributary:
 * then the extension stays dormant (commands explain why they cannot run) instead of starting a
 * language server for nothing.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import { changedNeeding } from "./config";
import { COMMANDS, registerCommands } from "./commands";
import { Ctx } from "./ctx";
import { showError } from "./errors";
import { LINEAGE_VIEW_TYPE, LineagePanel } from "./lineagePanel";
import { materialize } from "./runs";
import { createStatusBar } from "./statusBar";

/** What `activate` returns: the context, for extension tests and other extensions. */
export interface TributaryExtensionApi {
  ctx: Ctx | undefined;
  /** Why the extension is dormant, when it is. */
  dormantReason?: string;
}

let current: Ctx | undefined;

/** Activates the extension: context, commands, status bar, language server, daemon watch. */
export async function activate(extension: vscode.ExtensionContext): Promise<TributaryExtensionApi> {
  if (!(await isTributaryWorkspace())) {
    const reason = "This workspace has no Tributary project (no tributary.yaml, and no package.json that depends on tributary).";
    for (const id of Object.keys(COMMANDS)) {
      extension.subscriptions.push(vscode.commands.registerCommand(id, () =>
        void vscode.window.showWarningMessage(`Tributary: ${reason} Open the project's folder, or create one with \`npx tributary init\`.`)));
    }
    return { ctx: undefined, dormantReason: reason };
  }

  const ctx = new Ctx(extension);
  current = ctx;
  extension.subscriptions.push(ctx);
  ctx.materializeHandler = (selection, target) => materialize(ctx, selection, target);
  registerCommands(ctx);
  createStatusBar(ctx);
  ctx.push(vscode.window.registerWebviewPanelSerializer(LINEAGE_VIEW_TYPE, {
    deserializeWebviewPanel: async (panel, state) => LineagePanel.revive(ctx, panel, state as { focus?: string } | undefined),
  }));
  ctx.push(vscode.workspace.onDidChangeConfiguration(async (event) => {
    if (!event.affectsConfiguration("tributary")) return;
    void ctx.daemon.refresh();
    const server = changedNeeding(event, "restartServer");
    if (server.length > 0) {
      const choice = await vscode.window.showInformationMessage(`Tributary: ${server.join(", ")} changed; restart the language server to apply it.`, "Restart Server");
      if (choice) await vscode.commands.executeCommand("tributary.restartServer");
    }
    const daemon = changedNeeding(event, "restartDaemon");
    if (daemon.length > 0 && ctx.daemon.ownsProcess) {
      const choice = await vscode.window.showInformationMessage(`Tributary: ${daemon.join(", ")} changed; restart the local daemon to apply it.`, "Restart Daemon");
      if (choice) {
        await vscode.commands.executeCommand("tributary.stopLocalDaemon");
        await vscode.commands.executeCommand("tributary.startLocalDaemon");
      }
    }
  }));
  ctx.daemon.watch();

  try {
    await ctx.startServer();
  } catch (error) {
    // VS Code shows nothing when an extension's server fails to start: say it, with a way out.
    void showError(error);
  }
  return { ctx };
}

/** Stops the language server and the local daemon this window started. */
export async function deactivate(): Promise<void> {
  const ctx = current;
  current = undefined;
  if (ctx) {
    await ctx.stopServer();
    ctx.dispose();
  }
}

/** A folder with tributary.yaml, or a package.json that depends on `tributary-ts`. */
async function isTributaryWorkspace(): Promise<boolean> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  for (const folder of folders) {
    const dir = folder.uri.fsPath;
    if (fs.existsSync(path.join(dir, "tributary.yaml"))) return true;
    if (dependsOnTributary(path.join(dir, "package.json"))) return true;
  }
  const yaml = await vscode.workspace.findFiles("**/tributary.yaml", "**/node_modules/**", 1);
  if (yaml.length > 0) return true;
  const manifests = await vscode.workspace.findFiles("**/package.json", "**/node_modules/**", 50);
  return manifests.some((uri) => dependsOnTributary(uri.fsPath));
}

function dependsOnTributary(file: string): boolean {
  try {
    const manifest = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, Record<string, string> | undefined>;
    return ["dependencies", "devDependencies", "peerDependencies"].some((field) => manifest[field]?.["tributary-ts"] !== undefined);
  } catch {
    return false;
  }
}
