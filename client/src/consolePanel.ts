/**
 * The operations console in a webview: one panel, reused for every page (Overview, Runs, a run, an
 * asset, Schedules, Sensors, Backfills), titled after the page it shows. It hosts the console
 * bundle the daemon serves (console.html/js/css, shipped in client/dist/ui like the lineage's),
 * loaded from the extension with a nonce CSP and nothing remote, as the lineage panel does. Like
 * the lineage panel, the page talks to the daemon through the extension: consoleShim.ts answers the
 * page's `fetch("/api/...")` by messages, and this panel makes the request to the daemon the
 * extension is connected to (local or remote, with the token from secret storage) and streams the
 * answer back. See docs/vscode.md ("The console in the editor") for why not an iframe.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import { consoleAssetPath, consolePageTitle, consoleRunPath } from "tributary-ts/wire";
import { isLoopbackUrl } from "./config";
import type { Ctx } from "./ctx";
import { CommandError } from "./errors";
import { bundleRoot } from "./lineagePanel";
import { type ConsoleHostMessage, type ConsoleUiMessage, consoleShimScript, isConsoleUiMessage } from "./consoleShim";

/** The webview type of the console panel. */
export const CONSOLE_VIEW_TYPE = "tributary.console";

/** A page of the console the editor opens: a console path (`/runs/<id>`...), see consoleUrls.ts. */
export type ConsolePath = string;

/** The console page of a run. */
export const runPage = (runId: string): ConsolePath => consoleRunPath(runId);
/** The console page of an asset (its key as one URL-encoded segment). */
export const assetPage = (key: string): ConsolePath => consoleAssetPath(key);

/** The singleton console panel. */
export class ConsolePanel implements vscode.Disposable {
  /** The open panel, if any. */
  static current: ConsolePanel | undefined;

  private readonly disposables: vscode.Disposable[] = [];
  private readonly requests = new Map<number, AbortController>();
  /** The page the console shows now (pathname and query), as the page reported it. */
  path: ConsolePath;

  /**
   * Opens the panel on `page` (or reveals it and navigates there). Throws a {@link CommandError}
   * with the way out when no daemon answers: the console has nothing to show without one.
   */
  static async show(ctx: Ctx, page: ConsolePath): Promise<ConsolePanel> {
    if ((await ctx.daemon.refresh()) === "stopped") {
      const url = ctx.daemon.url;
      throw new CommandError(
        isLoopbackUrl(url)
          ? `No Tributary daemon answers at ${url}: the console needs one. Start the local daemon, then open the page again.`
          : `The remote Tributary daemon at ${url} does not answer: the console needs one. Check that it runs and that the URL is right.`,
        isLoopbackUrl(url)
          ? [{ title: "Start Local Daemon and Open", command: "tributary.startLocalDaemonAndOpenConsole", args: [page] }]
          : [{ title: "Connect to Remote Daemon", command: "tributary.connectRemoteDaemon" }, { title: "Use Local Daemon", command: "tributary.disconnectRemoteDaemon" }],
      );
    }
    const current = ConsolePanel.current;
    if (current) {
      current.panel.reveal(undefined, false);
      current.navigate(page);
      return current;
    }
    const panel = vscode.window.createWebviewPanel(CONSOLE_VIEW_TYPE, title(page), vscode.ViewColumn.Active, {
      enableScripts: true,
      retainContextWhenHidden: true,
      localResourceRoots: [bundleRoot(ctx)],
    });
    ConsolePanel.current = new ConsolePanel(ctx, panel, page);
    return ConsolePanel.current;
  }

  private constructor(private readonly ctx: Ctx, readonly panel: vscode.WebviewPanel, page: ConsolePath) {
    this.path = page;
    panel.iconPath = vscode.Uri.joinPath(ctx.extension.extensionUri, "client", "images", "icon.png");
    panel.webview.html = renderConsoleHtml(ctx, panel.webview, page);
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((message: unknown) => {
        if (isConsoleUiMessage(message)) this.onMessage(message);
      }),
      // Another daemon (connect/disconnect): the page reconnects by itself through the proxy,
      // which now asks the new URL; requests to the old one end.
      ctx.daemon.onDidChange(() => this.abortAll()),
    );
  }

  /** Shows `page` in the open panel (client-side: the console routes it without a reload). */
  navigate(page: ConsolePath): void {
    this.path = page;
    this.panel.title = title(page);
    this.post({ type: "navigate", path: page });
  }

  private post(message: ConsoleHostMessage): void {
    void this.panel.webview.postMessage(message);
  }

  private onMessage(message: ConsoleUiMessage): void {
    switch (message.type) {
      case "fetch":
        void this.proxy(message);
        break;
      case "fetch.abort":
        this.requests.get(message.id)?.abort();
        this.requests.delete(message.id);
        break;
      case "location":
        this.path = message.path;
        this.panel.title = title(message.path);
        break;
      case "openLineage":
        void vscode.commands.executeCommand("tributary.showLineage", ...(message.focus ? [{ key: message.focus }] : []));
        break;
    }
  }

  /** Asks the daemon the page's request and streams the answer back as it comes. */
  private async proxy(message: Extract<ConsoleUiMessage, { type: "fetch" }>): Promise<void> {
    const { id } = message;
    const controller = new AbortController();
    this.requests.set(id, controller);
    try {
      // Only the daemon's API: the bundle's own files are local, nothing else is the daemon's business.
      if (!message.url.startsWith("/api/")) {
        this.post({ type: "fetch.head", id, status: 404, statusText: "Not Found", headers: { "content-type": "application/json" } });
        this.post({ type: "fetch.chunk", id, text: JSON.stringify({ error: { message: `${message.url} is not a daemon API path.` } }) });
        this.post({ type: "fetch.end", id });
        return;
      }
      const { authorization: _ignored, ...headers } = message.headers;
      const api = await this.ctx.daemon.api();
      const response = await api.raw(message.method, message.url, {
        headers,
        ...(message.body === undefined ? {} : { body: message.body }),
        signal: controller.signal,
      });
      const answerHeaders: Record<string, string> = {};
      response.headers.forEach((value, name) => (answerHeaders[name] = value));
      this.post({ type: "fetch.head", id, status: response.status, statusText: response.statusText, headers: answerHeaders });
      if (response.body) {
        const decoder = new TextDecoder();
        const reader = response.body.getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          const text = decoder.decode(value, { stream: true });
          if (text) this.post({ type: "fetch.chunk", id, text });
        }
        const rest = decoder.decode();
        if (rest) this.post({ type: "fetch.chunk", id, text: rest });
      }
      this.post({ type: "fetch.end", id });
    } catch (error) {
      if (!controller.signal.aborted) this.post({ type: "fetch.error", id, message: error instanceof Error ? error.message : String(error) });
    } finally {
      this.requests.delete(id);
    }
  }

  private abortAll(): void {
    for (const [id, controller] of this.requests) {
      controller.abort();
      this.post({ type: "fetch.error", id, message: "the daemon connection changed" });
    }
    this.requests.clear();
  }

  dispose(): void {
    if (ConsolePanel.current === this) ConsolePanel.current = undefined;
    for (const controller of this.requests.values()) controller.abort();
    this.requests.clear();
    this.panel.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

function title(page: ConsolePath): string {
  return `Tributary: ${consolePageTitle(page)}`;
}

/**
 * console.html with its files turned into webview URLs, a nonce on each script and stylesheet, the
 * host script first, and a strict CSP: nothing remote, scripts only with the nonce, no network at
 * all (`connect-src 'none'`: the page's requests go through the extension).
 */
function renderConsoleHtml(ctx: Ctx, webview: vscode.Webview, page: ConsolePath): string {
  const root = bundleRoot(ctx);
  const file = path.join(root.fsPath, "console.html");
  const nonce = crypto.randomBytes(16).toString("base64");
  const csp = [
    "default-src 'none'",
    `img-src ${webview.cspSource} data:`,
    `style-src ${webview.cspSource} 'nonce-${nonce}'`,
    `font-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
    "connect-src 'none'",
  ].join("; ");
  if (!fs.existsSync(file)) {
    return `<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" content="${csp}"></head><body>
<p>The console bundle is missing from this installation (${file}). Rebuild the extension (<code>npm run build</code>) or reinstall it.</p></body></html>`;
  }
  let html = fs.readFileSync(file, "utf8");
  html = html.replace(/<!--[\s\S]*?-->/g, "");
  html = html.replace(/<meta[^>]+Content-Security-Policy[^>]*>/gi, "");
  html = html.replace(/(src|href)="\/(?!\/)([^"]+)"/g, (_m, attr: string, name: string) =>
    `${attr}="${webview.asWebviewUri(vscode.Uri.joinPath(root, name)).toString()}"`);
  html = html.replace(/<(script|link)(?![^>]*\bnonce=)/g, `<$1 nonce="${nonce}"`);
  const head = `<meta http-equiv="Content-Security-Policy" content="${csp}"><meta name="tributary-host" content="vscode">`
    + `<script nonce="${nonce}">${consoleShimScript(page)}</script>`;
  return html.includes("<head>") ? html.replace("<head>", `<head>${head}`) : `${head}${html}`;
}
