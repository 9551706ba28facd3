/**
 * `/schedules`, `/sensors` and their detail pages: on/off toggle (the API's error shown in the
 * page), the cron as written and its time zone, the next tick, the sensor's cursor, tick history
 * with the runs each tick launched.
 */
import { useState } from "preact/hooks";
import type { ScheduleDetailJson, ScheduleJson, SensorDetailJson, SensorJson, TickJson } from "tributary-ts/wire";
import { post, seg } from "../api";
import { ErrorNote, Loading, More, NotFound, PageTitle, RunLink, Status } from "../components";
import { formatTime } from "../format";
import { useApi, usePaged } from "../hooks";

type Kind = "schedule" | "sensor";
type Instigator = (ScheduleJson & { kind: "schedule" }) | (SensorJson & { kind: "sensor" });
type Detail = (ScheduleDetailJson & { kind: "schedule" }) | (SensorDetailJson & { kind: "sensor" });

function useInstigators(kind: Kind) {
  const schedules = useApi("GET /api/schedules", kind === "schedule" ? "/api/schedules" : null);
  const sensors = useApi("GET /api/sensors", kind === "sensor" ? "/api/sensors" : null);
  const loaded = kind === "schedule" ? schedules : sensors;
  const list: Instigator[] | undefined =
    kind === "schedule"
      ? schedules.data?.schedules.map((s) => ({ ...s, kind: "schedule" as const }))
      : sensors.data?.sensors.map((s) => ({ ...s, kind: "sensor" as const }));
  return { list, error: loaded.error, reload: loaded.reload };
}

const plural = (kind: Kind) => (kind === "schedule" ? "schedules" : "sensors");

export function InstigatorsPage({ kind }: { kind: Kind }) {
  const { list, error, reload } = useInstigators(kind);
  return (
    <>
      <PageTitle>{kind === "schedule" ? "Schedules" : "Sensors"}</PageTitle>
      <ErrorNote message={error} />
      {!list && !error && <Loading />}
      {list && list.length === 0 && <p class="muted">No {plural(kind)} in this project.</p>}
      {list && list.length > 0 && (
        <table class="table" data-testid={`${plural(kind)}-table`}>
          <thead>
            <tr><th>Name</th><th>State</th><th>{kind === "schedule" ? "Cron" : "Interval"}</th><th>{kind === "schedule" ? "Next tick" : "Cursor"}</th><th>Selection</th><th /></tr>
          </thead>
          <tbody>
            {list.map((item) => (
              <tr data-name={item.name}>
                <td><a href={`/${plural(kind)}/${seg(item.name)}`}>{item.name}</a></td>
                <td><Status status={item.status} /></td>
                <td class="mono">{item.kind === "schedule" ? `${item.cron} (${item.timezone})` : `every ${item.minimumIntervalSeconds} s`}</td>
                <td>{item.kind === "schedule" ? formatTime(item.nextTick) : <span class="mono">{item.cursor ?? "—"}</span>}</td>
                <td class="mono ellipsis">{item.selection}</td>
                <td><Toggle item={item} onDone={reload} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

/** Start / Stop, with the API's error next to it. */
function Toggle({ item, onDone }: { item: Instigator | Detail; onDone(): void }) {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const running = item.status === "RUNNING";
  const flip = async () => {
    setBusy(true);
    setError(undefined);
    const action = running ? "stop" : "start";
    try {
      if (item.kind === "schedule") await post(`POST /api/schedules/:name/${action}`, `/api/schedules/${seg(item.name)}/${action}`);
      else await post(`POST /api/sensors/:name/${action}`, `/api/sensors/${seg(item.name)}/${action}`);
      onDone();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <span class="toggle">
      <button type="button" disabled={busy} onClick={flip} aria-pressed={running} data-testid="toggle">{running ? "Turn off" : "Turn on"}</button>
      <ErrorNote message={error} />
    </span>
  );
}

/** One tick as a table row: when, status, the runs it launched, why it skipped or failed. */
function TickRow({ tick: t }: { tick: TickJson }) {
  return (
    <tr data-tick={t.tickId}>
      <td>{formatTime(t.tickTime)}</td>
      <td><Status status={t.status} /></td>
      <td>{t.runIds.map((id) => <span class="dep"><RunLink runId={id} /></span>)}</td>
      <td class={t.error ? "error-text" : "muted"}>{t.error ?? t.skipReason ?? ""}</td>
    </tr>
  );
}

/**
 * `/schedules/<name>` and `/sensors/<name>` from their detail routes: the next ticks (a running
 * schedule), the last tick, the cursor (a sensor), and the tick history paged by cursor.
 */
export function InstigatorPage({ kind, name }: { kind: Kind; name: string }) {
  const schedule = useApi("GET /api/schedules/:name", kind === "schedule" ? `/api/schedules/${seg(name)}` : null);
  const sensor = useApi("GET /api/sensors/:name", kind === "sensor" ? `/api/sensors/${seg(name)}` : null);
  const loaded = kind === "schedule" ? schedule : sensor;
  const ticks = usePaged<"GET /api/schedules/:name/ticks", TickJson>("GET /api/schedules/:name/ticks", `/api/${plural(kind)}/${seg(name)}/ticks?limit=25`, "ticks");
  const item: Detail | undefined = kind === "schedule" ? (schedule.data && { ...schedule.data, kind: "schedule" }) : (sensor.data && { ...sensor.data, kind: "sensor" });
  if (loaded.notFound) return <NotFound what={`No ${kind} is named ${name}.`} back={`/${plural(kind)}`} backLabel={`All ${plural(kind)}`} />;
  if (!item) return loaded.error ? <ErrorNote message={loaded.error} /> : <Loading />;
  const reload = () => {
    loaded.reload();
    ticks.reload();
  };
  return (
    <>
      <PageTitle sub={item.description ?? undefined}>
        {kind === "schedule" ? "Schedule" : "Sensor"} {item.name} <Status status={item.status} />
      </PageTitle>
      <dl class="facts" data-testid="instigator-facts">
        <dt>Selection</dt><dd class="mono">{item.selection}</dd>
        {item.kind === "schedule" ? (
          <>
            <dt>Cron</dt><dd class="mono" data-testid="cron">{item.cron}</dd>
            <dt>Time zone</dt><dd>{item.timezone}</dd>
            <dt>Next tick</dt><dd>{formatTime(item.nextTick)}</dd>
            <dt>Next ticks</dt>
            <dd data-testid="next-ticks">{item.nextTicks.length ? item.nextTicks.map((t) => <span class="dep">{formatTime(t)}</span>) : <span class="muted">none (stopped)</span>}</dd>
          </>
        ) : (
          <>
            <dt>Minimum interval</dt><dd>{item.minimumIntervalSeconds} s</dd>
            <dt>Cursor</dt><dd class="mono" data-testid="sensor-cursor">{item.cursor ?? "—"}</dd>
          </>
        )}
        <dt>Last tick</dt>
        <dd data-testid="last-tick">{item.lastTick ? <span>{formatTime(item.lastTick.tickTime)} <Status status={item.lastTick.status} /> {item.lastTick.runIds.map((id) => <span class="dep"><RunLink runId={id} /></span>)}</span> : <span class="muted">none yet</span>}</dd>
      </dl>
      <div class="actions"><Toggle item={item} onDone={reload} /></div>
      <h2>Ticks</h2>
      <ErrorNote message={ticks.error} />
      {ticks.items && ticks.items.length === 0 && <p class="muted">No ticks yet.</p>}
      {ticks.items && ticks.items.length > 0 && (
        <table class="table" data-testid="ticks-table">
          <thead><tr><th>Tick</th><th>Status</th><th>Runs</th><th>Skip reason / error</th></tr></thead>
          <tbody>{ticks.items.map((t) => <TickRow tick={t} />)}</tbody>
        </table>
      )}
      <More paged={ticks} testid="ticks-more" />
    </>
  );
}
