/**
 * Runs and claims on PostgreSQL: a run's record from QUEUED to its end, the queue's claims
 * (./claims), and the notifications that wake claimers when a run is queued (./queueNotifications).
 */
import type { NewRun, RunRecord, RunStatus } from "../../types";
import type { ClaimOptions, RunCountFilter, RunFilter, RunStorage, RunUpdate } from "../port";
import { runCountStatement, runFilterConditions, SqlParams } from "../filters";
import { RunConflictError, retryTaken, runNotFound } from "../errors";
import { countsByStatus, NEW_RUN_COLUMNS, newRunValues, rowToRun, runKeyOf, runUpdateAssignments } from "../rows";
import type { PostgresClaims } from "./claims";
import type { PostgresConnection } from "./connection";
import { queueChannel, QueuedRunListener } from "./queueNotifications";

/** The {@link RunStorage} of a PostgresStorage. */
export class PostgresRuns implements RunStorage {
  constructor(
    private readonly connection: PostgresConnection,
    /** The storage's claims: their frontier is shared with EventStorage.endRunsAndClaim. */
    private readonly claims: PostgresClaims,
  ) {}

  async createRun(run: NewRun): Promise<RunRecord> {
    try {
      const [row] = await this.connection.query(
        // A queued run wakes the coordinators that listen (see listenForQueuedRuns), at commit.
        `INSERT INTO runs (${NEW_RUN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         RETURNING *, (SELECT pg_notify($12, '') WHERE status = 'QUEUED') IS NULL AS unqueued`,
        [...newRunValues(run), queueChannel(this.connection.schema)],
      );
      return rowToRun(row!);
    } catch (error) {
      const { code, constraint } = error as { code?: string; constraint?: string };
      if (code !== "23505") throw error;
      if (constraint === "runs_pkey") throw new RunConflictError(`A run with id ${run.runId} exists already`, "runId", error);
      if (constraint === "runs_one_retry_per_run") throw retryTaken(run, error);
      throw new RunConflictError(`Instigator ${run.instigator?.name} already launched a run with run key "${runKeyOf(run)}"`, "runKey", error);
    }
  }

  async getRun(runId: string): Promise<RunRecord | null> {
    const [row] = await this.connection.query("SELECT * FROM runs WHERE run_id = $1", [runId]);
    return row ? rowToRun(row) : null;
  }

  async listRuns(filter: RunFilter = {}): Promise<RunRecord[]> {
    if (filter.statuses?.length === 0) return [];
    const params = new SqlParams("postgres");
    const conditions = runFilterConditions(params, "postgres", filter);
    if (filter.statuses) conditions.push(`status = ANY(${params.bind(filter.statuses)}::text[])`);
    if (filter.beforeRunId !== undefined) conditions.push(`seq < (SELECT seq FROM runs WHERE run_id = ${params.bind(filter.beforeRunId)})`);
    const where = conditions.length > 0 ? `WHERE ${conditions.join(" AND ")}` : "";
    const rows = await this.connection.query(`SELECT * FROM runs ${where} ORDER BY seq DESC LIMIT ${params.bind(filter.limit ?? 100)}`, params.values);
    return rows.map(rowToRun);
  }

  async countRuns(filter: RunCountFilter = {}): Promise<Record<RunStatus, number>> {
    const { sql, values } = runCountStatement("postgres", filter);
    return countsByStatus(await this.connection.query(sql, values));
  }

  async updateRun(runId: string, update: RunUpdate): Promise<RunRecord> {
    const assignments = runUpdateAssignments(update);
    const sets = assignments.map(([column], index) => `${column} = $${index + 2}`).join(", ");
    const [row] =
      assignments.length === 0
        ? await this.connection.query("SELECT * FROM runs WHERE run_id = $1", [runId])
        : await this.connection.query(`UPDATE runs SET ${sets} WHERE run_id = $1 RETURNING *`, [runId, ...assignments.map(([, value]) => value)]);
    if (!row) throw runNotFound(runId);
    return rowToRun(row);
  }

  async transitionRun(runId: string, from: readonly RunStatus[], to: RunStatus, update: RunUpdate = {}): Promise<boolean> {
    if (from.length === 0) return false;
    const assignments = runUpdateAssignments({ ...update, status: to });
    const sets = assignments.map(([column], index) => `${column} = $${index + 3}`).join(", ");
    // The status condition makes this a compare-and-set: of two racing transitions, one sees the
    // other's new status (READ COMMITTED re-checks the row after waiting for its lock) and changes nothing.
    // A run given back to the queue wakes the coordinators that listen, at commit.
    const notify = to === "QUEUED" ? `, (SELECT pg_notify('${queueChannel(this.connection.schema)}', '')) IS NULL AS unqueued` : "";
    const rows = await this.connection.query(`UPDATE runs SET ${sets} WHERE run_id = $1 AND status = ANY($2::text[]) RETURNING run_id${notify}`, [
      runId,
      from,
      ...assignments.map(([, value]) => value),
    ]);
    return rows.length === 1;
  }

  async findRunByKey(instigatorName: string, runKey: string): Promise<RunRecord | null> {
    const [row] = await this.connection.query("SELECT * FROM runs WHERE instigator_name = $1 AND run_key = $2", [instigatorName, runKey]);
    return row ? rowToRun(row) : null;
  }

  async claimQueuedRuns(workerId: string, limit: number, options: ClaimOptions = {}): Promise<RunRecord[]> {
    return this.claims.claim(workerId, limit, options);
  }

  async listenForQueuedRuns(onQueued: () => void, log: (message: string, error?: Error) => void): Promise<() => Promise<void>> {
    const listener = new QueuedRunListener(this.connection.url, this.connection.schema, onQueued, log);
    await listener.start();
    return () => listener.close();
  }

  async heartbeatRuns(runIds: string[], at: string): Promise<void> {
    if (runIds.length === 0) return;
    await this.connection.query("UPDATE runs SET heartbeat_at = $1 WHERE run_id = ANY($2::text[])", [at, runIds]);
  }
}
