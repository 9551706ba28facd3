/**
 * The connection to a Tributary daemon: a local one this extension starts (`tributary dev`), or a
 * remote one by URL with its token in SecretStorage. Watches the daemon's health so the status bar
 * and the commands know whether it is there.
 *
 * The local daemon is the workspace's own `tributary-ts` (runtime.ts), run under a real Node.js
 * (`tributary.nodePath` or `node` on PATH), never under the editor's Electron, whose native-module
 * ABI differs from Node's (better-sqlite3 is native).
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import type { HealthJson } from "tributary-ts/wire";
import { DaemonApi } from "./api";
import { isLoopbackUrl, portOf, readConfig, SECTION } from "./config";
import { CommandError } from "./errors";
import { requireWorkspaceRuntime } from "./runtime";

/** What the status bar shows about the daemon. */
export type DaemonState = "stopped" | "starting" | "local" | "remote";

/** How long `tributary dev` may take to answer its health check after spawning. */
const START_TIMEOUT_MS = 60_000;

/** Owns the local daemon process and the connection state. */
export class DaemonConnection implements vscode.Disposable {
  private child: ChildProcess | undefined;
  private currentState: DaemonState = "stopped";
  private lastHealth: HealthJson | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly changed = new vscode.EventEmitter<DaemonState>();
  /** Fires when the state changes (stopped/starting/local/remote). */
  readonly onDidChange = this.changed.event;
  readonly output: vscode.OutputChannel;

  constructor(private readonly extension: vscode.ExtensionContext) {
    this.output = vscode.window.createOutputChannel("Tributary Daemon");
  }

  /** The daemon URL from settings. */
  get url(): string {
    return readConfig().daemonUrl;
  }

  get state(): DaemonState {
    return this.currentState;
  }

  /** The last health answer (project load errors are shown from it). */
  get health(): HealthJson | undefined {
    return this.lastHealth;
  }

  /** Whether this extension started the local daemon that is running now. */
  get ownsProcess(): boolean {
    return this.child !== undefined && this.child.exitCode === null;
  }

  /** The token for the current URL (SecretStorage), if one was entered. */
  async token(): Promise<string | undefined> {
    return this.extension.secrets.get(secretKey(this.url));
  }

  /** An API client for the current URL and token. */
  async api(): Promise<DaemonApi> {
    return new DaemonApi(this.url, await this.token());
  }

  /** Starts watching health (every `daemonPollIntervalMs`). */
  watch(): void {
    void this.refresh();
  }

  /** Checks health now and updates the state. */
  async refresh(): Promise<DaemonState> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.currentState !== "starting") {
      const health = await (await this.api()).health();
      this.lastHealth = health;
      this.setState(health?.ok ? (isLoopbackUrl(this.url) ? "local" : "remote") : "stopped");
    }
    const interval = readConfig().daemonPollIntervalMs;
    if (interval > 0) {
      this.timer = setTimeout(() => void this.refresh(), interval);
      this.timer.unref();
    }
    return this.currentState;
  }

  private setState(state: DaemonState): void {
    if (state === this.currentState) return;
    this.currentState = state;
    this.changed.fire(state);
  }

  /**
   * Makes sure a daemon answers: returns at once when one does; starts the local one when the URL
   * is local and auto-start allows it; otherwise throws a message with the ways out.
   */
  async ensureRunning(): Promise<DaemonApi> {
    if ((await this.refresh()) !== "stopped") return this.api();
    if (!isLoopbackUrl(this.url)) {
      throw new CommandError(`The remote Tributary daemon at ${this.url} does not answer. Check that it runs and that the URL is right.`, [
        { title: "Connect to Remote Daemon", command: "tributary.connectRemoteDaemon" },
        { title: "Use Local Daemon", command: "tributary.disconnectRemoteDaemon" },
      ]);
    }
    if (readConfig().localDaemonAutoStart === "never") {
      throw new CommandError(`No Tributary daemon answers at ${this.url} and tributary.localDaemon.autoStart is "never".`, [
        { title: "Start Local Daemon", command: "tributary.startLocalDaemon" },
      ]);
    }
    await this.startLocal();
    return this.api();
  }

  /** Starts `tributary dev` for the workspace's project and waits until it answers. */
  async startLocal(): Promise<void> {
    if (!isLoopbackUrl(this.url)) {
      throw new CommandError(`tributary.daemonUrl is ${this.url}, a remote daemon: a local daemon would not be used. Disconnect from the remote daemon first.`, [
        { title: "Use Local Daemon", command: "tributary.disconnectRemoteDaemon" },
      ]);
    }
    if ((await this.refresh()) === "local") {
      void vscode.window.showInformationMessage(`A Tributary daemon already answers at ${this.url}.`);
      return;
    }
    const projectDir = await findProjectDir();
    const runtime = requireWorkspaceRuntime(projectDir);
    const config = readConfig();
    const node = config.nodePath || "node";
    const port = portOf(this.url);
    this.setState("starting");
    this.output.appendLine(`[${new Date().toISOString()}] starting: ${node} ${runtime.bin} dev --port ${port} (in ${projectDir}, tributary ${runtime.version ?? "(unknown version)"})`);
    let exited: { code: number | null; signal: string | null; error?: Error } | undefined;
    let tail = "";
    const child = spawn(node, [runtime.bin, "dev", "--port", String(port)], {
      cwd: projectDir,
      env: { ...process.env, FORCE_COLOR: "0" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    const onData = (chunk: Buffer): void => {
      const text = chunk.toString();
      tail = (tail + text).slice(-2000);
      this.output.append(text);
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.on("error", (error) => (exited = { code: null, signal: null, error }));
    child.on("exit", (code, signal) => {
      exited = exited ?? { code, signal };
      this.output.appendLine(`[${new Date().toISOString()}] the local daemon exited (${signal ?? `code ${code}`})`);
      if (this.child === child) this.child = undefined;
      if (this.currentState !== "starting") void this.refresh();
    });
    const api = await this.api();
    const deadline = Date.now() + START_TIMEOUT_MS;
    try {
      for (;;) {
        if (exited) {
          const reason = exited.error && (exited.error as NodeJS.ErrnoException).code === "ENOENT"
            ? `Node.js was not found ("${node}"). Install Node.js 20 or later, or set tributary.nodePath.`
            : `It exited (${exited.signal ?? `code ${exited.code}`}${exited.error ? `: ${exited.error.message}` : ""}). Last output:\n${tail.trim().split("\n").slice(-5).join("\n")}`;
          throw new CommandError(`The local Tributary daemon did not start. ${reason}`, [{ title: "Show Daemon Output", command: "tributary.showDaemonOutput" }]);
        }
        const health = await api.health(1000);
        if (health?.ok) {
          this.lastHealth = health;
          break;
        }
        if (Date.now() > deadline) {
          child.kill();
          throw new CommandError(`The local Tributary daemon did not answer at ${this.url} within ${START_TIMEOUT_MS / 1000} s.`, [{ title: "Show Daemon Output", command: "tributary.showDaemonOutput" }]);
        }
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
    } finally {
      this.setState("stopped");
      await this.refresh();
    }
    const projectError = this.lastHealth?.project && !this.lastHealth.project.ok ? this.lastHealth.project.error : undefined;
    if (projectError) {
      const message = typeof projectError === "string" ? projectError : projectError.message;
      void vscode.window.showWarningMessage(`The local daemon started but cannot load the project: ${message}`, "Show Daemon Output").then((choice) => {
        if (choice) this.output.show(true);
      });
    }
  }

  /** Stops the local daemon this extension started; explains when the running one is not ours. */
  async stopLocal(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) {
      if ((await this.refresh()) === "local") {
        throw new CommandError(`The daemon at ${this.url} was not started by VS Code, so VS Code does not stop it. Stop it where it runs (Ctrl-C in its terminal).`);
      }
      void vscode.window.showInformationMessage("No local Tributary daemon is running.");
      return;
    }
    await stopProcess(child);
    this.child = undefined;
    await this.refresh();
  }

  /** Uses a remote daemon: stores the URL in settings and the token in SecretStorage. */
  async connectRemote(url: string, token: string | undefined): Promise<void> {
    const normalized = new URL(url).toString().replace(/\/$/, "");
    if (token) await this.extension.secrets.store(secretKey(normalized), token);
    else await this.extension.secrets.delete(secretKey(normalized));
    await vscode.workspace.getConfiguration(SECTION).update("daemonUrl", normalized, configurationTarget());
    await this.refresh();
  }

  /** Back to the default local URL (removes the workspace's daemonUrl override). */
  async disconnectRemote(): Promise<void> {
    const config = vscode.workspace.getConfiguration(SECTION);
    await config.update("daemonUrl", undefined, vscode.ConfigurationTarget.Workspace);
    await config.update("daemonUrl", undefined, vscode.ConfigurationTarget.Global);
    await this.refresh();
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.child && this.child.exitCode === null) void stopProcess(this.child);
    this.changed.dispose();
    this.output.dispose();
  }
}

function secretKey(url: string): string {
  try {
    return `tributary.daemonToken:${new URL(url).origin}`;
  } catch {
    return `tributary.daemonToken:${url}`;
  }
}

function configurationTarget(): vscode.ConfigurationTarget {
  return vscode.workspace.workspaceFolders?.length ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
}

/** SIGTERM, then SIGKILL if the daemon has not exited after 5 s (it stops its workers on SIGTERM). */
function stopProcess(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

/** The folder of the first tributary.yaml in the workspace, else the first workspace folder. */
export async function findProjectDir(): Promise<string> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length === 0) {
    throw new CommandError("Open a folder with a Tributary project (tributary.yaml or definitions.ts) to start a local daemon.");
  }
  for (const folder of folders) {
    if (fs.existsSync(path.join(folder.uri.fsPath, "tributary.yaml"))) return folder.uri.fsPath;
  }
  const [found] = await vscode.workspace.findFiles("**/tributary.yaml", "**/node_modules/**", 1);
  return found ? path.dirname(found.fsPath) : folders[0]!.uri.fsPath;
}
