/**
 * The console panel's host script, run in the webview before the console bundle (an inline script
 * with the page's nonce). The console is written for the daemon's own origin: it fetches `/api/...`
 * and routes on `location.pathname`. In a webview the origin is VS Code's and the path is VS Code's
 * own document, so this script
 *
 * - answers every same-origin `fetch` (a path starting with `/`) through the extension, which asks
 *   the daemon with the token (the webview never sees it) and streams the answer back: JSON and the
 *   event streams alike, with abort;
 * - puts the page's path into the address the router reads (`history.replaceState`), and follows
 *   the extension's `navigate` messages (the panel is reused for every page);
 * - reports each route change (the panel's title follows the page) and turns the one link that
 *   leaves the console's router, `/lineage[?focus=KEY]`, into the editor's lineage panel.
 *
 * It is stringified into the page ({@link consoleShimScript}): it must use nothing from outside its
 * own body.
 */

/** Messages from the webview to the extension. */
export type ConsoleUiMessage =
  | { type: "fetch"; id: number; method: string; url: string; headers: Record<string, string>; body?: string }
  | { type: "fetch.abort"; id: number }
  | { type: "location"; path: string }
  | { type: "openLineage"; focus?: string };

/** Messages from the extension to the webview. */
export type ConsoleHostMessage =
  | { type: "fetch.head"; id: number; status: number; statusText: string; headers: Record<string, string> }
  | { type: "fetch.chunk"; id: number; text: string }
  | { type: "fetch.end"; id: number }
  | { type: "fetch.error"; id: number; message: string }
  | { type: "navigate"; path: string };

/** Whether a message from the webview is one the panel handles. */
export function isConsoleUiMessage(message: unknown): message is ConsoleUiMessage {
  const type = (message as { type?: unknown } | null)?.type;
  return typeof type === "string" && ["fetch", "fetch.abort", "location", "openLineage"].includes(type);
}

declare function acquireVsCodeApi(): { postMessage(message: unknown): void };

function consoleHost(initialPath: string): void {
  const vscode = acquireVsCodeApi();
  interface Pending {
    resolve(response: Response): void;
    reject(error: unknown): void;
    controller?: ReadableStreamDefaultController<Uint8Array>;
    headed: boolean;
  }
  const pending = new Map<number, Pending>();
  const encoder = new TextEncoder();
  let next = 0;

  const report = (): void => vscode.postMessage({ type: "location", path: location.pathname + location.search });
  const push = history.pushState.bind(history);
  const replace = history.replaceState.bind(history);
  history.pushState = (data: unknown, unused: string, url?: string | URL | null) => {
    push(data, unused, url);
    report();
  };
  history.replaceState = (data: unknown, unused: string, url?: string | URL | null) => {
    replace(data, unused, url);
    report();
  };
  window.addEventListener("popstate", report);
  history.replaceState(null, "", initialPath);

  window.addEventListener("message", (event: MessageEvent) => {
    const message = event.data as ConsoleHostMessage | null;
    if (!message || typeof message !== "object") return;
    if (message.type === "navigate") {
      if (location.pathname + location.search !== message.path) {
        history.pushState(null, "", message.path);
        window.dispatchEvent(new PopStateEvent("popstate", { state: null }));
      }
      return;
    }
    const request = pending.get(message.id);
    if (!request) return;
    switch (message.type) {
      case "fetch.head": {
        request.headed = true;
        const empty = message.status === 204 || message.status === 304;
        const body = empty ? null : new ReadableStream<Uint8Array>({
          start(controller) {
            request.controller = controller;
          },
          cancel() {
            pending.delete(message.id);
            vscode.postMessage({ type: "fetch.abort", id: message.id });
          },
        });
        request.resolve(new Response(body, { status: message.status, statusText: message.statusText, headers: message.headers }));
        if (empty) pending.delete(message.id);
        break;
      }
      case "fetch.chunk":
        request.controller?.enqueue(encoder.encode(message.text));
        break;
      case "fetch.end":
        pending.delete(message.id);
        request.controller?.close();
        break;
      case "fetch.error": {
        pending.delete(message.id);
        const error = new TypeError(`Failed to fetch: ${message.message}`);
        if (request.headed) request.controller?.error(error);
        else request.reject(error);
        break;
      }
    }
  });

  const realFetch = window.fetch.bind(window);
  window.fetch = (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    if (!url.startsWith("/") || url.startsWith("//")) return realFetch(input, init);
    return new Promise<Response>((resolve, reject) => {
      const id = ++next;
      const signal = init.signal;
      if (signal?.aborted) return reject(new DOMException("The operation was aborted.", "AbortError"));
      const request: Pending = { resolve, reject, headed: false };
      pending.set(id, request);
      signal?.addEventListener("abort", () => {
        if (!pending.delete(id)) return;
        vscode.postMessage({ type: "fetch.abort", id });
        const error = new DOMException("The operation was aborted.", "AbortError");
        if (request.headed) {
          try {
            request.controller?.error(error);
          } catch {
            // already closed
          }
        } else {
          reject(error);
        }
      });
      const headers: Record<string, string> = {};
      new Headers(init.headers).forEach((value, name) => (headers[name] = value));
      vscode.postMessage({
        type: "fetch", id, method: (init.method ?? "GET").toUpperCase(), url, headers,
        ...(typeof init.body === "string" ? { body: init.body } : {}),
      });
    });
  };

  document.addEventListener("click", (event) => {
    const link = (event.target as Element | null)?.closest?.("a[href]");
    const href = link?.getAttribute("href") ?? "";
    if (href === "/lineage" || href.startsWith("/lineage?") || href.startsWith("/lineage#")) {
      event.preventDefault();
      event.stopPropagation();
      const focus = new URL(href, location.href).searchParams.get("focus");
      vscode.postMessage({ type: "openLineage", ...(focus ? { focus } : {}) });
    }
  }, true);
}

/** The host script for a page opened at `initialPath`, ready to go inside a `<script nonce>`. */
export function consoleShimScript(initialPath: string): string {
  // `<` escaped so that no path can close the script element.
  return `(${consoleHost.toString()})(${JSON.stringify(initialPath).replace(/</g, "\\u003c")});`;
}
