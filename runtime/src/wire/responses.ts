/**
 * The JSON the daemon answers with, as valibot schemas whose inferred types the extension, the
 * lineage UI, the language server and the daemon's own routes share. The daemon does not validate
 * its answers at run time (it builds them with these types, so the compiler does); a client may
 * (`v.parse(RunSchema, json)`) where it reads a daemon of another version.
 *
 * Terminology: an asset's *status* is the daemon's verdict on its latest materialization; a *step*
 * is one asset (or multi-asset) of a run; a *tick* is one evaluation of a schedule or a sensor.
 */
import * as v from "valibot";
import { RUN_STATUSES, type RunStatus } from "../types";
import { ASSET_STATUSES, BACKFILL_STATUSES, FRESHNESS_STATES, RUN_EVENT_TYPES } from "./statuses";

const StringMap = v.record(v.string(), v.string());
const JsonObject = v.record(v.string(), v.unknown());

/** Statuses of a run, in the order a run goes through them. */
export const RunStatusSchema = v.picklist(RUN_STATUSES as readonly RunStatus[] as RunStatus[]);

/**
 * The status of an asset, `GET /api/assets`: RUNNING (a step computing it is running), FAILED (its
 * latest step failed after its latest materialization), NEVER (never materialized), STALE (an
 * upstream asset was materialized after it, or its `codeVersion` changed), FRESH (otherwise).
 */
export const AssetStatusSchema = v.picklist(ASSET_STATUSES);
/** The status of an asset, as the daemon judges it. */
export type AssetStatus = v.InferOutput<typeof AssetStatusSchema>;

/** What launched a run when it was not a person. */
export const InstigatorSchema = v.object({
  type: v.picklist(["schedule", "sensor", "backfill", "automation"]),
  /** The schedule's or sensor's name, or the backfill id. */
  name: v.string(),
  /** ISO 8601 instant of the tick (schedules and sensors). */
  tickTime: v.optional(v.string()),
  runKey: v.optional(v.string()),
});

/** A run: `GET /api/runs` entries, and the CLI's `runs list --json` (DESIGN.md §3). */
const runEntries = {
  runId: v.string(),
  status: RunStatusSchema,
  selection: v.string(),
  instigator: v.nullable(InstigatorSchema),
  createdAt: v.string(),
  startedAt: v.nullable(v.string()),
  endedAt: v.nullable(v.string()),
  assetKeys: v.array(v.string()),
  tags: StringMap,
  runKey: v.nullable(v.string()),
  attempt: v.number(),
  parentRunId: v.nullable(v.string()),
  workerId: v.nullable(v.string()),
  /** Why the run failed or was canceled, in one line. */
  error: v.nullable(v.string()),
};
// The entries are a plain object (not `RunSchema.entries`) so that bundlers can drop the schemas a
// client does not use: a property read is not known to be free of side effects.
export const RunSchema = v.object(runEntries);
/** A run as the HTTP API and the CLI show it. */
export type RunJson = v.InferOutput<typeof RunSchema>;

/**
 * One attempt of a step (a retried step has several): when it ran and how it ended. A retry's
 * attempt starts when its delay is over; `RUNNING` while it runs (or waits to start).
 */
export const StepAttemptSchema = v.object({
  /** 1 for the first attempt, counted over the step (a partitioned step's partitions share the count). */
  attempt: v.number(),
  status: v.picklist(["RUNNING", "SUCCESS", "FAILURE", "CANCELED"]),
  startedAt: v.string(),
  endedAt: v.nullable(v.string()),
  /** One-line reason for FAILURE and CANCELED. */
  error: v.optional(v.string()),
});
export type StepAttemptJson = v.InferOutput<typeof StepAttemptSchema>;

/** Where one step of a run stands. */
export const StepSchema = v.object({
  key: v.string(),
  status: v.picklist(["RUNNING", "SUCCESS", "FAILURE", "SKIPPED", "CANCELED"]),
  startedAt: v.nullable(v.string()),
  endedAt: v.nullable(v.string()),
  durationMs: v.nullable(v.number()),
  /** How many attempts started (retries add one each). */
  attempts: v.number(),
  /** Those attempts in order (none for a step that never started): the run page's timeline. */
  attemptList: v.array(StepAttemptSchema),
  /** One-line reason for FAILURE, SKIPPED and CANCELED. */
  error: v.optional(v.string()),
});
export type StepJson = v.InferOutput<typeof StepSchema>;

/** `GET /api/runs/:id`: the run with its steps. */
export const RunDetailSchema = v.object({ ...runEntries, steps: v.array(StepSchema) });
export type RunDetailJson = v.InferOutput<typeof RunDetailSchema>;


/**
 * A run event: `GET /api/runs/:id/events` entries and the `data` of `run-event` stream events.
 * `data.assetKey` is set on ASSET_MATERIALIZATION and ASSET_CHECK_EVALUATION; RUN_START carries
 * `data.steps` (the step keys) or `data.assetKeys`.
 */
export const RunEventSchema = v.object({
  /** Monotonic id in the whole event log: the stream's `id:` and the `after` cursor. */
  id: v.number(),
  runId: v.string(),
  /** ISO 8601 instant. */
  timestamp: v.string(),
  type: v.picklist(RUN_EVENT_TYPES),
  stepKey: v.nullable(v.string()),
  level: v.picklist(["debug", "info", "warn", "error"]),
  message: v.string(),
  data: v.optional(v.nullable(JsonObject)),
});
export type RunEventJson = v.InferOutput<typeof RunEventSchema>;

/** `GET /api/runs/:id/events/stats`: how many events a run has, by level and type. */
export const RunEventStatsSchema = v.object({
  total: v.number(),
  /** The id of the run's last event (0 when it has none): `before=lastId+1` opens the tail. */
  lastId: v.number(),
  /** The id of its first event at level `error`, or null: "jump to the first error". */
  firstErrorId: v.nullable(v.number()),
  byLevel: v.object({ debug: v.number(), info: v.number(), warn: v.number(), error: v.number() }),
  /** Only the types the run has. */
  byType: v.record(v.string(), v.number()),
});
export type RunEventStatsJson = v.InferOutput<typeof RunEventStatsSchema>;

/** `GET /api/runs`: a page of runs, newest first, and the cursor of the next page (null: no more). */
export const RunPageSchema = v.object({ runs: v.array(RunSchema), nextCursor: v.nullable(v.string()) });
export type RunPageJson = v.InferOutput<typeof RunPageSchema>;

/** `GET /api/runs/counts`: how many runs match the filters, by status. */
export const RunCountsSchema = v.object({ counts: v.record(RunStatusSchema, v.number()), total: v.number() });
export type RunCountsJson = v.InferOutput<typeof RunCountsSchema>;

/**
 * The `data` of the `error` event that closes a stream whose client fell too far behind: reconnect
 * with `Last-Event-ID: lastEventId` (readEventStream and EventSource do) to resume from storage.
 */
export const StreamBehindSchema = v.object({ message: v.string(), hint: v.string(), lastEventId: v.nullable(v.number()) });
export type StreamBehindJson = v.InferOutput<typeof StreamBehindSchema>;

/** The `data` of a run stream's last event, `end`. */
export const RunEndSchema = v.object({ runId: v.string(), status: v.nullable(RunStatusSchema) });
export type RunEndJson = v.InferOutput<typeof RunEndSchema>;

/** Keys of one partition status: how many, and their runs of consecutive keys (`[first, last]`). */
export const PartitionGroupSchema = v.object({ count: v.number(), ranges: v.array(v.tuple([v.string(), v.string()])) });
export type PartitionGroupJson = v.InferOutput<typeof PartitionGroupSchema>;

/** `GET /api/assets/:key/partitions`, also inlined in `GET /api/assets` as `partitions`. */
export const AssetPartitionsSchema = v.object({
  asset: v.string(),
  /** The partitions definition in words (`daily partitions from 2018-01-01 (UTC)`). */
  definition: v.string(),
  /** Partitions that exist now. */
  total: v.number(),
  firstKey: v.nullable(v.string()),
  lastKey: v.nullable(v.string()),
  materialized: PartitionGroupSchema,
  failed: PartitionGroupSchema,
  missing: PartitionGroupSchema,
  /** One letter per key in key order (`M`, `F`, `-`); null beyond 2,000 keys. */
  strip: v.nullable(v.string()),
});
export type AssetPartitionsJson = v.InferOutput<typeof AssetPartitionsSchema>;

/** Latest result of one check of an asset. */
export const CheckResultSchema = v.object({
  checkName: v.string(),
  passed: v.boolean(),
  severity: v.picklist(["WARN", "ERROR"]),
  timestamp: v.string(),
  runId: v.string(),
});
export type CheckResultJson = v.InferOutput<typeof CheckResultSchema>;

/** Latest materialization of an asset. */
export const MaterializationSchema = v.object({ runId: v.string(), timestamp: v.string(), metadata: JsonObject });
export type MaterializationJson = v.InferOutput<typeof MaterializationSchema>;

/**
 * An asset's freshness against its policy (`freshness: { maxLag, warnAfter }` on its spec), judged
 * by the daemon's clock when it answers. Instants are ISO 8601; `lastMaterializedAt` is the asset's
 * latest materialization of any partition (as Dagster's freshness policies), `partitionKey` that
 * materialization's partition.
 */
export const AssetFreshnessSchema = v.object({
  state: v.picklist(FRESHNESS_STATES),
  /** The policy as written: `"24h"`, and `"12h"` or null. */
  maxLag: v.string(),
  warnAfter: v.nullable(v.string()),
  lastMaterializedAt: v.nullable(v.string()),
  partitionKey: v.nullable(v.string()),
  /** When it turned WARN, while WARN or STALE (with a warnAfter). */
  warnSince: v.nullable(v.string()),
  /** When it turned STALE, while STALE. */
  staleSince: v.nullable(v.string()),
  /** When it turns STALE unless materialized again, while FRESH or WARN. */
  staleAt: v.nullable(v.string()),
});
export type AssetFreshnessJson = v.InferOutput<typeof AssetFreshnessSchema>;

/** One entry of `GET /api/assets` `{ "assets": [...] }`. */
const assetEntries = {
  key: v.string(),
  group: v.string(),
  deps: v.array(v.string()),
  description: v.nullable(v.string()),
  kinds: v.array(v.string()),
  tags: StringMap,
  owners: v.array(v.string()),
  /** Names of the checks defined on the asset. */
  checks: v.array(v.string()),
  /** File relative to the project folder, and 1-based line, where the asset is defined. */
  file: v.optional(v.string()),
  line: v.optional(v.number()),
  status: AssetStatusSchema,
  latestMaterialization: v.nullable(MaterializationSchema),
  latestChecks: v.array(CheckResultSchema),
  /** Partitioned assets only. */
  partitions: v.optional(AssetPartitionsSchema),
  /** Assets with a freshness policy only. */
  freshness: v.optional(AssetFreshnessSchema),
};
export const AssetSchema = v.object(assetEntries);
export type AssetJson = v.InferOutput<typeof AssetSchema>;

/** One output column of an asset, with the upstream columns it is computed from. */
export const ColumnSchema = v.object({
  name: v.string(),
  /** The type when the static analysis knows it (a cast, a literal, passed through unchanged). */
  type: v.optional(v.string()),
  /** Upstream columns it is computed from, as `"<asset key>.<column>"` (empty for a constant). */
  from: v.array(v.string()),
});
export type ColumnJson = v.InferOutput<typeof ColumnSchema>;

/**
 * One entry of `GET /api/lineage/columns`: an asset's columns as the static analysis reads them
 * (the same as `tributary validate --json`), or null when they are not statically knowable.
 */
export const AssetColumnsSchema = v.object({ key: v.string(), columns: v.nullable(v.array(ColumnSchema)) });
export type AssetColumnsJson = v.InferOutput<typeof AssetColumnsSchema>;

/** `GET /api/assets/:key`: one asset as in the list, with the keys next to it in the graph. */
export const AssetDetailSchema = v.object({
  ...assetEntries,
  /** Its direct upstream assets (its deps), by key. */
  upstream: v.array(v.string()),
  /** The assets that depend on it directly, by key. */
  downstream: v.array(v.string()),
});
export type AssetDetailJson = v.InferOutput<typeof AssetDetailSchema>;

/** One materialization of an asset: `GET /api/assets/:key/materializations` entries. */
export const AssetMaterializationSchema = v.object({
  runId: v.string(),
  /** The partition it materialized, or null. */
  partition: v.nullable(v.string()),
  timestamp: v.string(),
  metadata: JsonObject,
  /** The id of its event in the run's log. */
  eventId: v.number(),
});
export type AssetMaterializationJson = v.InferOutput<typeof AssetMaterializationSchema>;

/** One evaluation of one check of an asset: `GET /api/assets/:key/checks` entries. */
export const AssetCheckEvaluationSchema = v.object({
  checkName: v.string(),
  passed: v.boolean(),
  severity: v.picklist(["WARN", "ERROR"]),
  timestamp: v.string(),
  runId: v.string(),
  metadata: JsonObject,
  eventId: v.number(),
});
export type AssetCheckEvaluationJson = v.InferOutput<typeof AssetCheckEvaluationSchema>;

/** A backfill: `POST /api/backfills`, `GET /api/backfills[/:id]`, `POST /api/backfills/:id/cancel`. */
export const BackfillSchema = v.object({
  backfillId: v.string(),
  status: v.picklist(BACKFILL_STATUSES),
  selection: v.string(),
  /** What was asked for: the range, the flags. */
  request: v.object({
    from: v.optional(v.string()),
    to: v.optional(v.string()),
    keys: v.optional(v.array(v.string())),
    missingOnly: v.optional(v.boolean()),
    failedOnly: v.optional(v.boolean()),
  }),
  policy: v.object({ maxPartitionsPerRun: v.number(), maxConcurrentRuns: v.number() }),
  createdAt: v.string(),
  error: v.nullable(v.string()),
  /** `remaining` counts partitions not yet done (`queued`: a run exists, not finished). */
  partitions: v.object({ total: v.number(), done: v.number(), failed: v.number(), canceled: v.number(), remaining: v.number(), queued: v.number() }),
});
export type BackfillJson = v.InferOutput<typeof BackfillSchema>;

/**
 * `GET /api/backfills/:id/partitions`: where each partition of a backfill is, in launch order, as a
 * strip of at most 2,000 cells (one per key up to 2,000 keys; beyond, each cell covers consecutive
 * keys and shows the first of `FCRQPD` among them, see `squeezeStrip`), with the keys of each cell.
 */
export const BackfillPartitionsSchema = v.object({
  backfillId: v.string(),
  /** Partitions of the backfill. */
  total: v.number(),
  /**
   * Keys by state: `requested` has a run that has not started yet, `running` a run that started (or
   * ended, until the backfill records its outcome).
   */
  counts: v.object({ pending: v.number(), requested: v.number(), running: v.number(), done: v.number(), failed: v.number(), canceled: v.number() }),
  /** One letter per cell: `D` done, `F` failed, `C` canceled, `R` running, `Q` requested, `P` pending. */
  strip: v.string(),
  /** The first and last key of each cell (the same key twice for a cell of one key). */
  cells: v.array(v.tuple([v.string(), v.string()])),
});
export type BackfillPartitionsJson = v.InferOutput<typeof BackfillPartitionsSchema>;


const LoadErrorSchema = v.object({ message: v.string(), hint: v.optional(v.string()), file: v.optional(v.string()), line: v.optional(v.number()) });

/** Whether the project loads: `project` of `GET /api/health` and `POST /api/reload`. */
export const ProjectSchema = v.variant("ok", [
  v.object({ ok: v.literal(true), loadedAt: v.string(), codeVersion: v.string(), dir: v.string(), assets: v.number() }),
  v.object({ ok: v.literal(false), failedAt: v.string(), codeVersion: v.nullable(v.string()), error: LoadErrorSchema }),
]);
export type ProjectJson = v.InferOutput<typeof ProjectSchema>;

/** `GET /api/health`. `ok` is true whenever the daemon answers; `project` and `storage` say what works. */
/** One daemon loop's heartbeat in `GET /api/health`. */
export const LoopHealthSchema = v.object({
  /** scheduler, sensors, backfills, runQueue, monitor, freshness, automation or heartbeat. */
  name: v.string(),
  /** ISO instant of its last completed pass (of its start, before the first). */
  lastBeatAt: v.string(),
  intervalSeconds: v.number(),
  /** A pass is in progress. */
  running: v.boolean(),
  /** False once it has not completed a pass for unhealthyAfterSeconds. */
  healthy: v.boolean(),
  unhealthyAfterSeconds: v.number(),
  /** Seconds since its last completed pass, when unhealthy. */
  stalledForSeconds: v.optional(v.number()),
});
export type LoopHealthJson = v.InferOutput<typeof LoopHealthSchema>;

export const HealthSchema = v.object({
  ok: v.literal(true),
  daemonId: v.string(),
  mode: v.string(),
  version: v.string(),
  project: ProjectSchema,
  storage: v.object({
    ok: v.boolean(),
    dialect: v.string(),
    /** Since when the database has not answered, as the daemon saw it. */
    since: v.optional(v.string()),
    error: v.optional(v.object({ message: v.string(), hint: v.optional(v.string()) })),
  }),
  /** Open event feeds, connected stream clients, and events held for global-stream clients whose sockets are full. */
  streams: v.object({ feeds: v.number(), clients: v.number(), waitingEvents: v.number() }),
  /** "degraded" while a daemon loop is stalled (see `loops`) or the database is out of reach; the answer is still HTTP 200. */
  status: v.picklist(["ok", "degraded"]),
  /** The heartbeat of each daemon loop of this process (none in a process without loops). */
  loops: v.array(LoopHealthSchema),
});
export type HealthJson = v.InferOutput<typeof HealthSchema>;

/** `POST /api/reload`. */
export const ReloadSchema = v.object({ codeVersion: v.nullable(v.string()), project: ProjectSchema });
export type ReloadJson = v.InferOutput<typeof ReloadSchema>;

const InstigatorCommon = {
  name: v.string(),
  selection: v.string(),
  status: v.picklist(["RUNNING", "STOPPED"]),
  description: v.nullable(v.string()),
  updatedAt: v.nullable(v.string()),
};

/** `GET /api/schedules` entries and the answer of start/stop. */
export const ScheduleSchema = v.object({
  ...InstigatorCommon,
  cron: v.string(),
  timezone: v.string(),
  /** ISO instant of the next tick, for a running schedule. */
  nextTick: v.optional(v.string()),
});
export type ScheduleJson = v.InferOutput<typeof ScheduleSchema>;

/** `GET /api/sensors` entries and the answer of start/stop. */
export const SensorSchema = v.object({ ...InstigatorCommon, minimumIntervalSeconds: v.number(), cursor: v.nullable(v.string()) });
export type SensorJson = v.InferOutput<typeof SensorSchema>;

/** `GET /api/schedules/:name/ticks` and `/api/sensors/:name/ticks` entries. */
export const TickSchema = v.object({
  tickId: v.number(),
  instigatorName: v.string(),
  instigatorType: v.picklist(["schedule", "sensor"]),
  tickTime: v.string(),
  status: v.picklist(["STARTED", "SUCCESS", "SKIPPED", "FAILURE"]),
  runIds: v.array(v.string()),
  runKeys: v.array(v.string()),
  skipReason: v.nullable(v.string()),
  error: v.nullable(v.string()),
  cursor: v.nullable(v.string()),
  createdAt: v.string(),
  updatedAt: v.string(),
});
export type TickJson = v.InferOutput<typeof TickSchema>;

/** `GET /api/schedules/:name`: the schedule as in the list, its next ticks and its last one. */
export const ScheduleDetailSchema = v.object({
  ...InstigatorCommon,
  cron: v.string(),
  timezone: v.string(),
  nextTick: v.optional(v.string()),
  /** The next five tick instants (ISO), for a running schedule; empty for a stopped one. */
  nextTicks: v.array(v.string()),
  lastTick: v.nullable(TickSchema),
});
export type ScheduleDetailJson = v.InferOutput<typeof ScheduleDetailSchema>;

/** `GET /api/sensors/:name`: the sensor as in the list (with its cursor) and its last tick. */
export const SensorDetailSchema = v.object({ ...InstigatorCommon, minimumIntervalSeconds: v.number(), cursor: v.nullable(v.string()), lastTick: v.nullable(TickSchema) });
export type SensorDetailJson = v.InferOutput<typeof SensorDetailSchema>;

/** A tick history page: `GET /api/schedules/:name/ticks` and `/api/sensors/:name/ticks`. */
export const TickPageSchema = v.object({ ticks: v.array(TickSchema), nextCursor: v.nullable(v.string()) });

/** One run on the overview's timeline. */
export const TimelineRunSchema = v.object({
  runId: v.string(),
  status: RunStatusSchema,
  createdAt: v.string(),
  startedAt: v.nullable(v.string()),
  endedAt: v.nullable(v.string()),
});

/** `GET /api/timeline`: the runs of a window, one row per job, schedule, sensor or backfill. */
export const TimelineSchema = v.object({
  from: v.string(),
  to: v.string(),
  rows: v.array(
    v.object({
      /** `schedule:NAME`, `sensor:NAME`, `automation:tributary/automation`, `backfill:ID`, `job:NAME`, or `manual`. */
      key: v.string(),
      kind: v.picklist(["schedule", "sensor", "automation", "backfill", "job", "manual"]),
      /** The schedule's, sensor's or job's name, the backfill's id; null for `manual`. */
      name: v.nullable(v.string()),
      runs: v.array(TimelineRunSchema),
    }),
  ),
  /** More runs in the window than one answer holds (5,000): the oldest were left out. */
  truncated: v.boolean(),
});
export type TimelineJson = v.InferOutput<typeof TimelineSchema>;

/** One node of an evaluated automation condition (`tree` of an evaluation). */
export interface AutomationNodeJson {
  kind: string;
  /** The node's label, or its description. */
  name: string;
  /** True for at least one candidate partition. */
  result: boolean;
  /** The candidate partitions it is true for (partitioned assets only). */
  partitions?: string[];
  /** Dep conditions: the deps true / false for some candidate partition. */
  matched?: string[];
  unmatched?: string[];
  /** Operands: what made it true (a materialization instant, a cron tick). */
  detail?: string;
  children?: AutomationNodeJson[];
}

const AutomationNodeSchema: v.GenericSchema<AutomationNodeJson> = v.object({
  kind: v.string(),
  name: v.string(),
  result: v.boolean(),
  partitions: v.optional(v.array(v.string())),
  matched: v.optional(v.array(v.string())),
  unmatched: v.optional(v.array(v.string())),
  detail: v.optional(v.string()),
  children: v.optional(v.array(v.lazy(() => AutomationNodeSchema))),
});

/** `GET /api/assets/:key/evaluations` entries: one evaluation of an asset's automation condition. */
export const AutomationEvaluationSchema = v.object({
  evaluatedAt: v.string(),
  requested: v.boolean(),
  /** The partitions requested (empty for an unpartitioned asset). */
  partitions: v.array(v.string()),
  runId: v.nullable(v.string()),
  /** One sentence: why it was requested, or the first reason it was not. */
  reason: v.string(),
  /** The condition tree with each node's result; null when the condition could not be evaluated. */
  tree: v.nullable(AutomationNodeSchema),
});
export type AutomationEvaluationJson = v.InferOutput<typeof AutomationEvaluationSchema>;

/** Every error answer: `{ "error": { "message", "hint"?, ...details } }`. */
export const ErrorBodySchema = v.object({
  error: v.looseObject({ message: v.string(), hint: v.optional(v.string()) }),
});
export type ErrorBodyJson = v.InferOutput<typeof ErrorBodySchema>;

/**
 * An error answer in one line, `message (hint)`, as the console and the lineage page show it; the
 * status line when the body is not the API's error JSON (a proxy's page, an empty body).
 */
export async function errorAnswerText(response: Response): Promise<string> {
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  const parsed = v.safeParse(ErrorBodySchema, body);
  if (!parsed.success) return `HTTP ${response.status} ${response.statusText}`;
  const { message, hint } = parsed.output.error;
  return hint ? `${message} (${hint})` : message;
}
