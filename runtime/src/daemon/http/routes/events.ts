/**
 * Run events: `GET /api/runs/:id/events` as JSON, or as a live stream of server-sent events with
 * `Accept: text/event-stream`; `GET /api/events/stream`, every new event of every run.
 *
 * Stream format: each event is `id: <eventId>`, `event: run-event`, `data: <event JSON>`. A run's
 * stream ends with `event: end` (data `{"runId","status"}`) after the run's final event; a client
 * reconnecting after that gets 204, which tells EventSource to stop reconnecting. A client of the
 * global stream too far behind gets `event: error` (StreamBehindJson) and the stream closes: it
 * reconnects with Last-Event-ID and resumes from storage.
 */
import { FINAL_RUN_STATUSES, type LogLevel, type RunEventType } from "../../../types";
import type { RunEventQuery } from "../../../storage/port";
import { RUN_EVENT_TYPES } from "../../../wire/statuses";
import { WIRE_ROUTES, type WireAnswer } from "../../../wire/routes";
import type { StreamBehindJson } from "../../../wire/responses";
import { HttpError } from "../errors";
import type { Query } from "../request";
import { FINAL_RUN_EVENTS } from "../runSteps";
import { sendJson } from "../respond";
import { queryOf, type ApiRequest, type Router } from "../router";
import { openSse, resumeAfter, wantsEventStream } from "../sse";
import { findRun } from "./runs";

/** Registers the event routes. */
export function eventRoutes(router: Router): void {
  router.add("GET", "/api/runs/:id/events", async (request) => {
    const query = queryOf(request, WIRE_ROUTES["GET /api/runs/:id/events"].query);
    const after = query.integer("after", 0, Number.MAX_SAFE_INTEGER);
    const run = await findRun(request.services.storage, request.params["id"]!);
    if (wantsEventStream(request.req)) {
      const filters = ["before", "limit", "step", "level", "type", "q"].filter((name) => query.string(name) !== undefined);
      if (filters.length > 0) {
        throw new HttpError(400, `the event stream takes no ${filters.map((name) => `"${name}"`).join(", ")}: it sends every event of the run`, {
          hint: "Stream with ?after= (or Last-Event-ID) alone; page and filter with the JSON answer (no Accept: text/event-stream).",
        });
      }
      return streamRun(request, run.runId, resumeAfter(request.req, after));
    }
    const events = await request.services.storage.getRunEvents(run.runId, eventQueryOf(query, after));
    sendJson(request.res, 200, { events } satisfies WireAnswer<"GET /api/runs/:id/events">);
  });

  router.add("GET", "/api/runs/:id/events/stats", async (request) => {
    queryOf(request, []);
    const run = await findRun(request.services.storage, request.params["id"]!);
    const stats = await request.services.storage.getRunEventStats(run.runId);
    sendJson(request.res, 200, stats satisfies WireAnswer<"GET /api/runs/:id/events/stats">);
  });

  router.add("GET", "/api/events/stream", (request) => {
    const query = queryOf(request, ["after"]);
    const after = resumeAfter(request.req, query.integer("after", 0, Number.MAX_SAFE_INTEGER));
    const stream = openSse(request.req, request.res, request.heartbeatMs);
    const leave = request.streams.watchAll(after, {
      send: (events) => {
        let ok = true;
        for (const event of events) ok = stream.event("run-event", event, event.id);
        return ok;
      },
      drained: () => stream.drained(),
      end: () => stream.close(),
      behind: (lastEventId) =>
        stream.closeWithError(
          {
            message: "this client fell too far behind the events: the daemon stopped holding them for it",
            hint: "Reconnect with Last-Event-ID (EventSource and readEventStream do): the stream resumes from storage after the last event received.",
            lastEventId: lastEventId ?? null,
          } satisfies StreamBehindJson,
          RECONNECT_MS,
        ),
    });
    stream.onClose(leave);
  });
}

/** The `retry:` a client told to reconnect gets: soon, its backlog is in storage. */
const RECONNECT_MS = 500;

async function streamRun(request: ApiRequest, runId: string, after: number | undefined): Promise<void> {
  // A client that already received the final event is reconnecting by reflex: 204 stops EventSource.
  if (after !== undefined) {
    const run = await request.services.storage.getRun(runId);
    if (run && FINAL_RUN_STATUSES.includes(run.status)) {
      const rest = await request.services.storage.getRunEvents(runId, { afterId: after, limit: 1 });
      const [previous] = await request.services.storage.getRunEvents(runId, { afterId: Math.max(0, after - 1), limit: 1 });
      if (rest.length === 0 && previous && previous.id === after && FINAL_RUN_EVENTS.has(previous.type)) {
        request.res.writeHead(204).end();
        return;
      }
    }
  }
  const stream = openSse(request.req, request.res, request.heartbeatMs);
  let lastStatus: string | undefined;
  const leave = request.streams.watchRun(runId, after, {
    send: (events) => {
      let ok = true;
      for (const event of events) {
        ok = stream.event("run-event", event, event.id);
        if (FINAL_RUN_EVENTS.has(event.type)) lastStatus = event.type.slice("RUN_".length);
      }
      return ok;
    },
    drained: () => stream.drained(),
    end: () => {
      void (async () => {
        const status = lastStatus ?? (await request.services.storage.getRun(runId).catch(() => null))?.status ?? null;
        stream.event("end", { runId, status });
        stream.close();
      })();
    },
  });
  stream.onClose(leave);
}

/** Levels from the lowest; `level=` keeps its own and those after it. */
const LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];

/** A page of events as the query asks: `after`/`before`, `limit` (≤ 1000, 200), `step`, `level`, `type`, `q`. */
function eventQueryOf(query: Query, after: number | undefined): RunEventQuery {
  const before = query.integer("before", 1, Number.MAX_SAFE_INTEGER);
  const result: RunEventQuery = { limit: query.integer("limit", 1, 1000) ?? 200 };
  if (after !== undefined) result.afterId = after;
  if (before !== undefined) result.beforeId = before;
  const steps = query.string("step");
  if (steps !== undefined) result.stepKeys = steps.split(",").map((step) => step.trim()).filter(Boolean);
  const level = query.string("level");
  if (level !== undefined) {
    // "warning" as well as the events' own "warn": the word people (and Dagster) use.
    const index = LEVELS.indexOf((level.toLowerCase() === "warning" ? "warn" : level.toLowerCase()) as LogLevel);
    if (index === -1) throw new HttpError(400, `query parameter "level" must be one of ${LEVELS.join(", ")}, not "${level}"`, { hint: "level=warn keeps warnings and errors." });
    result.levels = LEVELS.slice(index);
  }
  const types = query.string("type");
  if (types !== undefined) {
    const list = types.split(",").map((type) => type.trim().toUpperCase()).filter(Boolean);
    const unknown = list.filter((type) => !(RUN_EVENT_TYPES as readonly string[]).includes(type));
    if (unknown.length > 0) {
      throw new HttpError(400, `unknown event type${unknown.length > 1 ? "s" : ""} ${unknown.map((type) => `"${type}"`).join(", ")} in query parameter "type"`, {
        hint: `Use one or more of ${RUN_EVENT_TYPES.join(", ")}, comma-separated.`,
      });
    }
    result.types = list as RunEventType[];
  }
  const text = query.string("q");
  if (text !== undefined && text !== "") result.text = text;
  return result;
}
