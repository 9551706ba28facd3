/**
 * The lineage webview: one panel (created or revealed, and revived after a reload) that hosts the
 * lineage UI bundle (ui/, built into client/dist/ui). It feeds the UI the graph (from the language
 * server, which works without a daemon; from the daemon's `/api/assets` when the server is down)
 * with the daemon's statuses, or, when no daemon answers, the last materializations storage
 * recorded (storedState.ts) and an "unknown" status, live run events from the daemon's `/api/events/stream`,
 * and the column lineage (`tributary/columnLineage` per asset, columnLineage.ts); the UI asks to reveal definitions and
 * to materialize selections. Messages both ways are typed by ui/src/protocol.ts.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import type { WireAnswer } from "tributary-ts/wire";
import { ColumnLineageRequest, LineageRequest, type LineageResult } from "../../server/src/protocol";
import {
  type HostToUiMessage,
  isUiToHostMessage,
  type LineageAsset,
  type LineageAssetColumns,
  type UiToHostMessage,
} from "../../ui/src/protocol";
import { columnsFromServer } from "./columnLineage";
import { readConfig } from "./config";
import type { Ctx } from "./ctx";
import { showError } from "./errors";
import { findProjectDir } from "./daemon";
import { materialize } from "./runs";
import { type StoredAsset, StoredStateReader } from "./storedState";

/** How long after the last graph the column lineage is asked for (a burst of edits asks once). */
const COLUMNS_DELAY_MS = 150;

/** The webview type (also the serializer's id in package.json's activationEvents). */
export const LINEAGE_VIEW_TYPE = "tributary.lineage";

/** Where a key is defined, for "reveal". */
interface Location {
  uri: string;
  line: number;
  character: number;
}

/** The singleton lineage panel. */
export class LineagePanel implements vscode.Disposable {
  /** The open panel, if any. */
  static current: LineagePanel | undefined;

  private readonly disposables: vscode.Disposable[] = [];
  private readonly locations = new Map<string, Location>();
  private focus: string | undefined;
  private ready = false;
  private stream: AbortController | undefined;
  private readonly stored: StoredStateReader;
  /** The assets last sent to the UI (tests read what the panel shows from here). */
  lastAssets: LineageAsset[] = [];
  private columnsTimer: ReturnType<typeof setTimeout> | undefined;
  private columnsGeneration = 0;
  private disposed = false;
  /** The column lineage last sent to the UI. */
  lastColumns: LineageAssetColumns[] = [];
  /** Resolves when the UI said "ready" and got its first graph (tests and the E2E wait on it). */
  readonly loaded: Promise<void>;
  private resolveLoaded!: () => void;

  /** Opens the panel (or reveals it), focused on `focus` when given. */
  static createOrShow(ctx: Ctx, focus?: string): LineagePanel {
    if (LineagePanel.current) {
      LineagePanel.current.panel.reveal(undefined, false);
      LineagePanel.current.setFocus(focus);
      return LineagePanel.current;
    }
    const panel = vscode.window.createWebviewPanel(LINEAGE_VIEW_TYPE, "Tributary Lineage", vscode.ViewColumn.Beside, {
      enableScripts: true,
      retainContextWhenHidden: true,
      localResourceRoots: [bundleRoot(ctx)],
    });
    LineagePanel.current = new LineagePanel(ctx, panel, focus);
    return LineagePanel.current;
  }

  /** Restores the panel VS Code kept across a reload (registered as a webview serializer). */
  static revive(ctx: Ctx, panel: vscode.WebviewPanel, state: { focus?: string } | undefined): void {
    panel.webview.options = { enableScripts: true, localResourceRoots: [bundleRoot(ctx)] };
    LineagePanel.current?.dispose();
    LineagePanel.current = new LineagePanel(ctx, panel, state?.focus);
  }

  private constructor(private readonly ctx: Ctx, readonly panel: vscode.WebviewPanel, focus: string | undefined) {
    this.focus = focus;
    this.stored = new StoredStateReader((line) => ctx.daemon.output.appendLine(line));
    this.loaded = new Promise((resolve) => (this.resolveLoaded = resolve));
    panel.iconPath = vscode.Uri.joinPath(ctx.extension.extensionUri, "client", "images", "icon.png");
    panel.webview.html = renderHtml(ctx, panel.webview);
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((message: unknown) => {
        if (isUiToHostMessage(message)) void this.onMessage(message);
      }),
      ctx.daemon.onDidChange(() => {
        this.stored.invalidate();
        this.connectStream();
        void this.sendGraph();
      }),
      ctx.onServerChange(() => void this.sendGraph()),
    );
  }

  private post(message: HostToUiMessage): void {
    void this.panel.webview.postMessage(message);
  }

  private setFocus(focus: string | undefined): void {
    this.focus = focus;
    if (focus) this.post({ type: "focus", key: focus, depth: readConfig().lineageFocusDepth });
    else void this.sendGraph();
  }

  private async onMessage(message: UiToHostMessage): Promise<void> {
    try {
      switch (message.type) {
        case "ready":
          this.ready = true;
          await this.sendGraph();
          this.connectStream();
          this.resolveLoaded();
          break;
        case "reveal":
          await this.reveal(message.key, message.file, message.line);
          break;
        case "materialize":
          await materialize(this.ctx, message.selection);
          this.stored.invalidate();
          await this.sendGraph();
          break;
      }
    } catch (error) {
      void showError(error);
    }
  }

  /** Opens the definition of `key` (from the server's locations, else the UI's file/line). */
  private async reveal(key: string, file?: string, line?: number): Promise<void> {
    const known = this.locations.get(key);
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? "";
    const uri = known ? vscode.Uri.parse(known.uri) : file ? vscode.Uri.file(path.isAbsolute(file) ? file : path.join(folder, file)) : undefined;
    if (!uri) {
      void vscode.window.showWarningMessage(`Tributary: no source location is known for "${key}" (the language server has not indexed it).`);
      return;
    }
    const position = known ? new vscode.Position(known.line, known.character) : new vscode.Position(Math.max(0, (line ?? 1) - 1), 0);
    const editor = await vscode.window.showTextDocument(uri, { viewColumn: vscode.ViewColumn.One, preserveFocus: false });
    editor.selection = new vscode.Selection(position, position);
    editor.revealRange(new vscode.Range(position, position), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  /** Sends the whole graph: the server's static lineage with statuses, or the daemon's assets. */
  async sendGraph(): Promise<void> {
    if (!this.ready) return;
    try {
      const { assets, notice } = await this.loadAssets();
      this.lastAssets = assets;
      this.post({ type: "graph", assets, ...(this.focus ? { focus: this.focus } : {}) });
      this.post({ type: "notice", level: "info", message: notice ?? null });
    } catch (error) {
      this.post({ type: "notice", level: "error", message: error instanceof Error ? error.message : String(error) });
      return;
    }
    this.scheduleColumns();
  }

  /**
   * Sends the column lineage a moment after the graph: typing sends a graph per edit, and the
   * columns of a large project cost one request per asset (2,000 assets: ~0.3 s, docs/performance.md),
   * so only the last edit of a burst asks for them.
   */
  private scheduleColumns(): void {
    clearTimeout(this.columnsTimer);
    this.columnsTimer = setTimeout(() => void this.sendColumns(), COLUMNS_DELAY_MS);
  }

  private async sendColumns(): Promise<void> {
    const generation = ++this.columnsGeneration;
    const columns = await this.loadColumns(this.lastAssets.map((a) => a.key)).catch((error: unknown) => {
      this.ctx.daemon.output.appendLine(`Column lineage unavailable: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    });
    if (!columns || generation !== this.columnsGeneration || this.disposed) return;
    this.lastColumns = columns;
    this.post({ type: "columns", assets: columns });
  }

  /** The column lineage: the language server's (live as files change), else the daemon's static analysis. */
  private async loadColumns(keys: string[]): Promise<LineageAssetColumns[] | undefined> {
    if (this.ctx.serverRunning) return columnsFromServer((params) => this.ctx.request(ColumnLineageRequest, params), keys);
    if (this.ctx.daemon.state === "stopped") return undefined;
    const api = await this.ctx.daemon.api();
    return (await api.json<WireAnswer<"GET /api/lineage/columns">>("GET", "/api/lineage/columns")).assets;
  }

  private async loadAssets(): Promise<{ assets: LineageAsset[]; notice?: string }> {
    const daemonAssets = this.ctx.daemon.state === "stopped" ? undefined : await (await this.ctx.daemon.api())
      .json<WireAnswer<"GET /api/assets">>("GET", "/api/assets").then((r) => r.assets).catch(() => undefined);
    if (daemonAssets && !this.ctx.serverRunning) return { assets: daemonAssets };
    if (!this.ctx.serverRunning) {
      throw new Error("No lineage available: the language server is not running and no daemon answers. Run 'Tributary: Restart Server' or start the local daemon.");
    }
    const result = await this.ctx.request(LineageRequest, {});
    if (!result) throw new Error("No lineage available: the language server has no project for this workspace.");
    if (daemonAssets) return { assets: fromServer(result, this.locations, { kind: "daemon", assets: daemonAssets }) };
    // No daemon: the last materializations storage recorded, freshness unknown.
    const stored = await this.stored.read(await findProjectDir()).catch(() => undefined);
    return {
      assets: fromServer(result, this.locations, { kind: "stored", assets: stored }),
      notice: stored
        ? "No daemon answers: the lineage shows the last materializations recorded in storage; freshness is unknown until the daemon runs (Tributary: Start Local Daemon)."
        : "No daemon answers and storage could not be read (see Tributary Daemon output): statuses are unknown until the daemon runs (Tributary: Start Local Daemon).",
    };
  }

  /** Forwards the daemon's global event stream to the UI while the panel is open. */
  private connectStream(): void {
    this.stream?.abort();
    this.stream = undefined;
    if (!this.ready || this.ctx.daemon.state === "stopped") return;
    const controller = new AbortController();
    this.stream = controller;
    void (async () => {
      const api = await this.ctx.daemon.api();
      // Reconnects with Last-Event-ID while the panel is open, so a daemon restart loses no event.
      await api.streamAllEvents((event) => {
        this.post({ type: "runEvent", event });
        if (event.type === "RUN_SUCCESS" || event.type === "RUN_FAILURE" || event.type === "RUN_CANCELED") void this.sendGraph();
      }, controller.signal);
    })().catch(() => {
      // A 4xx (a wrong token): the daemon state change reconnects.
    });
  }

  dispose(): void {
    if (LineagePanel.current === this) LineagePanel.current = undefined;
    clearTimeout(this.columnsTimer);
    this.disposed = true;
    this.stream?.abort();
    this.panel.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

/** The folder the UI bundle lives in (the only folder the webview may load from). */
export function bundleRoot(ctx: Ctx): vscode.Uri {
  return vscode.Uri.joinPath(ctx.extension.extensionUri, "client", "dist", "ui");
}

/** Where the statuses come from: the daemon, or (none answers) what storage recorded, if it could be read. */
type StatusSource = { kind: "daemon"; assets: LineageAsset[] } | { kind: "stored"; assets: Map<string, StoredAsset> | undefined };

/**
 * The server's lineage as the UI's assets, with the daemon's statuses and checks merged in; without
 * a daemon, NEVER for what storage never recorded, else UNKNOWN with the latest materialization.
 */
function fromServer(result: LineageResult, locations: Map<string, Location>, source: StatusSource): LineageAsset[] {
  const fromDaemon = new Map((source.kind === "daemon" ? source.assets : []).map((a) => [a.key, a]));
  const deps = new Map<string, string[]>();
  for (const edge of result.edges) deps.set(edge.to, [...(deps.get(edge.to) ?? []), edge.from]);
  locations.clear();
  return result.nodes.map((node) => {
    locations.set(node.key, { uri: node.uri, line: node.range.start.line, character: node.range.start.character });
    const live = fromDaemon.get(node.key);
    return {
      ...(live ?? {}),
      key: node.key,
      group: node.group ?? live?.group ?? "default",
      deps: deps.get(node.key) ?? [],
      description: node.description,
      file: vscode.Uri.parse(node.uri).fsPath,
      line: node.range.start.line + 1,
      ...(source.kind === "daemon" ? { status: live?.status ?? node.status ?? "NEVER" } : storedStatus(source.assets?.get(node.key), source.assets !== undefined)),
    };
  });
}

/** Without a daemon: NEVER when storage has no materialization, else UNKNOWN with the last one. */
function storedStatus(stored: StoredAsset | undefined, storageRead: boolean): Pick<LineageAsset, "status" | "latestMaterialization"> {
  if (!storageRead) return { status: "UNKNOWN" };
  const latest = stored?.latestMaterialization ?? null;
  return latest ? { status: "UNKNOWN", latestMaterialization: latest } : { status: "NEVER", latestMaterialization: null };
}

/**
 * The bundle's index.html with every local URL turned into a webview URL, a nonce on each script
 * and a strict CSP: nothing remote, scripts only with the nonce, workers from blobs (the layout
 * runs in a worker) or the bundle.
 */
function renderHtml(ctx: Ctx, webview: vscode.Webview): string {
  const root = bundleRoot(ctx);
  const indexFile = path.join(root.fsPath, "index.html");
  const nonce = crypto.randomBytes(16).toString("base64");
  const csp = [
    "default-src 'none'",
    `img-src ${webview.cspSource} data:`,
    `style-src ${webview.cspSource} 'unsafe-inline'`,
    `font-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
    `worker-src ${webview.cspSource} blob:`,
    `connect-src ${webview.cspSource}`,
  ].join("; ");
  if (!fs.existsSync(indexFile)) {
    return `<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" content="${csp}"></head><body>
<p>The lineage UI bundle is missing from this installation (${indexFile}). Rebuild the extension (<code>npm run build</code>) or reinstall it.</p></body></html>`;
  }
  let html = fs.readFileSync(indexFile, "utf8");
  html = html.replace(/<meta[^>]+Content-Security-Policy[^>]*>/gi, "");
  html = html.replace(/(src|href)="(?!https?:|data:|#|\/\/)\.?\/?([^"]+)"/g, (_m, attr: string, file: string) =>
    `${attr}="${webview.asWebviewUri(vscode.Uri.joinPath(root, file)).toString()}"`);
  html = html.replace(/<script(?![^>]*\bnonce=)/g, `<script nonce="${nonce}"`);
  // The UI reads the bundle's base URL from here to start its worker inside the webview's origin.
  const base = webview.asWebviewUri(root).toString();
  const head = `<meta http-equiv="Content-Security-Policy" content="${csp}"><meta name="tributary-host" content="vscode"><meta name="tributary-bundle" content="${base}/">`;
  return html.includes("<head>") ? html.replace("<head>", `<head>${head}`) : `${head}${html}`;
}
