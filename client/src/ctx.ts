/**
 * The extension's one context object: it owns the language client, the daemon connection, the
 * status bar, the output channels and every disposable, and it knows how to (re)start the server.
 * Commands receive it (commands.ts); nothing else holds state.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import {
  DidChangeConfigurationNotification,
  LanguageClient,
  type LanguageClientOptions,
  RevealOutputChannelOn,
  type ServerOptions,
  type RequestType,
  State,
  type StaticFeature,
  TransportKind,
} from "vscode-languageclient/node";
import {
  AssetAtRequest,
  type MaterializeArguments,
  MaterializeCommand,
  type StatusParams,
  StatusNotification,
} from "../../server/src/protocol";
import { readConfig } from "./config";
import { DaemonConnection } from "./daemon";
import { CommandError } from "./errors";

/**
 * Makes the server push diagnostics instead of answering pulls. VS Code pulls diagnostics only for
 * open documents and the server offers no workspace pull, so with pull a broken dependency in a
 * file nobody opened never reached the Problems pane. Registered after the built-in features, so
 * it removes the capability the pull feature announced.
 */
const pushDiagnostics: StaticFeature = {
  fillClientCapabilities(capabilities) {
    delete capabilities.textDocument?.diagnostic;
  },
  initialize() {},
  getState: () => ({ kind: "static" }),
  clear() {},
};

/** Shared state of the extension (see the file comment). */
export class Ctx implements vscode.Disposable {
  /** The running language client, when the server is up. */
  client: LanguageClient | undefined;
  /** The latest `tributary/status` from the server. */
  serverStatus: StatusParams | undefined;
  /** Why the server is not running, for messages and the status bar. */
  serverError: string | undefined;
  /**
   * Whether the language server is being started (the extension starts it on activation): the
   * status bar says "starting", not "stopped", until it answers or fails.
   */
  serverStarting = true;
  /** The status bar item (statusBar.ts), for tests. */
  statusBar: vscode.StatusBarItem | undefined;
  readonly daemon: DaemonConnection;
  readonly runLogs: vscode.OutputChannel;
  readonly serverOutput: vscode.OutputChannel;
  readonly disposables: vscode.Disposable[] = [];
  private readonly serverChanged = new vscode.EventEmitter<void>();
  /** Fires when the server starts, stops or sends a status. */
  readonly onServerChange = this.serverChanged.event;
  /** The last error a command reported to the user (for tests and the status menu). */
  lastCommandError: { command: string; message: string } | undefined;
  /** Set by runs.ts: materializes a selection with progress (the CodeLens route goes through it). */
  materializeHandler: ((selection: string, target?: { key: string }) => Promise<unknown>) | undefined;

  constructor(readonly extension: vscode.ExtensionContext) {
    this.daemon = new DaemonConnection(extension);
    this.runLogs = vscode.window.createOutputChannel("Tributary Runs");
    this.serverOutput = vscode.window.createOutputChannel("Tributary Language Server");
    this.disposables.push(this.daemon, this.runLogs, this.serverOutput, this.serverChanged);
  }

  /** Registers a disposable to be disposed with the extension. */
  push(...items: vscode.Disposable[]): void {
    this.disposables.push(...items);
  }

  /** The path of the language server module (bundled, or `tributary.server.path`). */
  serverModule(): string {
    const custom = readConfig().serverPath;
    const module = custom || path.join(this.extension.extensionPath, "client", "dist", "server.js");
    if (!fs.existsSync(module)) {
      throw new CommandError(custom
        ? `tributary.server.path points to ${custom}, which does not exist. Fix the setting or clear it to use the bundled server.`
        : `The bundled language server is missing (${module}): reinstall the extension.`, [
        { title: "Open Settings", command: "workbench.action.openSettings", args: ["tributary.server.path"] },
      ]);
    }
    return module;
  }

  /** Starts the language server over IPC. Throws a user-facing error when it cannot start. */
  async startServer(): Promise<void> {
    if (this.client) return;
    this.serverStarting = true;
    this.serverChanged.fire();
    try {
      await this.launchServer();
    } finally {
      this.serverStarting = false;
      this.serverChanged.fire();
    }
  }

  private async launchServer(): Promise<void> {
    const module = this.serverModule();
    const serverOptions: ServerOptions = {
      run: { module, transport: TransportKind.ipc },
      debug: { module, transport: TransportKind.ipc, options: { execArgv: ["--nolazy", "--inspect=6019"] } },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [
        { scheme: "file", language: "typescript" },
        { scheme: "file", language: "typescriptreact" },
      ],
      outputChannel: this.serverOutput,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      synchronize: { configurationSection: "tributary" },
      initializationOptions: await this.serverSettings(),
      middleware: {
        // The CodeLens "Materialize" names the server's command; run it here instead, so the user
        // gets the local daemon started on demand, progress, Cancel and the run logs.
        executeCommand: async (command, args, next) => {
          if (command === MaterializeCommand && this.materializeHandler) {
            const argument = (args ?? [])[0] as MaterializeArguments | string | undefined;
            const selection = typeof argument === "string" ? argument : argument?.selection;
            const key = typeof argument === "string" ? undefined : argument?.key;
            if (selection) return this.materializeHandler(selection, key ? { key } : undefined);
          }
          return next(command, args);
        },
        workspace: {
          // The server reads the `tributary` section; the token lives in SecretStorage, not settings.
          configuration: async (params, token, next) => {
            const result = await next(params, token);
            if (!Array.isArray(result)) return result;
            const settings = await this.serverSettings();
            return result.map((value, index) => (params.items[index]?.section === "tributary" ? { ...(value ?? {}), ...settings } : value));
          },
        },
      },
    };
    const client = new LanguageClient("tributary", "Tributary Language Server", serverOptions, clientOptions);
    client.registerFeature(pushDiagnostics);
    this.client = client;
    client.onDidChangeState((event) => {
      if (event.newState === State.Stopped && this.client === client) {
        this.serverError = "the language server stopped";
        this.serverChanged.fire();
      }
    });
    try {
      await client.start();
    } catch (error) {
      this.client = undefined;
      this.serverError = error instanceof Error ? error.message : String(error);
      this.serverChanged.fire();
      throw new CommandError(`The Tributary language server failed to start: ${this.serverError}`, [
        { title: "Show Server Output", command: "tributary.showServerOutput" },
        { title: "Restart Server", command: "tributary.restartServer" },
      ]);
    }
    this.serverError = undefined;
    client.onNotification(StatusNotification, (status: StatusParams) => {
      this.serverStatus = status;
      this.serverChanged.fire();
    });
    this.serverChanged.fire();
  }

  /** Stops the language server (if running). */
  async stopServer(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.serverStatus = undefined;
    this.serverStarting = false;
    if (client) {
      try {
        await client.stop(5000);
      } catch {
        // A server that is already gone cannot be stopped twice; it is stopped either way.
      }
      await client.dispose().catch(() => undefined);
    }
    this.serverChanged.fire();
  }

  /** Whether the language server is up and answering. */
  get serverRunning(): boolean {
    return this.client !== undefined && this.client.state === State.Running;
  }

  /** The running client, or an error saying the server is not running and how to restart it. */
  requireClient(): LanguageClient {
    if (this.serverStarting && !this.serverRunning) {
      throw new CommandError("The Tributary language server is still starting; try again in a moment.", [
        { title: "Show Server Output", command: "tributary.showServerOutput" },
      ]);
    }
    if (!this.client || !this.serverRunning) {
      throw new CommandError(`The Tributary language server is not running${this.serverError ? ` (${this.serverError})` : ""}. Restart it, and check its output if it stops again.`, [
        { title: "Restart Server", command: "tributary.restartServer" },
        { title: "Show Server Output", command: "tributary.showServerOutput" },
      ]);
    }
    return this.client;
  }

  /**
   * Sends one of the editor protocol's typed requests to the running server. By its method name: a
   * RequestType object from another copy of vscode-languageserver-protocol (the extension tests'
   * bundle has its own) fails the client's `instanceof` checks, while the types still come from it.
   */
  async request<P, R>(type: RequestType<P, R, void>, params: P): Promise<R> {
    return this.requireClient().sendRequest<R>(type.method, params);
  }

  /** The asset key under the cursor of the active editor (asks the server), or undefined. */
  async assetUnderCursor(): Promise<string | undefined> {
    const editor = vscode.window.activeTextEditor;
    if (!editor) return undefined;
    const result = await this.request(AssetAtRequest, {
      textDocument: { uri: editor.document.uri.toString() },
      position: { line: editor.selection.active.line, character: editor.selection.active.character },
    });
    return result?.key;
  }

  /** Asks the server to poll the daemon now (a configuration change makes it re-poll at once). */
  nudgeServer(): void {
    if (this.serverRunning) void this.client?.sendNotification(DidChangeConfigurationNotification.type, { settings: null });
  }

  /** The settings the server sees: the `tributary` section plus the token from SecretStorage. */
  async serverSettings(): Promise<Record<string, unknown>> {
    const config = readConfig();
    return {
      daemonUrl: config.daemonUrl,
      daemonToken: (await this.daemon.token()) ?? "",
      daemonPollIntervalMs: config.daemonPollIntervalMs,
      codeLens: config.codeLens,
    };
  }

  dispose(): void {
    void this.stopServer();
    for (const item of this.disposables.splice(0).reverse()) {
      try {
        item.dispose();
      } catch {
        // Disposing the rest matters more than one failure.
      }
    }
  }
}
