/**
 * Every route of the HTTP API: method, path, query parameters, body and answer. The daemon's
 * router serves exactly these (test/docs/httpApi.test.ts holds the router, this table and
 * docs/http-api.md together); a client names a route's types through it
 * (`WireAnswer<"GET /api/runs/:id">`).
 */
import * as v from "valibot";
import { CreateBackfillBodySchema, CreateRunBodySchema, NoBodySchema, ReexecuteBodySchema } from "./requests";
import {
  AssetCheckEvaluationSchema, AssetColumnsSchema, AssetDetailSchema, AssetMaterializationSchema, AssetPartitionsSchema, AssetSchema, AutomationEvaluationSchema, BackfillPartitionsSchema, BackfillSchema, HealthSchema, ReloadSchema, RunCountsSchema, RunDetailSchema, RunEventSchema,
  RunEventStatsSchema, RunPageSchema, RunStatusSchema, ScheduleDetailSchema, ScheduleSchema, SensorDetailSchema, SensorSchema, TickPageSchema,
  TimelineSchema,
} from "./responses";

/** One route of the API. */
export interface WireRoute {
  /** Query parameters it takes; any other is a 400. */
  readonly query: readonly string[];
  /** The body it takes; absent: none. */
  readonly body?: v.GenericSchema;
  /** The JSON of its success answer; absent for event streams. */
  readonly answer?: v.GenericSchema;
  /** The status of its success answer. @defaultValue 200 */
  readonly status?: number;
  /** Also answers `Accept: text/event-stream` with a live stream (see ./sse). */
  readonly stream?: boolean;
}

const RunIdSchema = v.object({ runId: v.string() });

/** The filters of the runs list, which its counts take too. */
const RUN_FILTERS = ["asset", "job", "instigator", "tag", "from", "to"] as const;

/** The API, by `"METHOD /path/:param"`. */
export const WIRE_ROUTES = {
  "GET /api/health": { query: [], answer: HealthSchema },
  "GET /api/assets": { query: [], answer: v.object({ assets: v.array(AssetSchema) }) },
  "GET /api/runs": { query: ["status", "limit", "cursor", "before", ...RUN_FILTERS], answer: RunPageSchema },
  "GET /api/runs/counts": { query: RUN_FILTERS, answer: RunCountsSchema },
  "POST /api/runs": { query: [], body: CreateRunBodySchema, answer: RunIdSchema, status: 201 },
  "GET /api/runs/:id": { query: [], answer: RunDetailSchema },
  "GET /api/runs/:id/events": { query: ["after", "before", "limit", "step", "level", "type", "q"], answer: v.object({ events: v.array(RunEventSchema) }), stream: true },
  "GET /api/runs/:id/events/stats": { query: [], answer: RunEventStatsSchema },
  "POST /api/runs/:id/reexecute": { query: [], body: ReexecuteBodySchema, answer: RunIdSchema, status: 201 },
  "POST /api/runs/:id/cancel": { query: [], body: NoBodySchema, answer: v.object({ runId: v.string(), status: RunStatusSchema }), status: 202 },
  "GET /api/events/stream": { query: ["after"], stream: true },
  "GET /api/schedules": { query: [], answer: v.object({ schedules: v.array(ScheduleSchema) }) },
  "POST /api/schedules/:name/start": { query: [], body: NoBodySchema, answer: ScheduleSchema },
  "POST /api/schedules/:name/stop": { query: [], body: NoBodySchema, answer: ScheduleSchema },
  "GET /api/schedules/:name": { query: [], answer: ScheduleDetailSchema },
  "GET /api/schedules/:name/ticks": { query: ["limit", "cursor"], answer: TickPageSchema },
  "GET /api/sensors": { query: [], answer: v.object({ sensors: v.array(SensorSchema) }) },
  "POST /api/sensors/:name/start": { query: [], body: NoBodySchema, answer: SensorSchema },
  "POST /api/sensors/:name/stop": { query: [], body: NoBodySchema, answer: SensorSchema },
  "GET /api/sensors/:name": { query: [], answer: SensorDetailSchema },
  "GET /api/sensors/:name/ticks": { query: ["limit", "cursor"], answer: TickPageSchema },
  "GET /api/timeline": { query: ["from", "to"], answer: TimelineSchema },
  "GET /api/assets/:key": { query: [], answer: AssetDetailSchema },
  "GET /api/assets/:key/materializations": { query: ["limit", "cursor"], answer: v.object({ materializations: v.array(AssetMaterializationSchema), nextCursor: v.nullable(v.string()) }) },
  "GET /api/assets/:key/checks": { query: ["limit", "cursor"], answer: v.object({ evaluations: v.array(AssetCheckEvaluationSchema), nextCursor: v.nullable(v.string()) }) },
  "GET /api/lineage/columns": { query: [], answer: v.object({ assets: v.array(AssetColumnsSchema) }) },
  "GET /api/assets/:key/partitions": { query: [], answer: AssetPartitionsSchema },
  "GET /api/assets/:key/evaluations": {
    query: ["limit", "cursor"],
    answer: v.object({ evaluations: v.array(AutomationEvaluationSchema), nextCursor: v.nullable(v.string()) }),
  },
  "GET /api/backfills": { query: ["limit"], answer: v.object({ backfills: v.array(BackfillSchema) }) },
  "POST /api/backfills": { query: [], body: CreateBackfillBodySchema, answer: BackfillSchema, status: 201 },
  "GET /api/backfills/:id": { query: [], answer: BackfillSchema },
  "GET /api/backfills/:id/partitions": { query: [], answer: BackfillPartitionsSchema },
  "POST /api/backfills/:id/cancel": { query: [], body: NoBodySchema, answer: BackfillSchema },
  "POST /api/backfills/:id/resume": { query: [], body: NoBodySchema, answer: BackfillSchema },
  "POST /api/reload": { query: [], body: NoBodySchema, answer: ReloadSchema },
} as const satisfies Record<string, WireRoute>;

/** A route's name: `"GET /api/runs"`. */
export type WireRouteName = keyof typeof WIRE_ROUTES;

type AnswerOf<R> = R extends { answer: infer S extends v.GenericSchema } ? v.InferOutput<S> : never;
type BodyOf<R> = R extends { body: infer S extends v.GenericSchema } ? v.InferInput<S> : never;

/** The JSON a route answers with. */
export type WireAnswer<N extends WireRouteName> = AnswerOf<(typeof WIRE_ROUTES)[N]>;
/** The body a route takes. */
export type WireBody<N extends WireRouteName> = BodyOf<(typeof WIRE_ROUTES)[N]>;
