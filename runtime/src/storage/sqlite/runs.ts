/** Runs and claims on SQLite: a run's record from QUEUED to its end, and the queue's claims (./claims). */
import type { NewRun, RunRecord, RunStatus } from "../../types";
import type { ClaimOptions, RunCountFilter, RunFilter, RunStorage, RunUpdate } from "../port";
import { runCountStatement, runFilterConditions, SqlParams } from "../filters";
import { RunConflictError, retryTaken, runNotFound } from "../errors";
import { countsByStatus, NEW_RUN_COLUMNS, newRunValues, rowToRun, runKeyOf, runUpdateAssignments, type Row } from "../rows";
import { claimOldest, claimWithinLimits } from "./claims";
import type { SqliteConnection } from "./connection";

/** The {@link RunStorage} of a SqliteStorage. */
export class SqliteRuns implements RunStorage {
  constructor(private readonly connection: SqliteConnection) {}

  async createRun(run: NewRun): Promise<RunRecord> {
    try {
      const row = this.connection.statement(`INSERT INTO runs (${NEW_RUN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`).get(
        ...newRunValues(run),
      ) as Row;
      return rowToRun(row);
    } catch (error) {
      throw runConflict(error, run);
    }
  }

  async getRun(runId: string): Promise<RunRecord | null> {
    const row = this.connection.statement("SELECT * FROM runs WHERE run_id = ?").get(runId) as Row | undefined;
    return row ? rowToRun(row) : null;
  }

  async listRuns(filter: RunFilter = {}): Promise<RunRecord[]> {
    if (filter.statuses?.length === 0) return [];
    const params = new SqlParams("sqlite");
    const conditions = runFilterConditions(params, "sqlite", filter);
    if (filter.statuses) conditions.push(params.oneOf("status", filter.statuses));
    if (filter.beforeRunId !== undefined) conditions.push(`seq < (SELECT seq FROM runs WHERE run_id = ${params.bind(filter.beforeRunId)})`);
    const where = conditions.length > 0 ? `WHERE ${conditions.join(" AND ")}` : "";
    const rows = this.connection.db.prepare(`SELECT * FROM runs ${where} ORDER BY seq DESC LIMIT ${params.bind(filter.limit ?? 100)}`).all(...params.values) as Row[];
    return rows.map(rowToRun);
  }

  async countRuns(filter: RunCountFilter = {}): Promise<Record<RunStatus, number>> {
    const { sql, values } = runCountStatement("sqlite", filter);
    return countsByStatus(this.connection.db.prepare(sql).all(...values) as Row[]);
  }

  async updateRun(runId: string, update: RunUpdate): Promise<RunRecord> {
    const assignments = runUpdateAssignments(update);
    const row =
      assignments.length === 0
        ? (this.connection.statement("SELECT * FROM runs WHERE run_id = ?").get(runId) as Row | undefined)
        : (this.connection.db
            .prepare(`UPDATE runs SET ${assignments.map(([column]) => `${column} = ?`).join(", ")} WHERE run_id = ? RETURNING *`)
            .get(...assignments.map(([, value]) => value), runId) as Row | undefined);
    if (!row) throw runNotFound(runId);
    return rowToRun(row);
  }

  async transitionRun(runId: string, from: readonly RunStatus[], to: RunStatus, update: RunUpdate = {}): Promise<boolean> {
    if (from.length === 0) return false;
    const assignments = runUpdateAssignments({ ...update, status: to });
    const result = this.connection.db
      .prepare(
        `UPDATE runs SET ${assignments.map(([column]) => `${column} = ?`).join(", ")}
         WHERE run_id = ? AND status IN (${from.map(() => "?").join(", ")})`,
      )
      .run(...assignments.map(([, value]) => value), runId, ...from);
    return result.changes === 1;
  }

  async findRunByKey(instigatorName: string, runKey: string): Promise<RunRecord | null> {
    const row = this.connection.statement("SELECT * FROM runs WHERE instigator_name = ? AND run_key = ?").get(instigatorName, runKey) as
      | Row
      | undefined;
    return row ? rowToRun(row) : null;
  }

  async claimQueuedRuns(workerId: string, limit: number, options: ClaimOptions = {}): Promise<RunRecord[]> {
    const { db, statement } = this.connection;
    if (limit > 0 && ((options.tagLimits && options.tagLimits.length > 0) || options.maxInProgress !== undefined)) {
      return claimWithinLimits(db, statement, workerId, limit, options.start ?? false, options.tagLimits ?? [], options.maxInProgress);
    }
    return claimOldest(statement, workerId, limit, options.start ?? false);
  }

  async heartbeatRuns(runIds: string[], at: string): Promise<void> {
    if (runIds.length === 0) return;
    this.connection.statement("UPDATE runs SET heartbeat_at = ? WHERE run_id IN (SELECT value FROM json_each(?))").run(
      at,
      JSON.stringify(runIds),
    );
  }
}

/** The RunConflictError for a unique key createRun broke, or the driver's error for anything else. */
function runConflict(error: unknown, run: NewRun): unknown {
  const code = (error as { code?: string }).code;
  if (code !== "SQLITE_CONSTRAINT_UNIQUE" && code !== "SQLITE_CONSTRAINT_PRIMARYKEY") return error;
  if (String((error as Error).message).includes("runs.run_id")) {
    return new RunConflictError(`A run with id ${run.runId} exists already`, "runId", error);
  }
  if (String((error as Error).message).includes("runs.parent_run_id")) return retryTaken(run, error);
  return new RunConflictError(
    `Instigator ${run.instigator?.name} already launched a run with run key "${runKeyOf(run)}"`,
    "runKey",
    error,
  );
}
