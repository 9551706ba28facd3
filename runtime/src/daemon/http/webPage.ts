/**
 * The simple web page served at `/` when no lineage UI bundle is installed: assets with status,
 * recent runs, a run's live events, a Materialize button, the code version and a Reload code button
 * (`POST /api/reload`). One self-contained document (no remote
 * content); its script and style carry the response's CSP nonce. Every value from the API is put
 * in the page with `textContent`, never parsed as HTML.
 */
import { buildSync } from "esbuild";
import { existsSync } from "node:fs";
import { join } from "node:path";

let streamReader: string | undefined;

/**
 * The wire contract's event-stream reader (`runtime/src/wire/sse`) as a browser script defining
 * `TributaryWire`, bundled once per process with the esbuild the loader uses: the page has no build
 * step of its own, and a second, hand-written parser here would drift from the one the UI and the
 * extension use.
 */
function streamReaderScript(): string {
  if (streamReader === undefined) {
    // src/ under tests (tsx), dist/ when installed.
    const source = ["sse.ts", "sse.js"].map((name) => join(__dirname, "..", "..", "wire", name)).find((file) => existsSync(file));
    if (!source) throw new Error(`the event-stream reader is missing next to ${__dirname} (wire/sse.js): reinstall the tributary package`);
    const built = buildSync({ entryPoints: [source], bundle: true, format: "iife", globalName: "TributaryWire", platform: "browser", target: "es2020", minify: true, write: false, logLevel: "silent" });
    streamReader = built.outputFiles[0]!.text;
  }
  return streamReader;
}

/** The page's HTML, with `nonce` on its only script and style. */
export function simplePageHtml(nonce: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Tributary</title>
<style nonce="${nonce}">${STYLE}</style>
</head>
<body>
<header>
  <h1>Tributary</h1>
  <span id="daemon" class="muted"></span>
  <button id="reload" type="button" class="link" title="Load the project's code again (POST /api/reload)">Reload code</button>
  <form id="launch" autocomplete="off">
    <input id="selection" name="selection" value="*" aria-label="Selection" spellcheck="false">
    <button type="submit">Materialize</button>
  </form>
</header>
<p id="banner" class="banner" hidden></p>
<main>
  <section>
    <h2>Assets</h2>
    <table><thead><tr><th>Asset</th><th>Group</th><th>Status</th><th>Freshness</th><th>Last materialized</th><th></th></tr></thead>
    <tbody id="assets"><tr><td colspan="6" class="muted">Loading…</td></tr></tbody></table>
  </section>
  <section>
    <h2>Runs</h2>
    <table><thead><tr><th>Run</th><th>Status</th><th>Selection</th><th>Created</th></tr></thead>
    <tbody id="runs"><tr><td colspan="4" class="muted">Loading…</td></tr></tbody></table>
  </section>
  <section id="detail" hidden>
    <h2>Run <code id="detail-id"></code> <span id="detail-status" class="badge"></span>
      <button id="cancel" type="button" hidden>Cancel</button></h2>
    <ol id="events" class="events"></ol>
  </section>
</main>
<script nonce="${nonce}">${streamReaderScript()}
${SCRIPT}</script>
</body>
</html>
`;
}

const STYLE = `
:root { --bg: #fff; --fg: #1d2125; --muted: #6a737d; --line: #e3e6e8; --accent: #2563eb;
  --ok: #1a7f37; --bad: #cf222e; --warn: #9a6700; --run: #0969da; font: 14px/1.45 system-ui, sans-serif; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #16181b; --fg: #e6e8ea; --muted: #9aa4ae; --line: #2c3036; --accent: #4f8cff;
    --ok: #3fb950; --bad: #f85149; --warn: #d29922; --run: #58a6ff; }
}
body { margin: 0; background: var(--bg); color: var(--fg); }
header { display: flex; gap: 1rem; align-items: center; padding: .75rem 1.25rem; border-bottom: 1px solid var(--line); flex-wrap: wrap; }
h1 { font-size: 1.1rem; margin: 0; } h2 { font-size: 1rem; margin: 1.25rem 0 .5rem; }
main { padding: 0 1.25rem 2rem; display: grid; gap: 0 2rem; grid-template-columns: repeat(auto-fit, minmax(28rem, 1fr)); }
#detail { grid-column: 1 / -1; }
form { margin-left: auto; display: flex; gap: .5rem; }
input { font: inherit; padding: .3rem .5rem; border: 1px solid var(--line); border-radius: 4px; background: transparent; color: inherit; min-width: 14rem; }
button { font: inherit; padding: .3rem .7rem; border-radius: 4px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; }
button.link { background: transparent; color: var(--accent); border-color: transparent; padding: 0 .3rem; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 500; }
tr.clickable { cursor: pointer; } tr.clickable:hover, tr.selected { background: color-mix(in srgb, var(--accent) 10%, transparent); }
.muted { color: var(--muted); }
.badge { font-size: .78rem; font-weight: 600; letter-spacing: .02em; }
.SUCCESS, .FRESH { color: var(--ok); } .FAILURE, .FAILED { color: var(--bad); }
.STALE, .CANCELED, .CANCELING { color: var(--warn); } .RUNNING, .STARTED, .STARTING, .QUEUED { color: var(--run); }
.NEVER { color: var(--muted); }
.freshness-FRESH { color: var(--ok); } .freshness-WARN { color: var(--warn); } .freshness-STALE { color: var(--bad); } .freshness-UNKNOWN { color: var(--muted); }
.banner { margin: .75rem 1.25rem 0; padding: .5rem .75rem; border: 1px solid var(--bad); border-radius: 4px; white-space: pre-wrap; }
.events { font: 12px/1.5 ui-monospace, monospace; list-style: none; padding: 0; margin: 0; max-height: 28rem; overflow: auto; }
.events li { padding: .1rem 0; border-bottom: 1px dotted var(--line); white-space: pre-wrap; }
.events .error { color: var(--bad); } .events .warn { color: var(--warn); }
code { font-family: ui-monospace, monospace; }
`;

// Plain browser JavaScript (no build step); it runs in the page, not in Node.
const SCRIPT = `
"use strict";
const $ = (id) => document.getElementById(id);
let token = sessionStorage.getItem("tributary-token") || "";
let selectedRun = null, runStream = null;

function el(tag, text, cls) { const e = document.createElement(tag); if (text != null) e.textContent = text; if (cls) e.className = cls; return e; }
function when(iso) { return iso ? new Date(iso).toLocaleString() : ""; }
function showBanner(text) { const b = $("banner"); b.textContent = text || ""; b.hidden = !text; }

async function api(path, init) {
  init = init || {};
  const headers = Object.assign({ Accept: "application/json" }, init.headers || {});
  if (token) headers.Authorization = "Bearer " + token;
  const response = await fetch(path, Object.assign({}, init, { headers }));
  if (response.status === 401) {
    const entered = prompt("This daemon needs its access token:");
    if (entered) { token = entered.trim(); sessionStorage.setItem("tributary-token", token); return api(path, init); }
  }
  const body = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) {
    const error = (body && body.error) || { message: response.statusText };
    throw new Error(error.message + (error.hint ? "\\n" + error.hint : ""));
  }
  return body;
}

// The wire contract's stream reader (TributaryWire, inlined above): it sends the token, which
// EventSource cannot, and resumes after the last event id when the connection drops.
function openStream(path, onEvent, onEnd) {
  const controller = new AbortController();
  TributaryWire.readEventStream(path, {
    headers: token ? { Authorization: "Bearer " + token } : {},
    signal: controller.signal,
    onEvent: (event) => {
      if (event.type === "run-event") onEvent(JSON.parse(event.data));
      if (event.type === "end" && onEnd) onEnd(JSON.parse(event.data));
    },
  }).catch(() => {});
  return { close: () => controller.abort() };
}

async function loadHealth() {
  const health = await api("/api/health");
  const p = health.project;
  $("daemon").textContent = health.mode + " · " + health.version + (p.codeVersion ? " · code " + p.codeVersion : "");
  showBanner(p.ok ? "" : "The project does not load: " + (p.error.file ? p.error.file + (p.error.line ? ":" + p.error.line : "") + ": " : "") + p.error.message + (p.error.hint ? "\\n" + p.error.hint : ""));
}

async function loadAssets() {
  const tbody = $("assets");
  try {
    const { assets } = await api("/api/assets");
    tbody.replaceChildren();
    if (assets.length === 0) tbody.append(row([el("span", "No assets defined yet.", "muted")], 6));
    for (const asset of assets) {
      const tr = el("tr");
      tr.append(el("td", asset.key), el("td", asset.group, "muted"), el("td", asset.status, "badge " + asset.status),
        el("td", asset.freshness ? asset.freshness.state : "-", asset.freshness ? "badge freshness-" + asset.freshness.state : "muted"),
        el("td", asset.latestMaterialization ? when(asset.latestMaterialization.timestamp) : "never", "muted"));
      const button = el("button", "Materialize", "link");
      button.addEventListener("click", () => launch(asset.key));
      const td = el("td"); td.append(button); tr.append(td);
      tbody.append(tr);
    }
  } catch (error) { tbody.replaceChildren(row([el("span", error.message, "muted")], 5)); }
}

function row(children, span) { const tr = el("tr"), td = el("td"); td.colSpan = span; td.append(...children); tr.append(td); return tr; }

async function loadRuns() {
  const { runs } = await api("/api/runs?limit=20");
  const tbody = $("runs");
  tbody.replaceChildren();
  if (runs.length === 0) tbody.append(row([el("span", "No runs yet: press Materialize.", "muted")], 4));
  for (const run of runs) {
    const tr = el("tr", null, "clickable" + (run.runId === selectedRun ? " selected" : ""));
    tr.append(el("td", run.runId.slice(0, 8)), el("td", run.status, "badge " + run.status), el("td", run.selection), el("td", when(run.createdAt), "muted"));
    tr.addEventListener("click", () => showRun(run.runId));
    tbody.append(tr);
  }
}

async function launch(selection) {
  try {
    const { runId } = await api("/api/runs", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ selection }) });
    showBanner("");
    await loadRuns();
    showRun(runId);
  } catch (error) { showBanner(error.message); }
}

function showRun(runId) {
  selectedRun = runId;
  if (runStream) runStream.close();
  $("detail").hidden = false;
  $("detail-id").textContent = runId;
  $("events").replaceChildren();
  refreshRunHeader();
  runStream = openStream("/api/runs/" + encodeURIComponent(runId) + "/events", (event) => {
    const li = el("li", event.timestamp.slice(11, 23) + "  " + event.type.padEnd(22) + " " + (event.stepKey ? event.stepKey + "  " : "") + event.message, event.level);
    $("events").append(li);
    li.scrollIntoView({ block: "nearest" });
  }, () => refreshRunHeader());
  for (const tr of $("runs").children) tr.classList.toggle("selected", tr.firstChild && runId.startsWith(tr.firstChild.textContent));
}

async function refreshRunHeader() {
  if (!selectedRun) return;
  const run = await api("/api/runs/" + encodeURIComponent(selectedRun));
  $("detail-status").textContent = run.status;
  $("detail-status").className = "badge " + run.status;
  $("cancel").hidden = !["QUEUED", "STARTING", "STARTED"].includes(run.status);
}

$("cancel").addEventListener("click", async () => {
  try { await api("/api/runs/" + encodeURIComponent(selectedRun) + "/cancel", { method: "POST" }); refreshRunHeader(); }
  catch (error) { showBanner(error.message); }
});
$("launch").addEventListener("submit", (e) => { e.preventDefault(); launch($("selection").value); });
$("reload").addEventListener("click", async () => {
  let failed = null;
  try { await api("/api/reload", { method: "POST" }); } catch (error) { failed = error; }
  await loadHealth().catch(() => {});
  if (failed) showBanner(failed.message);
  loadAssets();
});

let refreshTimer = null;
function refreshSoon() {
  if (refreshTimer) return;
  refreshTimer = setTimeout(() => { refreshTimer = null; loadAssets(); loadRuns(); refreshRunHeader(); }, 300);
}

(async () => {
  try { await loadHealth(); } catch (error) { showBanner(error.message); }
  await Promise.all([loadAssets(), loadRuns().catch((error) => showBanner(error.message))]);
  openStream("/api/events/stream", refreshSoon);
  setInterval(() => loadHealth().catch(() => {}), 5000);
})();
`;
