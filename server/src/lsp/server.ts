import * as fs from "node:fs";
import {
  type ClientCapabilities,
  CodeLensRefreshRequest,
  type Connection,
  type Diagnostic,
  DiagnosticSeverity,
  DidChangeWatchedFilesNotification,
  DidChangeWorkspaceFoldersNotification,
  DocumentDiagnosticReportKind,
  FileChangeType,
  type InitializeParams,
  type InitializeResult,
  ResponseError,
  TextDocuments,
  TextDocumentSyncKind,
} from "vscode-languageserver";
import { TextDocument } from "vscode-languageserver-textdocument";
import { loadSqlParser, type ParseWorkerPool, type ProjectIndex, type ProjectModel, Workspace } from "../analysis";
import {
  AssetAtRequest,
  ColumnLineageRequest,
  type ColumnLineageParams,
  type ColumnLineageResult,
  type AssetAtParams,
  type AssetAtResult,
  DEFAULT_SETTINGS,
  DIAGNOSTIC_SOURCE,
  JobsRequest,
  type JobsParams,
  type JobsResult,
  LineageRequest,
  type LineageParams,
  type LineageResult,
  MaterializeCommand,
  type StatusParams,
  StatusNotification,
  type TributarySettings,
} from "../protocol";
import { pathToUri, toLspDiagnostic, toRange, uriToPath } from "./convert";
import { DaemonClient } from "./daemonClient";
import { codeActions, completion } from "./editing";
import { definition, documentSymbols, prepareRename, references, rename, workspaceSymbols } from "./navigation";
import { codeLenses, hover, jobList, neighbourhood } from "./presentation";
import { columnLineage, sqlCompletion, sqlDefinition, sqlHover } from "./sqlFeatures";
import { assetAt, assetsInFile, type ServerState } from "./state";

/**
 * The language server: hosts the analysis library over LSP. Owns the open documents, one
 * {@link Workspace} (a project per workspace folder), the daemon poller and diagnostics publishing.
 */
export class TributaryServer implements ServerState {
  private readonly documents = new TextDocuments(TextDocument);
  private readonly workspace = new Workspace();
  private capabilities: ClientCapabilities = {};
  private currentSettings: TributarySettings = { ...DEFAULT_SETTINGS };
  private readonly daemon: DaemonClient;
  /** Files whose last published diagnostics were non-empty, with a signature to skip identical publishes. */
  private readonly published = new Map<string, string>();
  private publishScheduled = false;
  /** Files edited since the last publish: their diagnostics go out first. */
  private readonly edited = new Set<string>();
  /** Set when every file must be compared again (daemon check results changed, folders changed). */
  private publishEverything = true;
  private indexMs = 0;
  private parsedByWorkers = 0;
  private indexing = true;
  /** Watched-file changes that arrived during the cold index: applied after it, in order. */
  private readonly changesDuringIndex: { uri: string; type: number }[] = [];
  private pullDiagnostics = false;

  /**
   * @param parseWorkers workers that help the cold index parse (started early by the entry
   * point, terminated after the cold index); without them the main thread parses alone.
   */
  constructor(private readonly connection: Connection, private parseWorkers?: ParseWorkerPool) {
    this.daemon = new DaemonClient(this.currentSettings, () => this.daemonChanged());
  }

  /** Registers every handler and starts listening. */
  listen(): void {
    const c = this.connection;
    c.onInitialize((params) => this.initialize(params));
    c.onInitialized(() => {
      this.listenToFolderChanges();
      void this.initialized();
    });
    c.onShutdown(() => this.daemon.stop());
    c.onDidChangeConfiguration(() => void this.loadSettings());
    c.onDidChangeWatchedFiles((params) => {
      if (this.indexing) this.changesDuringIndex.push(...params.changes);
      else for (const change of params.changes) this.fileChangedOnDisk(change.uri, change.type);
      this.schedulePublish();
    });
    this.documents.onDidChangeContent((event) => this.guard("change", () => {
      // During the cold index, open documents are applied once it ends (in indexing order).
      if (this.indexing) return;
      const file = uriToPath(event.document.uri);
      const project = file && this.workspace.projectFor(file);
      if (!file || !project) return;
      project.update(file, event.document.getText());
      this.edited.add(file);
      this.schedulePublish();
    }, undefined));
    this.documents.onDidClose((event) => this.guard("close", () => {
      if (this.indexing) {
        this.changesDuringIndex.push({ uri: event.document.uri, type: FileChangeType.Changed });
        return;
      }
      // The closed buffer may differ from the disk (closed without saving): the disk wins.
      this.fileChangedOnDisk(event.document.uri, FileChangeType.Changed);
      this.schedulePublish();
    }, undefined));
    const at = <T>(name: string, uri: string, fallback: T, run: (model: ProjectModel, file: string) => T): T =>
      this.guard(name, () => {
        const file = uriToPath(uri);
        const found = file && this.projectOf(file);
        return file && found ? run(found.model, file) : fallback;
      }, fallback);
    c.onHover((p) => at("hover", p.textDocument.uri, null, (m, f) => sqlHover(m, f, p.position) ?? hover(this, m, f, p.position)));
    c.onCodeLens((p) => at("codeLens", p.textDocument.uri, [], (m, f) => codeLenses(this, m, f)));
    c.onDefinition((p) => at("definition", p.textDocument.uri, null, (m, f) => sqlDefinition(m, f, p.position) ?? definition(m, f, p.position)));
    c.onReferences((p) => at("references", p.textDocument.uri, [], (m, f) => references(m, f, p.position, p.context.includeDeclaration)));
    c.onPrepareRename((p) => at("prepareRename", p.textDocument.uri, null, (m, f) => prepareRename(m, f, p.position)));
    c.onRenameRequest((p) => {
      const file = uriToPath(p.textDocument.uri);
      const found = file && this.projectOf(file);
      return file && found ? rename(found.model, file, p.position, p.newName) : null;
    });
    c.onDocumentSymbol((p) => at("documentSymbol", p.textDocument.uri, [], (m, f) => documentSymbols(m, f)));
    c.onWorkspaceSymbol((p) => this.guard("workspaceSymbol", () => workspaceSymbols(this.workspace.all().map((project) => project.model()), p.query), []));
    c.onCompletion((p) => at("completion", p.textDocument.uri, [], (m, f) => sqlCompletion(m, f, this.textOf(f) ?? "", p.position) ?? completion(m, f, this.textOf(f) ?? "", p.position)));
    c.onCodeAction((p) => this.guard("codeAction", () => codeActions(p.textDocument.uri, p.context.diagnostics), []));
    c.onExecuteCommand(async (p) => {
      if (p.command !== MaterializeCommand) throw new ResponseError(-32601, `Unknown command ${p.command}`);
      const argument = (p.arguments ?? [])[0] as { selection?: unknown } | string | undefined;
      const selection = typeof argument === "string" ? argument : argument?.selection;
      if (typeof selection !== "string" || selection.length === 0) {
        throw new ResponseError(-32602, `${MaterializeCommand} needs [{ "selection": "raw_orders" }]`);
      }
      try {
        return await this.materialize(selection);
      } catch (error) {
        throw new ResponseError(-32603, error instanceof Error ? error.message : String(error));
      }
    });
    c.languages.diagnostics.on((p) => this.guard("diagnostic", () => {
      const file = uriToPath(p.textDocument.uri);
      const found = file && this.projectOf(file);
      return { kind: DocumentDiagnosticReportKind.Full, items: file && found ? this.diagnosticsFor(found.model, file) : [] };
    }, { kind: DocumentDiagnosticReportKind.Full, items: [] }));
    c.onRequest(ColumnLineageRequest, (p: ColumnLineageParams): ColumnLineageResult => this.guard("columnLineage", () => {
      const project = this.projectNamed(p?.uri);
      return project && typeof p?.key === "string" ? columnLineage(project.model(), p.key) : null;
    }, null));
    c.onRequest(LineageRequest, (p: LineageParams) => this.guard("lineage", () => this.lineage(p ?? {}), null));
    c.onRequest(JobsRequest, (p: JobsParams): JobsResult => this.guard("jobs", () => {
      const project = this.projectNamed(p?.uri);
      return { jobs: project ? jobList(project.model()) : [] };
    }, { jobs: [] }));
    c.onRequest(AssetAtRequest, (p: AssetAtParams): AssetAtResult => at("assetAt", p.textDocument.uri, null, (m, f) => {
      const reference = assetAt(m, f, p.position);
      return reference ? { key: reference.key } : null;
    }));
    this.documents.listen(c);
    c.listen();
  }

  /**
   * The library's typed folder-change event exists only when the client announced folder support
   * (it throws otherwise); without it a raw handler still serves clients that send the notification.
   */
  private listenToFolderChanges(): void {
    const handle = (event: { added: { uri: string }[]; removed: { uri: string }[] }): void => this.guard("folders", () => {
      for (const removed of event.removed) {
        const root = uriToPath(removed.uri);
        if (root) this.workspace.removeFolder(root);
      }
      for (const added of event.added) this.addFolder(added.uri);
      this.publishEverything = true;
      this.schedulePublish();
    }, undefined);
    try {
      this.connection.workspace.onDidChangeWorkspaceFolders(handle);
    } catch {
      this.connection.onNotification(DidChangeWorkspaceFoldersNotification.type, ({ event }) => handle(event));
    }
  }

  // ----- ServerState -----

  settings(): TributarySettings {
    return this.currentSettings;
  }

  projectOf(file: string): { project: ProjectIndex; model: ProjectModel } | undefined {
    const project = this.workspace.projectFor(file);
    return project ? { project, model: project.model() } : undefined;
  }

  textOf(file: string): string | undefined {
    const document = this.documents.get(pathToUri(file));
    if (document) return document.getText();
    try {
      return fs.readFileSync(file, "utf8");
    } catch {
      return undefined;
    }
  }

  daemonStatuses(): ReturnType<DaemonClient["statuses"]> {
    return this.daemon.statuses();
  }

  materialize(selection: string): Promise<{ runId: string }> {
    return this.daemon.materialize(selection);
  }

  // ----- lifecycle -----

  private initialize(params: InitializeParams): InitializeResult {
    this.capabilities = params.capabilities;
    this.pullDiagnostics = params.capabilities.textDocument?.diagnostic !== undefined;
    const options = params.initializationOptions as Partial<TributarySettings> | undefined;
    if (options && typeof options === "object") this.currentSettings = mergeSettings(this.currentSettings, options);
    const folders = params.workspaceFolders?.map((f) => f.uri) ?? (params.rootUri ? [params.rootUri] : []);
    for (const uri of folders) this.addFolder(uri, false);
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        hoverProvider: true,
        codeLensProvider: { resolveProvider: false },
        completionProvider: { triggerCharacters: ['"', "'", "`", ":", " ", "+", "(", "/"] },
        definitionProvider: true,
        referencesProvider: true,
        renameProvider: { prepareProvider: true },
        documentSymbolProvider: true,
        workspaceSymbolProvider: true,
        codeActionProvider: { codeActionKinds: ["quickfix"] },
        executeCommandProvider: { commands: [MaterializeCommand] },
        ...(this.pullDiagnostics ? { diagnosticProvider: { interFileDependencies: true, workspaceDiagnostics: false } } : {}),
        workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
      },
      serverInfo: { name: "tributary-language-server", version: "0.1.0" },
    };
  }

  private async initialized(): Promise<void> {
    if (this.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration) {
      void this.connection.client.register(DidChangeWatchedFilesNotification.type, {
        watchers: [{ globPattern: "**/*.{ts,tsx,mts,cts}" }, { globPattern: "**/tsconfig*.json" }],
      }).catch(() => undefined);
    }
    this.sendStatus();
    const started = performance.now();
    // SQL assets are analysed in the link, synchronously: the parser's WebAssembly must be ready first.
    await loadSqlParser().catch((error: unknown) => this.logFailure("SQL parser", error));
    for (const project of this.workspace.all()) {
      const workers = this.parseWorkers;
      if (workers) {
        await project.indexFromDiskInParallel(workers).catch((error: unknown) => this.logFailure("index", error));
        this.parsedByWorkers += workers.lastStats?.workerFiles ?? 0;
      } else this.guard("index", () => project.indexFromDisk(), 0);
    }
    void this.parseWorkers?.close();
    this.parseWorkers = undefined;
    // Changes on disk during the index, then open documents: they carry newer text than the disk.
    for (const change of this.changesDuringIndex.splice(0)) this.guard("change", () => this.fileChangedOnDisk(change.uri, change.type), undefined);
    for (const project of this.workspace.all()) {
      for (const document of this.documents.all()) {
        const file = uriToPath(document.uri);
        if (file && project.owns(file)) project.update(file, document.getText());
      }
      this.guard("link", () => project.model(), undefined);
    }
    this.indexMs = performance.now() - started;
    this.indexing = false;
    this.publishNow();
    await this.loadSettings();
  }

  private addFolder(uri: string, index = true): void {
    const root = uriToPath(uri);
    if (!root) return;
    const project = this.workspace.addFolder(root);
    if (index) {
      this.guard("index", () => project.indexFromDisk(), 0);
      for (const document of this.documents.all()) {
        const file = uriToPath(document.uri);
        if (file && project.owns(file)) project.update(file, document.getText());
      }
    }
  }

  private async loadSettings(): Promise<void> {
    if (this.capabilities.workspace?.configuration) {
      try {
        const [section] = await this.connection.workspace.getConfiguration([{ section: "tributary" }]) as [Partial<TributarySettings> | null];
        if (section && typeof section === "object") this.currentSettings = mergeSettings(DEFAULT_SETTINGS, section);
      } catch {
        // A client that answers configuration requests with an error keeps the defaults.
      }
    }
    this.daemon.configure(this.currentSettings);
    this.refreshCodeLens();
  }

  private fileChangedOnDisk(uri: string, type: number): void {
    const file = uriToPath(uri);
    if (!file) return;
    if (/tsconfig[^/\\]*\.json$/.test(file)) {
      for (const project of this.workspace.all()) project.configurationChanged();
      return;
    }
    const project = this.workspace.projectFor(file);
    if (!project || this.documents.get(uri)) return; // open documents are the truth while open
    if (type === FileChangeType.Deleted) project.remove(file);
    else {
      try {
        project.update(file, fs.readFileSync(file, "utf8"));
      } catch {
        project.remove(file);
      }
    }
  }

  // ----- diagnostics -----

  /** Coalesces a burst of changes into one publish, on the next turn of the event loop. */
  private schedulePublish(): void {
    if (this.publishScheduled || this.indexing) return;
    this.publishScheduled = true;
    setImmediate(() => {
      this.publishScheduled = false;
      this.publishNow();
    });
  }

  private diagnosticsFor(model: ProjectModel, file: string): Diagnostic[] {
    const diagnostics = (model.diagnostics.get(file) ?? []).map(toLspDiagnostic);
    const statuses = this.daemon.statuses();
    if (statuses.size === 0) return diagnostics;
    for (const asset of assetsInFile(model, file)) {
      for (const check of statuses.get(asset.key)?.latestChecks ?? []) {
        if (check.passed) continue;
        diagnostics.push({
          range: toRange(asset.location.span),
          severity: check.severity === "WARN" ? DiagnosticSeverity.Warning : DiagnosticSeverity.Error,
          code: "check-failed", source: DIAGNOSTIC_SOURCE,
          message: `Check "${check.checkName}" failed on "${asset.key}" in run ${check.runId}; open the run in the daemon UI for details`,
        });
      }
    }
    return diagnostics;
  }

  /**
   * Publishes the diagnostics that changed: the linker reports which files' diagnostics changed
   * since the last publish, so a one-file edit costs one or a few publishes, not a pass over the
   * project. Edited files go first. Daemon check results can change any file: then every file
   * with something to show is compared again.
   */
  private publishNow(): void {
    this.guard("publish", () => {
      if (this.pullDiagnostics) {
        if (this.capabilities.workspace?.diagnostics?.refreshSupport) this.connection.languages.diagnostics.refresh();
      } else {
        const everything = this.publishEverything;
        this.publishEverything = false;
        const seen = new Set<string>();
        const publish = (project: ProjectIndex, model: ProjectModel, file: string): void => {
          if (seen.has(file) || this.workspace.projectFor(file) !== project) return;
          seen.add(file);
          const diagnostics = this.diagnosticsFor(model, file);
          const signature = diagnostics.length > 0 ? JSON.stringify(diagnostics) : "[]";
          if ((this.published.get(file) ?? "[]") === signature) return;
          if (diagnostics.length > 0) this.published.set(file, signature);
          else this.published.delete(file);
          void this.connection.sendDiagnostics({ uri: pathToUri(file), diagnostics });
        };
        for (const project of this.workspace.all()) {
          const changed = project.takeChangedFiles();
          const model = project.model();
          for (const file of this.edited) if (changed.has(file)) publish(project, model, file);
          for (const file of changed) publish(project, model, file);
          if (!everything) continue;
          for (const file of [...model.diagnostics.keys(), ...this.filesWithFailedChecks(model)]) publish(project, model, file);
          for (const [file] of this.published) if (project.owns(file)) publish(project, model, file);
        }
        // Files of removed folders, or that left every project: clear what was shown.
        if (everything) {
          for (const [file] of this.published) {
            if (seen.has(file) || this.workspace.projectFor(file)) continue;
            this.published.delete(file);
            void this.connection.sendDiagnostics({ uri: pathToUri(file), diagnostics: [] });
          }
        }
      }
      this.edited.clear();
      this.sendStatus();
    }, undefined);
  }

  private filesWithFailedChecks(model: ProjectModel): string[] {
    const files: string[] = [];
    for (const [key, status] of this.daemon.statuses()) {
      if (!status.latestChecks.some((c) => !c.passed)) continue;
      const asset = model.assets.get(key);
      if (asset) files.push(asset.location.file);
    }
    return files;
  }

  private daemonChanged(): void {
    this.refreshCodeLens();
    this.publishEverything = true;
    this.publishNow();
  }

  private refreshCodeLens(): void {
    if (this.capabilities.workspace?.codeLens?.refreshSupport) void this.connection.sendRequest(CodeLensRefreshRequest.type).catch(() => undefined);
  }

  private sendStatus(): void {
    const projects = this.indexing ? [] : this.workspace.all().map((project) => {
      const model = project.model();
      let errors = 0;
      let warnings = 0;
      for (const list of model.diagnostics.values()) {
        for (const d of list) {
          if (d.severity === "error") errors++;
          else if (d.severity === "warning") warnings++;
        }
      }
      return { root: pathToUri(project.root), files: project.fileCount(), assets: model.assets.size, errors, warnings };
    });
    const assets = projects.reduce((n, p) => n + p.assets, 0);
    const errors = projects.reduce((n, p) => n + p.errors, 0);
    const status: StatusParams = {
      state: this.indexing ? "indexing" : "ready",
      message: this.indexing ? "Tributary: indexing…" : `Tributary: ${assets} asset${assets === 1 ? "" : "s"}${errors > 0 ? ` · ${errors} error${errors === 1 ? "" : "s"}` : ""}`,
      projects, indexMs: Math.round(this.indexMs), parsedByWorkers: this.parsedByWorkers, daemon: this.daemon.state(),
    };
    void this.connection.sendNotification(StatusNotification, status);
  }

  // ----- custom requests -----

  /** The project a file or folder URI names (the first one without a URI). */
  private projectNamed(uri: string | undefined): ProjectIndex | undefined {
    const file = uri ? uriToPath(uri) : undefined;
    return (file && (this.workspace.projectFor(file) ?? this.workspace.all().find((p) => p.root === file))) || this.workspace.all()[0];
  }

  private lineage(params: LineageParams): LineageResult | null {
    const project = this.projectNamed(params.uri);
    if (!project) return null;
    const model = project.model();
    const included = params.focus !== undefined ? neighbourhood(model, params.focus, params.depth) : undefined;
    if (included && !model.assets.has(params.focus as string)) {
      throw new ResponseError(-32602, `Unknown asset "${params.focus}"`);
    }
    const statuses = this.daemon.statuses();
    const nodes = [...model.assets.values()].filter((a) => !included || included.has(a.key)).map((asset) => {
      const status = statuses.get(asset.key)?.status;
      return {
        key: asset.key, group: asset.group ?? null, description: asset.description ?? null,
        uri: pathToUri(asset.location.file), range: toRange(asset.location.span), ...(status ? { status } : {}),
      };
    });
    const keys = new Set(nodes.map((n) => n.key));
    const edges = nodes.flatMap((node) => (model.assets.get(node.key)?.deps ?? []).filter((dep) => keys.has(dep)).map((dep) => ({ from: dep, to: node.key })));
    return { root: pathToUri(project.root), nodes, edges };
  }

  /** Runs a handler; an exception is logged and answered with `fallback` instead of killing the server. */
  private guard<T>(name: string, run: () => T, fallback: T): T {
    try {
      return run();
    } catch (error) {
      if (error instanceof ResponseError) throw error;
      this.logFailure(name, error);
      return fallback;
    }
  }

  private logFailure(name: string, error: unknown): void {
    this.connection.console.error(`tributary: ${name} failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
  }
}

function mergeSettings(base: TributarySettings, overrides: Partial<TributarySettings>): TributarySettings {
  const result = { ...base };
  if (typeof overrides.daemonUrl === "string" && overrides.daemonUrl) result.daemonUrl = overrides.daemonUrl;
  if (typeof overrides.daemonToken === "string") result.daemonToken = overrides.daemonToken;
  if (typeof overrides.daemonPollIntervalMs === "number") result.daemonPollIntervalMs = overrides.daemonPollIntervalMs;
  if (typeof overrides.codeLens === "boolean") result.codeLens = overrides.codeLens;
  return result;
}
