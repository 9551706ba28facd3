/**
 * Schedules and sensors: list (with their persisted status), start, stop, tick history.
 * `GET /api/schedules`, `POST /api/schedules/:name/start|stop`, `GET /api/schedules/:name/ticks`,
 * and the same under `/api/sensors`.
 */
import type { ScheduleDefinition } from "../../../definitions/schedule";
import type { SensorDefinition } from "../../../definitions/sensor";
import { suggest } from "../../../selection/suggest";
import type { InstigatorState, InstigatorStatus } from "../../../types";
import { HttpError } from "../errors";
import { NoBodySchema } from "../../../wire/requests";
import type { ScheduleJson, SensorJson, TickJson } from "../../../wire/responses";
import { parseBody } from "../request";
import { sendJson } from "../respond";
import { bodyOf, queryOf, type ApiRequest, type Router } from "../router";
import { loadedProject } from "./project";
import { nextTickOf, nextTicksOf } from "./nextTick";
import type { WireAnswer } from "../../../wire/routes";

type Kind = "schedule" | "sensor";

/** Registers the schedule and sensor routes. */
export function instigatorRoutes(router: Router): void {
  for (const kind of ["schedule", "sensor"] as const) {
    const base = `/api/${kind}s`;
    router.add("GET", base, async (request) => {
      queryOf(request, []);
      const definitions = definitionsOf(request, kind);
      const states = new Map((await request.services.storage.listInstigatorStates()).map((state) => [state.name, state]));
      const list = definitions.map((definition) => describe(kind, definition, states.get(definition.name)));
      sendJson(request.res, 200, { [`${kind}s`]: list });
    });
    for (const [action, status] of [["start", "RUNNING"], ["stop", "STOPPED"]] as const) {
      router.add("POST", `${base}/:name/${action}`, async (request) => {
        queryOf(request, []);
        parseBody(NoBodySchema, await bodyOf(request), `POST ${base}/:name/${action}`);
        const definition = findDefinition(request, kind);
        const state = await request.services.setInstigatorStatus(definition.name, status satisfies InstigatorStatus);
        sendJson(request.res, 200, describe(kind, definition, state));
      });
    }
    router.add("GET", `${base}/:name`, async (request) => {
      queryOf(request, []);
      const definition = findDefinition(request, kind);
      const state = await request.services.storage.getInstigatorState(definition.name);
      const [lastTick] = await request.services.storage.listTicks(definition.name, { limit: 1 });
      const described = describe(kind, definition, state ?? undefined);
      if (kind === "sensor") {
        sendJson(request.res, 200, { ...(described as SensorJson), lastTick: lastTick ?? null } satisfies WireAnswer<"GET /api/sensors/:name">);
        return;
      }
      const schedule = definition as ScheduleDefinition;
      const nextTicks = described.status === "RUNNING" ? nextTicksOf(schedule.cron, schedule.timezone, 5) : [];
      sendJson(request.res, 200, { ...(described as ScheduleJson), nextTicks, lastTick: lastTick ?? null } satisfies WireAnswer<"GET /api/schedules/:name">);
    });
    router.add("GET", `${base}/:name/ticks`, async (request) => {
      const query = queryOf(request, ["limit", "cursor"]);
      const limit = query.integer("limit", 1, 1000) ?? 50;
      const cursor = query.string("cursor");
      const before = cursor === undefined ? undefined : tickOfCursor(cursor);
      const definition = findDefinition(request, kind);
      const ticks = await request.services.storage.listTicks(definition.name, { limit: limit + 1, ...(before ? { before } : {}) });
      const page = ticks.slice(0, limit);
      const last = page[page.length - 1];
      const nextCursor = ticks.length > limit && last ? Buffer.from(JSON.stringify({ tickTime: last.tickTime, tickId: last.tickId })).toString("base64url") : null;
      sendJson(request.res, 200, { ticks: page satisfies TickJson[], nextCursor } satisfies WireAnswer<"GET /api/schedules/:name/ticks">);
    });
  }
}

function definitionsOf(request: ApiRequest, kind: Kind): readonly (ScheduleDefinition | SensorDefinition)[] {
  const { definitions } = loadedProject(request.services);
  return kind === "schedule" ? definitions.schedules : definitions.sensors;
}

function findDefinition(request: ApiRequest, kind: Kind): ScheduleDefinition | SensorDefinition {
  const name = request.params["name"]!;
  const definitions = definitionsOf(request, kind);
  const found = definitions.find((definition) => definition.name === name);
  if (found) return found;
  const guess = suggest(name, definitions.map((definition) => definition.name));
  throw new HttpError(404, `no ${kind} named "${name}" in the project`, {
    hint: guess ? `Did you mean "${guess}"?` : `GET /api/${kind}s lists the ${kind}s there are.`,
  });
}

function describe(kind: Kind, definition: ScheduleDefinition | SensorDefinition, state: InstigatorState | undefined): ScheduleJson | SensorJson {
  const status = state?.status ?? definition.defaultStatus;
  const common = {
    name: definition.name,
    selection: definition.selection,
    status,
    description: definition.description ?? null,
    updatedAt: state?.updatedAt ?? null,
  };
  if (kind === "schedule") {
    const schedule = definition as ScheduleDefinition;
    const nextTick = status === "RUNNING" ? nextTickOf(schedule.cron, schedule.timezone) : undefined;
    return { ...common, cron: schedule.cron, timezone: schedule.timezone, ...(nextTick ? { nextTick } : {}) };
  }
  const sensor = definition as SensorDefinition;
  return { ...common, minimumIntervalSeconds: sensor.minimumIntervalSeconds, cursor: state?.cursor ?? null };
}

/** The tick a cursor pages after; a 400 for a cursor this daemon did not make. */
function tickOfCursor(cursor: string): { tickTime: string; tickId: number } {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as { tickTime?: unknown; tickId?: unknown };
    if (typeof parsed.tickTime === "string" && typeof parsed.tickId === "number") return { tickTime: parsed.tickTime, tickId: parsed.tickId };
  } catch {
    // not one of ours
  }
  throw new HttpError(400, `query parameter "cursor" is not a cursor of this API: "${cursor}"`, { hint: "Pass the nextCursor of the previous page as it is, or leave it out for the first page." });
}
