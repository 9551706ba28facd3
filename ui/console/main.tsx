/**
 * Entry of the operations console (runtime/dist/ui/console.js, docs/console.md): the navigation bar,
 * the daemon-down banner and the client-side router on real paths. The daemon serves console.html
 * for every path routed here (runtime/src/daemon/http/routes/page.ts), so deep links and reloads
 * work; the lineage view at `/lineage` is a separate page (a full load, outside the router's scope).
 */
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { LocationProvider, Route, Router, useLocation } from "preact-iso";
import { NotFound } from "./components";
import { get, type Answer } from "./api";
import { useDaemonUp } from "./hooks";
import { AssetPage } from "./pages/asset";
import { AssetsPage } from "./pages/assets";
import { BackfillPage, BackfillsPage } from "./pages/backfills";
import { InstigatorPage, InstigatorsPage } from "./pages/instigators";
import { OverviewPage } from "./pages/overview";
import { RunPage } from "./pages/run";
import { RunsPage } from "./pages/runs";

const SECTIONS = [
  { path: "/", label: "Overview" },
  { path: "/runs", label: "Runs" },
  { path: "/assets", label: "Assets" },
  { path: "/schedules", label: "Schedules" },
  { path: "/sensors", label: "Sensors" },
  { path: "/backfills", label: "Backfills" },
];

function Nav() {
  const { path } = useLocation();
  const current = (section: string) => (section === "/" ? path === "/" : path === section || path.startsWith(`${section}/`));
  return (
    <nav class="nav" aria-label="Console">
      <a class="brand" href="/">
        <span class="brand-mark" aria-hidden="true" />
        Tributary
      </a>
      {SECTIONS.map((s) => (
        <a href={s.path} class={current(s.path) ? "active" : ""} aria-current={current(s.path) ? "page" : undefined}>
          {s.label}
        </a>
      ))}
      <a href="/lineage" data-testid="nav-lineage">Lineage</a>
    </nav>
  );
}

function DaemonBanner() {
  const up = useDaemonUp();
  if (up) return null;
  return (
    <div class="banner" role="alert" data-testid="daemon-down">
      The daemon does not answer. Reconnecting by itself… (is <code>tributary dev</code> running?)
    </div>
  );
}

/** How often the console asks `/api/health` while the daemon answers. */
const HEALTH_POLL_MS = 10_000;

/**
 * Says when the daemon answers but is degraded: a loop that stopped completing passes (a stuck
 * scheduler inside a live process), or a database out of reach (docs/operations.md).
 */
function HealthBanner() {
  const up = useDaemonUp();
  const [health, setHealth] = useState<Answer<"GET /api/health"> | undefined>(undefined);
  useEffect(() => {
    if (!up) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const controller = new AbortController();
    const poll = () => {
      get("GET /api/health", "/api/health", controller.signal).then(setHealth, () => undefined).finally(() => {
        if (!controller.signal.aborted) timer = setTimeout(poll, HEALTH_POLL_MS);
      });
    };
    poll();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [up]);
  if (!up || !health || health.status !== "degraded") return null;
  const stalled = health.loops.filter((loop) => !loop.healthy);
  return (
    <div class="banner warn" role="status" data-testid="daemon-degraded">
      The daemon is degraded:{" "}
      {stalled.map((loop, index) => (
        <span data-loop={loop.name}>
          {index > 0 ? "; " : ""}its <strong>{loop.name}</strong> loop has not completed a pass for {loop.stalledForSeconds ?? "?"} s (every {loop.intervalSeconds} s expected)
        </span>
      ))}
      {!health.storage.ok ? <span>{stalled.length > 0 ? "; " : ""}its database does not answer{health.storage.error ? `: ${health.storage.error.message}` : ""}</span> : null}
      . See <code>/api/health</code> and the daemon's log.
    </div>
  );
}

function Unknown() {
  return <NotFound what="No console page has this address." back="/" backLabel="Overview" />;
}

function App() {
  return (
    // Every same-origin link is routed here except the lineage page, which is another document.
    <LocationProvider scope={/^\/(?!lineage)/}>
      <Nav />
      <DaemonBanner />
      <HealthBanner />
      <main class="page">
        <Router onRouteChange={() => window.scrollTo(0, 0)}>
          <Route path="/" component={OverviewPage} />
          <Route path="/runs" component={RunsPage} />
          <Route path="/runs/:id" component={RunPage} />
          <Route path="/assets" component={AssetsPage} />
          <Route path="/assets/:assetKey" component={AssetPage} />
          <Route path="/schedules" component={InstigatorsPage} kind="schedule" />
          <Route path="/schedules/:name" component={InstigatorPage} kind="schedule" />
          <Route path="/sensors" component={InstigatorsPage} kind="sensor" />
          <Route path="/sensors/:name" component={InstigatorPage} kind="sensor" />
          <Route path="/backfills" component={BackfillsPage} />
          <Route path="/backfills/:id" component={BackfillPage} />
          <Route default component={Unknown} />
        </Router>
      </main>
    </LocationProvider>
  );
}

render(<App />, document.getElementById("console")!);
