/**
 * PostgreSQL schema migrations, numbered and append-only (never edit a released one; add a new
 * number). They run with `search_path` set to the storage's schema, so table names are unqualified.
 *
 * Timestamps are TEXT holding the ISO 8601 strings callers give: `timestamptz` would round them to
 * microseconds and reformat them, and the port promises they come back exactly as given. They are
 * all UTC `toISOString()` strings, so text order is time order.
 */
import { assertMigrationList, type Migration } from "../migrations";

/** Every PostgreSQL migration, in order. */
export const POSTGRES_MIGRATIONS: readonly Migration[] = assertMigrationList("PostgreSQL", [
  {
    version: 1,
    name: "initial_schema",
    sql: `
CREATE TABLE runs (
  -- seq orders runs by creation (ISO timestamps can tie within a millisecond); it is the paging cursor.
  seq BIGSERIAL NOT NULL UNIQUE,
  run_id TEXT PRIMARY KEY,
  status TEXT NOT NULL,
  selection TEXT NOT NULL,
  asset_keys JSONB NOT NULL,
  tags JSONB NOT NULL,
  run_key TEXT,
  instigator JSONB,
  instigator_name TEXT,
  attempt INTEGER NOT NULL DEFAULT 1,
  parent_run_id TEXT,
  worker_id TEXT,
  heartbeat_at TEXT,
  created_at TEXT NOT NULL,
  started_at TEXT,
  ended_at TEXT,
  error TEXT
);
CREATE UNIQUE INDEX runs_instigator_run_key ON runs (instigator_name, run_key) WHERE run_key IS NOT NULL;
CREATE INDEX runs_status_seq ON runs (status, seq);
CREATE INDEX runs_instigator_name_seq ON runs (instigator_name, seq);
-- The run queue: claimers scan only QUEUED runs, oldest first.
CREATE INDEX runs_queued_seq ON runs (seq) WHERE status = 'QUEUED';

CREATE TABLE events (
  id BIGSERIAL PRIMARY KEY,
  run_id TEXT NOT NULL,
  timestamp TEXT NOT NULL,
  type TEXT NOT NULL,
  step_key TEXT,
  level TEXT NOT NULL,
  message TEXT NOT NULL,
  -- json, not jsonb: nothing queries inside event payloads, and json is stored as given, which
  -- makes appends markedly faster than converting every payload to jsonb.
  data JSON
);
CREATE INDEX events_run_id_id ON events (run_id, id);

CREATE TABLE asset_latest_materializations (
  asset_key TEXT PRIMARY KEY,
  run_id TEXT NOT NULL,
  timestamp TEXT NOT NULL,
  partition_key TEXT,
  metadata JSONB NOT NULL,
  event_id BIGINT NOT NULL
);

CREATE TABLE asset_latest_check_results (
  asset_key TEXT NOT NULL,
  check_name TEXT NOT NULL,
  run_id TEXT NOT NULL,
  timestamp TEXT NOT NULL,
  passed BOOLEAN NOT NULL,
  severity TEXT NOT NULL,
  metadata JSONB NOT NULL,
  event_id BIGINT NOT NULL,
  PRIMARY KEY (asset_key, check_name)
);

CREATE TABLE instigator_states (
  name TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  status TEXT NOT NULL,
  cursor TEXT,
  updated_at TEXT NOT NULL
);

CREATE TABLE ticks (
  tick_id BIGSERIAL PRIMARY KEY,
  instigator_name TEXT NOT NULL,
  instigator_type TEXT NOT NULL,
  tick_time TEXT NOT NULL,
  status TEXT NOT NULL,
  run_ids JSONB NOT NULL DEFAULT '[]',
  run_keys JSONB NOT NULL DEFAULT '[]',
  skip_reason TEXT,
  error TEXT,
  cursor TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  -- One tick per instigator and instant, whichever daemon creates it first.
  UNIQUE (instigator_name, tick_time)
);

CREATE TABLE daemon_heartbeats (
  daemon_id TEXT PRIMARY KEY,
  info JSONB NOT NULL,
  at TEXT NOT NULL
);
`,
  },
  {
    version: 2,
    name: "partitions_and_backfills",
    sql: `
CREATE TABLE dynamic_partitions (
  name TEXT NOT NULL,
  partition_key TEXT NOT NULL,
  -- seq keeps the order keys were added in (the order partitionKeysOf returns).
  seq BIGSERIAL NOT NULL,
  added_at TEXT NOT NULL,
  PRIMARY KEY (name, partition_key)
);

-- Derived from events in appendEvents, like asset_latest_materializations: one row per asset and
-- partition, the latest event (by id) wins.
CREATE TABLE asset_partitions (
  asset_key TEXT NOT NULL,
  partition_key TEXT NOT NULL,
  status TEXT NOT NULL,
  run_id TEXT NOT NULL,
  event_id BIGINT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (asset_key, partition_key)
);

CREATE TABLE backfills (
  backfill_id TEXT PRIMARY KEY,
  seq BIGSERIAL NOT NULL,
  status TEXT NOT NULL,
  selection TEXT NOT NULL,
  request TEXT NOT NULL,
  policy TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  error TEXT
);
CREATE INDEX backfills_status ON backfills (status);

-- Keys are resolved once, when the backfill is created: resuming never recomputes them.
CREATE TABLE backfill_partitions (
  backfill_id TEXT NOT NULL,
  partition_key TEXT NOT NULL,
  position INTEGER NOT NULL,
  status TEXT NOT NULL,
  run_id TEXT,
  attempt INTEGER NOT NULL DEFAULT 1,
  PRIMARY KEY (backfill_id, partition_key)
);
CREATE INDEX backfill_partitions_status ON backfill_partitions (backfill_id, status, position);
`,
  },
  {
    version: 3,
    name: "instigator_index_without_manual_runs",
    sql: `
-- Every change of a run's status writes a new entry in each index of runs. Manual runs have no
-- instigator and are never looked up by one: leave them out of this index.
DROP INDEX runs_instigator_name_seq;
CREATE INDEX runs_instigator_name_seq ON runs (instigator_name, seq) WHERE instigator_name IS NOT NULL;
`,
  },
  {
    version: 4,
    name: "one_retry_per_run",
    sql: `
-- A failed run is retried at most once, whichever processes noticed the failure (the monitors of
-- several daemons, the coordinator whose worker died): the second retry is refused here. Databases
-- that already hold two retries of one run keep the first as the retry; the later ones keep their
-- tributary/retry_of tag but lose parent_run_id, so the index can be built.
UPDATE runs SET parent_run_id = NULL
WHERE parent_run_id IS NOT NULL
  AND seq > (SELECT MIN(earlier.seq) FROM runs AS earlier WHERE earlier.parent_run_id = runs.parent_run_id);
CREATE UNIQUE INDEX runs_one_retry_per_run ON runs (parent_run_id) WHERE parent_run_id IS NOT NULL;
`,
  },
  {
    version: 5,
    name: "event_idempotency_keys",
    sql: `
-- A batch of events whose commit went unacknowledged (the connection dropped mid-commit) is written
-- again after reconnecting; the key each event carries (unique per run) makes that add nothing.
-- Partial: the events written before this migration have no key and need no index entry.
ALTER TABLE events ADD COLUMN idempotency_key TEXT;
CREATE UNIQUE INDEX events_run_id_idempotency_key ON events (run_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
`,
  },
  {
    version: 6,
    name: "asset_freshness",
    sql: `
-- The last known freshness state of each asset with a freshness policy (FRESH, WARN, STALE,
-- UNKNOWN): a daemon notifies a change only when it wins the compare-and-set from the state it
-- read, so several daemons sharing this database notify each change once.
CREATE TABLE asset_freshness (
  asset_key TEXT PRIMARY KEY,
  state TEXT NOT NULL,
  since TEXT NOT NULL
);
`,
  },
  {
    version: 7,
    name: "run_event_counts",
    sql: `
-- The console's event stats (GET /api/runs/:id/events/stats): how many events of each type and
-- level a run has, and the first and last id of each, kept with every batch of events (derived
-- rows, like asset_latest_materializations), so a run of a million events is summed from a few
-- rows, never counted. Runs written before this migration are counted once here.
CREATE TABLE run_event_counts (
  run_id TEXT NOT NULL,
  type TEXT NOT NULL,
  level TEXT NOT NULL,
  count BIGINT NOT NULL,
  first_id BIGINT NOT NULL,
  last_id BIGINT NOT NULL,
  PRIMARY KEY (run_id, type, level)
);
INSERT INTO run_event_counts (run_id, type, level, count, first_id, last_id)
SELECT run_id, type, level, count(*), min(id), max(id) FROM events GROUP BY run_id, type, level;
`,
  },
  {
    version: 8,
    name: "asset_history_indexes",
    sql: `
-- The console's asset history (GET /api/assets/:key/materializations and /checks): an asset's
-- materializations and check evaluations, newest first, by the asset key inside the event's data.
-- Partial: only those two kinds of event get an entry (a sliver of the log), so appends of the
-- rest pay nothing.
CREATE INDEX events_materializations_by_asset ON events ((data->>'assetKey'), id) WHERE type = 'ASSET_MATERIALIZATION';
CREATE INDEX events_check_evaluations_by_asset ON events ((data->>'assetKey'), id) WHERE type = 'ASSET_CHECK_EVALUATION';
`,
  },
  {
    version: 9,
    name: "run_page_indexes",
    sql: `
-- The run page's reads of a big run: its steps (GET /api/runs/:id reads a run's lifecycle events,
-- not its million log lines) and its warnings and errors (?level=warn). Partial: only those events
-- get an entry, so appends of log lines pay nothing. The predicates are repeated word for word in
-- the queries (storage/filters.ts), which is what lets SQLite use them.
CREATE INDEX events_run_lifecycle ON events (run_id, id) WHERE type IN ('RUN_START', 'RUN_SUCCESS', 'RUN_FAILURE', 'RUN_CANCELED', 'STEP_START', 'STEP_SUCCESS', 'STEP_FAILURE', 'STEP_RETRY', 'STEP_SKIPPED', 'STEP_CANCELED');
CREATE INDEX events_run_problems ON events (run_id, id) WHERE level IN ('warn', 'error');
`,
  },
  {
    version: 10,
    name: "declarative_automation",
    sql: `
-- Automation ticks: one per instant across every daemon sharing the database (the unique
-- tick_time), with the runs it launches stored before launching them (a retried tick launches the
-- same runs, under the same run keys).
CREATE TABLE automation_ticks (
  tick_id BIGSERIAL PRIMARY KEY,
  tick_time TEXT NOT NULL UNIQUE,
  status TEXT NOT NULL,
  daemon_id TEXT NOT NULL,
  launches JSONB NOT NULL DEFAULT '[]',
  run_ids JSONB NOT NULL DEFAULT '[]',
  reason TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX automation_ticks_status ON automation_ticks (status, tick_id);
-- Each asset's evaluation on each tick: what \`tributary automation explain\` shows.
CREATE TABLE automation_evaluations (
  evaluation_id BIGSERIAL PRIMARY KEY,
  tick_id BIGINT NOT NULL,
  asset_key TEXT NOT NULL,
  evaluated_at TEXT NOT NULL,
  requested BOOLEAN NOT NULL,
  partitions JSONB NOT NULL,
  run_key TEXT,
  run_id TEXT,
  reason TEXT NOT NULL,
  tree JSONB
);
CREATE INDEX automation_evaluations_asset ON automation_evaluations (asset_key, evaluation_id);
CREATE INDEX automation_evaluations_tick ON automation_evaluations (tick_id, run_key);
CREATE INDEX automation_evaluations_time ON automation_evaluations (evaluated_at);
-- Each asset's state after its latest evaluation (since/newlyTrue memory, cursors): one row per
-- asset, read in one query at each tick.
CREATE TABLE automation_asset_states (
  asset_key TEXT PRIMARY KEY,
  tick_id BIGINT NOT NULL,
  state JSONB NOT NULL
);
`,
  },
  {
    version: 11,
    name: "run_status_counts",
    sql: `
-- GET /api/runs/counts without filters (the runs page) reads these rows, never the runs: how many
-- runs there are in each status, kept by triggers in the statement (so the transaction) that
-- creates a run or changes its status, whichever code path does it. Not one row per status: every
-- claim, start and end would wait on the same few rows, and transactions that move runs both ways
-- (a claim QUEUED -> STARTED, a run given back STARTED -> QUEUED) would lock two of them in
-- opposite orders and deadlock. Each change appends its deltas instead (-1 for the old status, +1
-- for the new), which conflicts with nothing; the count is their sum, and every 256th run created
-- folds the deltas into one row per status, so a count sums a few thousand rows at most.
-- Runs written before this migration are counted once here.
CREATE TABLE run_status_counts (
  status TEXT NOT NULL,
  count BIGINT NOT NULL
);
INSERT INTO run_status_counts (status, count) SELECT status, count(*) FROM runs GROUP BY status;
-- SKIP LOCKED: two folds at once each take the rows the other has not, and neither waits.
-- search_path FROM CURRENT: the storage's schema, whatever the search_path of the session.
CREATE FUNCTION run_status_counts_fold() RETURNS void LANGUAGE sql SET search_path FROM CURRENT AS $$
  WITH folded AS (
    DELETE FROM run_status_counts WHERE ctid = ANY(ARRAY(SELECT ctid FROM run_status_counts FOR UPDATE SKIP LOCKED))
    RETURNING status, count)
  INSERT INTO run_status_counts (status, count) SELECT status, sum(count) FROM folded GROUP BY status HAVING sum(count) <> 0;
$$;
-- Created runs are counted per statement, not per row: a bulk insert (an import) adds one delta
-- per status, and folds at most once.
CREATE FUNCTION run_status_counts_created() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  INSERT INTO run_status_counts (status, count) SELECT status, count(*) FROM created_runs GROUP BY status;
  IF EXISTS (SELECT 1 FROM created_runs WHERE seq % 256 = 0) THEN PERFORM run_status_counts_fold(); END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER runs_counted_on_insert AFTER INSERT ON runs REFERENCING NEW TABLE AS created_runs
  FOR EACH STATEMENT EXECUTE FUNCTION run_status_counts_created();
CREATE FUNCTION run_status_counts_changed() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  INSERT INTO run_status_counts (status, count) VALUES (OLD.status, -1);
  IF TG_OP = 'UPDATE' THEN INSERT INTO run_status_counts (status, count) VALUES (NEW.status, 1); END IF;
  RETURN NULL;
END $$;
-- Only a change of status: heartbeats and other updates do not fire it.
CREATE TRIGGER runs_counted_on_status AFTER UPDATE OF status ON runs FOR EACH ROW
  WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION run_status_counts_changed();
CREATE TRIGGER runs_counted_on_delete AFTER DELETE ON runs FOR EACH ROW EXECUTE FUNCTION run_status_counts_changed();
-- Counts of a time range (the overview's last 24 hours) read the range's entries of this index
-- (the status in it too: an index-only scan where the runs are all-visible), however long the history.
CREATE INDEX runs_created_at_status ON runs (created_at, status);
`,
  },
]);
