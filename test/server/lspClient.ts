import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import {
  createMessageConnection,
  type MessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
} from "vscode-jsonrpc/node";
import type { ClientCapabilities, Diagnostic, Position, PublishDiagnosticsParams } from "vscode-languageserver-protocol";
import { waitFor } from "../support/waitFor";

const repository = path.resolve(__dirname, "../..");

/** A `file:` URI for a path. */
export function uri(file: string): string {
  return pathToFileURL(file).toString();
}

/**
 * Finds `snippet` (which contains one `|` cursor marker) in `text` and returns the marker's position.
 * Fixture files stay valid TypeScript; the marker lives in the test.
 */
export function cursor(text: string, snippet: string): Position {
  const bar = snippet.indexOf("|");
  if (bar < 0) throw new Error(`no | in ${snippet}`);
  const plain = snippet.slice(0, bar) + snippet.slice(bar + 1);
  const at = text.indexOf(plain);
  if (at < 0) throw new Error(`snippet not found: ${plain}`);
  if (text.indexOf(plain, at + 1) >= 0) throw new Error(`snippet is ambiguous: ${plain}`);
  const offset = at + bar;
  const before = text.slice(0, offset);
  const line = before.split("\n").length - 1;
  return { line, character: offset - (before.lastIndexOf("\n") + 1) };
}

/** The real language server over stdio, driven by vscode-jsonrpc. */
export class LspTestClient {
  readonly connection: MessageConnection;
  readonly diagnostics = new Map<string, Diagnostic[]>();
  /** Every publish, in order, with the time it arrived. */
  readonly publishes: { uri: string; at: number; diagnostics: Diagnostic[] }[] = [];
  readonly statuses: Record<string, unknown>[] = [];
  /** Called on every tributary/status (the bench samples the server's CPU with it). */
  readonly statusListeners: ((status: Record<string, unknown>) => void)[] = [];
  settings: Record<string, unknown> = {};
  /** Called on every publishDiagnostics (the bench times edits with it). */
  readonly publishListeners: ((params: PublishDiagnosticsParams) => void)[] = [];
  stderr = "";
  private readonly child: ChildProcess;

  private constructor(command: string[]) {
    this.child = spawn(process.execPath, command, { cwd: repository, stdio: ["pipe", "pipe", "pipe"] });
    this.child.stderr?.on("data", (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.connection = createMessageConnection(
      new StreamMessageReader(this.child.stdout as NodeJS.ReadableStream),
      new StreamMessageWriter(this.child.stdin as NodeJS.WritableStream),
    );
    this.connection.onNotification("textDocument/publishDiagnostics", (params: PublishDiagnosticsParams) => {
      this.diagnostics.set(params.uri, params.diagnostics);
      this.publishes.push({ uri: params.uri, at: performance.now(), diagnostics: params.diagnostics });
      for (const listener of this.publishListeners) listener(params);
    });
    this.connection.onNotification("tributary/status", (params: Record<string, unknown>) => {
      this.statuses.push(params);
      for (const listener of this.statusListeners) listener(params);
    });
    this.connection.onRequest("workspace/configuration", (params: { items: { section?: string }[] }) =>
      params.items.map(() => this.settings));
    this.connection.onRequest("client/registerCapability", () => null);
    this.connection.onRequest("workspace/codeLens/refresh", () => null);
    this.connection.onRequest("workspace/diagnostic/refresh", () => null);
    this.connection.onNotification("window/logMessage", () => undefined);
    this.connection.listen();
  }

  /**
   * Starts the server on `folders` and waits until it has indexed them.
   * The server runs from source through tsx unless TRIBUTARY_LANGUAGE_SERVER points at a bundle.
   */
  static async start(folders: string[], options: { capabilities?: ClientCapabilities; settings?: Record<string, unknown>; initializationOptions?: unknown; readyTimeoutMs?: number;
    onStatus?: (status: Record<string, unknown>, pid: number) => void; beforeInitialized?: (pid: number) => void; } = {}): Promise<LspTestClient> {
    const bundle = process.env.TRIBUTARY_LANGUAGE_SERVER;
    const command = bundle ? [bundle, "--stdio"] : ["--import", "tsx", path.join(repository, "server/src/main.ts"), "--stdio"];
    const client = new LspTestClient(command);
    const onStatus = options.onStatus;
    if (onStatus) client.statusListeners.push((status) => onStatus(status, client.pid));
    client.settings = options.settings ?? {};
    await client.connection.sendRequest("initialize", {
      processId: process.pid,
      rootUri: folders[0] ? uri(folders[0]) : null,
      workspaceFolders: folders.map((f) => ({ uri: uri(f), name: path.basename(f) })),
      capabilities: options.capabilities ?? {
        workspace: { configuration: true, workspaceFolders: true, codeLens: { refreshSupport: true } },
        textDocument: { publishDiagnostics: { relatedInformation: true } },
      },
      initializationOptions: options.initializationOptions ?? null,
    });
    options.beforeInitialized?.(client.pid);
    await client.connection.sendNotification("initialized", {});
    await waitFor("the server to finish indexing", () => {
      if (!client.alive()) throw new Error(`the language server exited: ${client.stderr}`);
      return client.statuses.some((s) => s.state === "ready");
    }, options.readyTimeoutMs ?? 20_000);
    return client;
  }

  request<T>(method: string, params: unknown): Promise<T> {
    return this.connection.sendRequest(method, params) as Promise<T>;
  }

  /** Opens a file with its text on disk (or the given text). */
  async open(file: string, text = fs.readFileSync(file, "utf8")): Promise<string> {
    await this.connection.sendNotification("textDocument/didOpen", {
      textDocument: { uri: uri(file), languageId: "typescript", version: 1, text },
    });
    return text;
  }

  private versions = new Map<string, number>();

  /** Replaces a document's whole text. */
  async change(file: string, text: string): Promise<void> {
    if (!this.alive()) throw new Error(`the language server exited: ${this.stderr}`);
    const version = (this.versions.get(file) ?? 1) + 1;
    this.versions.set(file, version);
    await this.connection.sendNotification("textDocument/didChange", {
      textDocument: { uri: uri(file), version },
      contentChanges: [{ text }],
    });
  }

  /** Diagnostics last published for a file (empty when none). */
  diagnosticsOf(file: string): Diagnostic[] {
    return this.diagnostics.get(uri(file)) ?? [];
  }

  /** The server's process id. */
  get pid(): number {
    return this.child.pid as number;
  }

  /** Whether the server process is still alive. */
  alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async stop(): Promise<void> {
    if (!this.alive()) return;
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    try {
      await Promise.race([this.request("shutdown", null), new Promise((resolve) => setTimeout(resolve, 2000))]);
      await this.connection.sendNotification("exit");
    } catch {
      // already gone
    }
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 3000);
    await exited;
    clearTimeout(timer);
    this.connection.dispose();
  }
}
