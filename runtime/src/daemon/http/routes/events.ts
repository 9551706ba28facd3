/**
 * Run events: `GET /api/runs/:id/events` as JSON, or as a live stream of server-sent events with
 * `Accept: text/event-stream`; `GET /api/events/stream`, every new event of every run.
 *
 * Stream format: each event is `id: <eventId>`, `event: run-event`, `data: <event JSON>`. A run's
 * stream ends with `event: end` (data `{"runId","status"}`) after the run's final event; a client
 * reconnecting after that gets 204, which tells EventSource to stop reconnecting.
 */
import { FINAL_RUN_STATUSES } from "../../../types";
import { FINAL_RUN_EVENTS } from "../runSteps";
import { sendJson } from "../respond";
import { queryOf, type ApiRequest, type Router } from "../router";
import { openSse, resumeAfter, wantsEventStream } from "../sse";
import { findRun } from "./runs";

/** Registers the event routes. */
export function eventRoutes(router: Router): void {
  router.add("GET", "/api/runs/:id/events", async (request) => {
    const query = queryOf(request, ["after", "limit"]);
    const after = query.integer("after", 0, Number.MAX_SAFE_INTEGER);
    const limit = query.integer("limit", 1, 10_000);
    const run = await findRun(request.services.storage, request.params["id"]!);
    if (wantsEventStream(request.req)) return streamRun(request, run.runId, resumeAfter(request.req, after));
    const events = await request.services.storage.getRunEvents(run.runId, { limit: limit ?? 1000, ...(after === undefined ? {} : { afterId: after }) });
    sendJson(request.res, 200, { events });
  });

  router.add("GET", "/api/events/stream", (request) => {
    const query = queryOf(request, ["after"]);
    const after = resumeAfter(request.req, query.integer("after", 0, Number.MAX_SAFE_INTEGER));
    const stream = openSse(request.req, request.res, request.heartbeatMs);
    const leave = request.streams.watchAll(after, {
      send: (events) => {
        for (const event of events) stream.event("run-event", event, event.id);
      },
      end: () => stream.close(),
    });
    stream.onClose(leave);
  });
}

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
