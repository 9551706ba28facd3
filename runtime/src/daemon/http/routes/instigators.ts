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
import { nextTickOf } from "./nextTick";

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
    router.add("GET", `${base}/:name/ticks`, async (request) => {
      const limit = queryOf(request, ["limit"]).integer("limit", 1, 1000) ?? 50;
      const definition = findDefinition(request, kind);
      sendJson(request.res, 200, { ticks: (await request.services.storage.listTicks(definition.name, { limit })) satisfies TickJson[] });
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
