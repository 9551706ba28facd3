/**
 * `GET /api/timeline?from=&to=`: the overview's timeline, the runs of a time window (the last 24
 * hours by default) grouped into one row per schedule, sensor, backfill or job, and one for runs
 * launched by hand, each run with the instants its bar is drawn from.
 */
import { UNFINISHED_RUN_STATUSES, type RunRecord } from "../../../types";
import type { WireAnswer } from "../../../wire/routes";
import { HttpError } from "../errors";
import { sendJson } from "../respond";
import { queryOf, type Router } from "../router";

/** Runs one answer holds: a day of a busy deployment, a bounded answer for a year of one. */
const MAX_RUNS = 5000;
const DAY_MS = 24 * 60 * 60 * 1000;
const KIND_ORDER = ["schedule", "sensor", "automation", "backfill", "job", "manual"] as const;

type Row = WireAnswer<"GET /api/timeline">["rows"][number];

/** Registers the timeline route. */
export function timelineRoutes(router: Router): void {
  router.add("GET", "/api/timeline", async (request) => {
    const query = queryOf(request, ["from", "to"]);
    const to = instant(query.string("to"), "to") ?? Date.now();
    const from = instant(query.string("from"), "from") ?? to - DAY_MS;
    if (from >= to) throw new HttpError(400, `"from" must be before "to"`, { hint: "E.g. ?from=2026-12-04T00:00:00Z&to=2026-12-05T00:00:00Z; the default is the last 24 hours." });
    const fromIso = new Date(from).toISOString();
    const toIso = new Date(to).toISOString();
    const storage = request.services.storage;
    // Created in the window (newest first, by the runs' creation index), and the runs created
    // before it that have not ended: their bars reach into the window.
    const [created, running] = await Promise.all([
      storage.listRuns({ createdFrom: fromIso, createdTo: toIso, limit: MAX_RUNS + 1 }),
      storage.listRuns({ createdTo: fromIso, statuses: [...UNFINISHED_RUN_STATUSES], limit: 1000 }),
    ]);
    const truncated = created.length > MAX_RUNS;
    const rows = new Map<string, Row>();
    for (const run of [...running, ...created.slice(0, MAX_RUNS)].sort((a, b) => a.createdAt.localeCompare(b.createdAt))) {
      const { key, kind, name } = rowOf(run);
      let row = rows.get(key);
      if (!row) rows.set(key, (row = { key, kind, name, runs: [] }));
      row.runs.push({ runId: run.runId, status: run.status, createdAt: run.createdAt, startedAt: run.startedAt, endedAt: run.endedAt });
    }
    const ordered = [...rows.values()].sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || (a.name ?? "").localeCompare(b.name ?? ""));
    sendJson(request.res, 200, { from: fromIso, to: toIso, rows: ordered, truncated } satisfies WireAnswer<"GET /api/timeline">);
  });
}

/** The row of a run: what launched it, else its job, else "manual". */
function rowOf(run: RunRecord): Pick<Row, "key" | "kind" | "name"> {
  if (run.instigator) return { key: `${run.instigator.type}:${run.instigator.name}`, kind: run.instigator.type, name: run.instigator.name };
  const job = /^job:(.+)$/.exec(run.selection.trim());
  if (job) return { key: `job:${job[1]}`, kind: "job", name: job[1]! };
  return { key: "manual", kind: "manual", name: null };
}

function instant(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  const time = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(time)) throw new HttpError(400, `query parameter "${name}" must be an ISO 8601 date or instant, not "${text}"`, { hint: "E.g. 2026-12-05 or 2026-12-05T09:00:00Z." });
  return time;
}
