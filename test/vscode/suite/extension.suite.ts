/**
 * Extension tests, run inside a real VS Code extension host (code-server here, Electron VS Code
 * with `npm run test:vscode`): activation, the command table, settings, and what the user is told
 * when the language server or the daemon is not running. The workspace is a temporary copy of
 * samples/warehouse whose .vscode/settings.json points tributary.daemonUrl at a port nobody
 * listens on and disables auto-start (the E2E test covers starting the daemon).
 */
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as vscode from "vscode";
import type { LineageAsset } from "../../../ui/src/protocol";
import type { TributaryExtensionApi } from "../../../client/src/extension";
import { COMMANDS, jobPickItems } from "../../../client/src/commands";
import { SETTINGS } from "../../../client/src/config";
import type { Ctx } from "../../../client/src/ctx";
import { CommandError } from "../../../client/src/errors";
import { partitionPickItems } from "../../../client/src/partitionPick";
import { findWorkspaceRuntime, installCommand, requireWorkspaceRuntime } from "../../../client/src/runtime";
import { waitFor } from "../../support/waitFor";

const EXTENSION_ID = "tributary.tributary-vscode";

function manifest(): { contributes: { commands: { command: string }[]; configuration: { properties: Record<string, { default: unknown }> } } } {
  const extension = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(extension, `${EXTENSION_ID} is installed`);
  return extension.packageJSON;
}

function workspaceFile(...parts: string[]): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, "a workspace folder is open");
  return vscode.Uri.joinPath(folder.uri, ...parts);
}

describe("Tributary extension in a real extension host", () => {
  let ctx: Ctx;

  before(async () => {
    const extension = vscode.extensions.getExtension<TributaryExtensionApi>(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is installed`);
    const api = await extension.activate();
    assert.ok(api.ctx, `the extension is active on the sample (dormant: ${api.dormantReason})`);
    ctx = api.ctx;
  });

  it("activates on the warehouse sample and starts the language server, which indexes its assets", async () => {
    const status = await waitFor("the server's ready status", () => ctx.serverStatus?.state === "ready" && ctx.serverStatus, 20_000, 100);
    assert.ok(status.projects.some((p) => p.assets >= 5), `assets indexed: ${status.message}`);
    assert.ok(ctx.serverRunning);
  });

  it("registers every command that package.json contributes, and contributes every command it registers", async () => {
    const registered = new Set(await vscode.commands.getCommands(true));
    const contributed = manifest().contributes.commands.map((c) => c.command);
    for (const id of contributed) assert.ok(registered.has(id), `${id} is registered`);
    assert.deepEqual(Object.keys(COMMANDS).sort(), [...contributed].sort());
  });

  it("declares every setting config.ts reads in package.json, with the same default", () => {
    const properties = manifest().contributes.configuration.properties;
    for (const spec of Object.values(SETTINGS)) {
      const declared = properties[`tributary.${spec.name}`];
      assert.ok(declared, `tributary.${spec.name} is in contributes.configuration`);
      assert.deepEqual(declared.default, spec.default, `default of tributary.${spec.name}`);
    }
    assert.equal(Object.keys(properties).length, Object.keys(SETTINGS).length, "no setting is declared but unread");
  });

  it("shows Materialize and Show lineage CodeLens above assets, and none when tributary.codeLens is false", async () => {
    const file = workspaceFile("assets", "staging.ts");
    await vscode.window.showTextDocument(file);
    const titles = async (): Promise<string[]> =>
      ((await vscode.commands.executeCommand<vscode.CodeLens[]>("vscode.executeCodeLensProvider", file)) ?? []).map((l) => l.command?.title ?? "");
    await waitFor("Materialize CodeLens", async () => (await titles()).some((t) => t.includes("Materialize")), 20_000, 100);
    assert.ok((await titles()).includes("Show lineage"));
    const config = vscode.workspace.getConfiguration("tributary");
    await config.update("codeLens", false, vscode.ConfigurationTarget.Workspace);
    try {
      await waitFor("no CodeLens after tributary.codeLens=false", async () => !(await titles()).some((t) => t.includes("Materialize")), 20_000, 100);
    } finally {
      await config.update("codeLens", undefined, vscode.ConfigurationTarget.Workspace);
    }
    await waitFor("CodeLens back", async () => (await titles()).some((t) => t.includes("Materialize")), 20_000, 100);
  });

  it("says why Materialize cannot run when no daemon answers and auto-start is off, naming the URL and the way out", async () => {
    assert.equal(await ctx.daemon.refresh(), "stopped", `nothing listens on ${ctx.daemon.url}`);
    const outcome = await vscode.commands.executeCommand("tributary.materialize", { key: "stg_orders" });
    assert.equal(outcome, undefined);
    assert.match(ctx.lastCommandError?.message ?? "", /No Tributary daemon answers at http:\/\/127\.0\.0\.1:\d+ and tributary\.localDaemon\.autoStart is "never"/);
  });

  it("says that the console needs a daemon when none answers, and offers to start it and open the page", async () => {
    assert.equal(await ctx.daemon.refresh(), "stopped", `nothing listens on ${ctx.daemon.url}`);
    assert.equal(await vscode.commands.executeCommand("tributary.openRun", "0b6f12ab-0000"), undefined);
    assert.match(ctx.lastCommandError?.message ?? "", /No Tributary daemon answers at http:\/\/127\.0\.0\.1:\d+: the console needs one\. Start the local daemon/);
    assert.equal(await vscode.commands.executeCommand("tributary.openAssetPage", { key: "mart/total" }), undefined);
    assert.equal(ctx.lastCommandError?.command, "tributary.openAssetPage");
  });

  it("materializes the asset under the cursor (asked from the server) and says when the cursor is on no asset", async () => {
    const file = workspaceFile("assets", "staging.ts");
    const editor = await vscode.window.showTextDocument(file);
    const line = editor.document.getText().split("\n").findIndex((l) => l.includes('key: "stg_orders"'));
    assert.ok(line >= 0, "stg_orders is declared in assets/staging.ts");
    const character = editor.document.lineAt(line).text.indexOf("stg_orders") + 2;
    editor.selection = new vscode.Selection(line, character, line, character);
    assert.equal(await ctx.assetUnderCursor(), "stg_orders");
    editor.selection = new vscode.Selection(0, 0, 0, 0);
    await vscode.commands.executeCommand("tributary.materializeWithUpstream");
    assert.match(ctx.lastCommandError?.message ?? "", /No asset to materialize: put the cursor on an asset\(\) definition/);
  });

  it("says that a remote daemon does not answer, keeps its URL, and goes back to the local one on Disconnect", async () => {
    const local = ctx.daemon.url;
    await vscode.commands.executeCommand("tributary.connectRemoteDaemon", "http://tributary-daemon.invalid:3000", "s3cret");
    assert.equal(ctx.daemon.url, "http://tributary-daemon.invalid:3000");
    assert.equal(await ctx.daemon.token(), "s3cret", "the token is in SecretStorage");
    assert.equal(ctx.daemon.state, "stopped");
    assert.match(ctx.lastCommandError?.message ?? "", /does not answer yet/);
    await vscode.commands.executeCommand("tributary.materialize", { key: "stg_orders" });
    assert.match(ctx.lastCommandError?.message ?? "", /remote Tributary daemon at http:\/\/tributary-daemon\.invalid:3000 does not answer/);
    await vscode.commands.executeCommand("tributary.disconnectRemoteDaemon");
    // The workspace settings file of the fixture sets the local URL: disconnecting restores it.
    await waitFor("the local URL back", () => ctx.daemon.url === local || ctx.daemon.url === "http://127.0.0.1:3000", 20_000, 100);
  });

  it("opens one lineage panel with the sample's graph, even without a daemon", async () => {
    const first = await vscode.commands.executeCommand<{ panel: vscode.WebviewPanel; loaded: Promise<void> }>("tributary.showLineage");
    assert.ok(first, "the command returns the panel");
    const second = await vscode.commands.executeCommand<{ panel: vscode.WebviewPanel }>("tributary.showLineage", { key: "customers" });
    assert.equal(first, second, "a second Show Lineage reveals the same panel");
    assert.equal(first.panel.viewType, "tributary.lineage");
    first.panel.dispose();
  });

  it("says \"starting\" in the status bar while the language server starts, not \"server stopped\"", async () => {
    await ctx.stopServer();
    assert.match(ctx.statusBar?.text ?? "", /server stopped/);
    const started = ctx.startServer();
    try {
      const text = ctx.statusBar?.text ?? "";
      assert.match(text, /starting language server…/);
      assert.doesNotMatch(text, /server stopped/);
      assert.equal(ctx.statusBar?.backgroundColor, undefined, "no error colour while starting");
    } finally {
      await started;
      await waitFor("the server ready again", () => ctx.serverRunning && ctx.serverStatus?.state === "ready", 20_000, 100);
    }
    assert.match(ctx.statusBar?.text ?? "", /Tributary: \d+ assets/);
  });

  it("lists the project's defineAssetJob() jobs for Materialize Job…, and materializes one as the selection job:NAME", async () => {
    const items = await jobPickItems(ctx);
    assert.deepEqual(items.map((item) => item.label), ["raw_to_warehouse", "customers_and_payments"]);
    assert.equal(items[0]?.detail, "selection: group:raw+");
    assert.equal(items[0]?.description, "schedules/nightly.ts");
    await vscode.commands.executeCommand("tributary.materializeJob", "raw_to_warehouse");
    assert.match(ctx.lastCommandError?.message ?? "", /^Cannot materialize job:raw_to_warehouse: No Tributary daemon answers/);
  });

  it("offers the latest partition, a range and all partitions for a partitioned asset", () => {
    const items = partitionPickItems({
      asset: "raw_orders", definition: "daily partitions from 2018-01-01 to 2018-04-10 (UTC)", total: 99, firstKey: "2018-01-01", lastKey: "2018-04-09",
      materialized: { count: 31, ranges: [] }, failed: { count: 1, ranges: [] }, missing: { count: 67, ranges: [] }, strip: null,
    });
    assert.deepEqual(items.map((item) => [item.choice, item.description]), [
      ["latest", "2018-04-09"], ["range", "2018-01-01 … 2018-04-09"], ["all", "31 materialized, 67 missing, 1 failed"],
    ]);
  });

  it("runs the workspace's own runtime, and says so and offers to install it when the project has none", () => {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath as string;
    assert.ok(findWorkspaceRuntime(folder)?.bin.endsWith(path.join("node_modules", "tributary-ts", "bin", "tributary.js")), "found from the project upwards");
    const bare = fs.mkdtempSync(path.join(os.tmpdir(), "tributary-no-runtime-"));
    try {
      fs.writeFileSync(path.join(bare, "pnpm-lock.yaml"), "");
      const error = (() => {
        try {
          requireWorkspaceRuntime(bare);
        } catch (thrown) {
          return thrown;
        }
        return undefined;
      })();
      assert.ok(error instanceof CommandError, "a message with actions");
      assert.match(error.message, /has none \(no node_modules\/tributary-ts here or above\)\. Install it with `pnpm add tributary-ts`/);
      assert.deepEqual(error.actions, [{ title: "Install Tributary", command: "tributary.installRuntime", args: [bare] }]);
      fs.rmSync(path.join(bare, "pnpm-lock.yaml"));
      assert.equal(installCommand(bare), "npm install tributary-ts");
    } finally {
      fs.rmSync(bare, { recursive: true, force: true });
    }
  });

  it("shows the last known state from storage in the lineage when no daemon answers, not \"never materialized\"", async function () {
    this.timeout(120_000);
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath as string;
    const runtime = findWorkspaceRuntime(folder);
    assert.ok(runtime);
    execFileSync(process.platform === "win32" ? "node.exe" : "node", [runtime.bin, "materialize", "--select", "raw_customers"], { cwd: folder, stdio: "pipe", env: { ...process.env, NO_COLOR: "1" } });
    assert.equal(await ctx.daemon.refresh(), "stopped");
    const panel = await vscode.commands.executeCommand<{ panel: vscode.WebviewPanel; lastAssets: LineageAsset[] }>("tributary.showLineage");
    try {
      const assets = await waitFor("the stored state in the lineage", () => panel.lastAssets.find((a) => a.key === "raw_customers" && a.latestMaterialization) && panel.lastAssets, 60_000);
      const customers = assets.find((a) => a.key === "raw_customers");
      assert.equal(customers?.status, "UNKNOWN", "materialized, freshness unknown without a daemon");
      assert.ok(customers?.latestMaterialization?.runId);
      assert.equal(assets.find((a) => a.key === "stg_orders")?.status, "NEVER", "storage has no materialization of it");
    } finally {
      panel.panel.dispose();
      await vscode.window.showTextDocument(workspaceFile("assets", "staging.ts"));
    }
  });

  it("tells the user the server is not running when a command needs it, and Restart Server brings it back", async () => {
    await vscode.window.showTextDocument(workspaceFile("assets", "staging.ts")); // the command asks the server about the cursor
    await ctx.stopServer();
    assert.equal(ctx.serverRunning, false);
    await vscode.commands.executeCommand("tributary.showLineageForAsset");
    assert.match(ctx.lastCommandError?.message ?? "", /language server is not running/);
    assert.equal(await vscode.commands.executeCommand("tributary.restartServer"), true);
    await waitFor("the server ready again", () => ctx.serverRunning && ctx.serverStatus?.state === "ready", 20_000, 100);
  });

  it("reports a broken dependency in the Problems pane with the stable code unknown-dep", async () => {
    // The TypeScript report names its deps (the SQL assets' deps are the tables their queries read).
    const file = workspaceFile("assets", "report.ts");
    const document = await vscode.workspace.openTextDocument(file);
    const editor = await vscode.window.showTextDocument(document);
    const text = document.getText();
    const at = text.indexOf("deps: [customers, orders]");
    assert.ok(at > 0, "warehouse_report depends on customers and orders");
    const range = new vscode.Range(document.positionAt(at), document.positionAt(at + "deps: [customers, orders]".length));
    await editor.edit((edit) => edit.replace(range, 'deps: ["customrs", orders]'));
    try {
      const diagnostic = await waitFor("an unknown-dep diagnostic", () =>
        vscode.languages.getDiagnostics(file).find((d) => d.source === "tributary" && String(typeof d.code === "object" ? d.code.value : d.code) === "unknown-dep"), 20_000, 100);
      assert.match(diagnostic.message, /customrs/);
    } finally {
      await vscode.commands.executeCommand("undo");
      await document.save();
    }
  });
});
