/** Declarative automation on SQLite: ticks (unique per instant), evaluations, and each asset's state. */
import type { AssetKey } from "../../types";
import type { AutomationEvaluationRecord, AutomationLaunch, AutomationStorage, AutomationTickRecord, AutomationTickStatus, NewAutomationEvaluation } from "../port";
import { StorageNotFoundError } from "../errors";
import { nowIso, nowIsoAfter, rowToAutomationEvaluation, rowToAutomationTick, type Row } from "../rows";
import type { SqliteConnection } from "./connection";

/** The {@link AutomationStorage} of a SqliteStorage. */
export class SqliteAutomation implements AutomationStorage {
  constructor(private readonly connection: SqliteConnection) {}

  async createAutomationTick(tick: { tickTime: string; daemonId: string }): Promise<AutomationTickRecord | null> {
    const now = nowIso();
    const row = this.connection.statement(
      `INSERT INTO automation_ticks (tick_time, status, daemon_id, created_at, updated_at) VALUES (?, 'STARTED', ?, ?, ?)
       ON CONFLICT (tick_time) DO NOTHING RETURNING *`,
    ).get(tick.tickTime, tick.daemonId, now, now) as Row | undefined;
    return row ? rowToAutomationTick(row) : null;
  }

  async reclaimAutomationTick(tickId: number, expectedUpdatedAt: string, daemonId: string): Promise<AutomationTickRecord | null> {
    const row = this.connection.statement(
      "UPDATE automation_ticks SET daemon_id = ?, updated_at = ? WHERE tick_id = ? AND updated_at = ? RETURNING *",
    ).get(daemonId, nowIsoAfter(expectedUpdatedAt), tickId, expectedUpdatedAt) as Row | undefined;
    return row ? rowToAutomationTick(row) : null;
  }

  async updateAutomationTick(tickId: number, update: { status?: AutomationTickStatus; runIds?: string[]; reason?: string | null }): Promise<AutomationTickRecord> {
    const assignments: [string, unknown][] = [];
    if (update.status !== undefined) assignments.push(["status", update.status]);
    if (update.runIds !== undefined) assignments.push(["run_ids", JSON.stringify(update.runIds)]);
    if (update.reason !== undefined) assignments.push(["reason", update.reason]);
    assignments.push(["updated_at", nowIso()]);
    const row = this.connection.db
      .prepare(`UPDATE automation_ticks SET ${assignments.map(([column]) => `${column} = ?`).join(", ")} WHERE tick_id = ? RETURNING *`)
      .get(...assignments.map(([, value]) => value), tickId) as Row | undefined;
    if (!row) throw new StorageNotFoundError(`no automation tick ${tickId}`);
    return rowToAutomationTick(row);
  }

  async listAutomationTicks(options: { statuses?: AutomationTickStatus[]; limit?: number } = {}): Promise<AutomationTickRecord[]> {
    const statuses = options.statuses ?? [];
    const where = statuses.length > 0 ? `WHERE status IN (${statuses.map(() => "?").join(", ")})` : "";
    const rows = this.connection.db
      .prepare(`SELECT * FROM automation_ticks ${where} ORDER BY tick_id DESC LIMIT ?`)
      .all(...statuses, options.limit ?? 100) as Row[];
    return rows.map(rowToAutomationTick);
  }

  async recordAutomationEvaluations(
    tickId: number,
    record: { evaluations: NewAutomationEvaluation[]; states: { assetKey: AssetKey; state: unknown }[]; launches: AutomationLaunch[] },
  ): Promise<void> {
    const insert = this.connection.statement(
      `INSERT INTO automation_evaluations (tick_id, asset_key, evaluated_at, requested, partitions, run_key, reason, tree)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const upsert = this.connection.statement(
      `INSERT INTO automation_asset_states (asset_key, tick_id, state) VALUES (?, ?, ?)
       ON CONFLICT (asset_key) DO UPDATE SET tick_id = excluded.tick_id, state = excluded.state`,
    );
    const tick = this.connection.statement("UPDATE automation_ticks SET status = 'EVALUATED', launches = ?, updated_at = ? WHERE tick_id = ?");
    this.connection.db
      .transaction(() => {
        for (const evaluation of record.evaluations) {
          insert.run(
            tickId,
            evaluation.assetKey,
            evaluation.evaluatedAt,
            evaluation.requested ? 1 : 0,
            JSON.stringify(evaluation.partitions),
            evaluation.runKey,
            evaluation.reason,
            evaluation.tree === null ? null : JSON.stringify(evaluation.tree),
          );
        }
        for (const { assetKey, state } of record.states) upsert.run(assetKey, tickId, JSON.stringify(state));
        const changed = tick.run(JSON.stringify(record.launches), nowIso(), tickId);
        if (changed.changes === 0) throw new StorageNotFoundError(`no automation tick ${tickId}`);
      })
      .immediate();
  }

  async setAutomationRunIds(tickId: number, runIdsByRunKey: Record<string, string>): Promise<void> {
    const update = this.connection.statement("UPDATE automation_evaluations SET run_id = ? WHERE tick_id = ? AND run_key = ?");
    this.connection.db.transaction(() => {
      for (const [runKey, runId] of Object.entries(runIdsByRunKey)) update.run(runId, tickId, runKey);
    })();
  }

  async getAutomationStates(keys?: AssetKey[]): Promise<Map<AssetKey, unknown>> {
    const rows = keys
      ? (this.connection.db
          .prepare(`SELECT asset_key, state FROM automation_asset_states WHERE asset_key IN (SELECT value FROM json_each(?))`)
          .all(JSON.stringify(keys)) as Row[])
      : (this.connection.statement("SELECT asset_key, state FROM automation_asset_states").all() as Row[]);
    return new Map(rows.map((row) => [String(row.asset_key), JSON.parse(String(row.state)) as unknown]));
  }

  async listAutomationEvaluations(assetKey: AssetKey, options: { limit?: number; beforeId?: number } = {}): Promise<AutomationEvaluationRecord[]> {
    const rows = this.connection.statement(
      "SELECT * FROM automation_evaluations WHERE asset_key = ? AND evaluation_id < ? ORDER BY evaluation_id DESC LIMIT ?",
    ).all(assetKey, options.beforeId ?? Number.MAX_SAFE_INTEGER, options.limit ?? 50) as Row[];
    return rows.map(rowToAutomationEvaluation);
  }

  async pruneAutomation(options: { olderThan: string; keepPerAsset: number }): Promise<number> {
    return this.connection.db
      .transaction(() => {
        const deleted = this.connection.statement(
          `DELETE FROM automation_evaluations WHERE evaluation_id IN (
             SELECT evaluation_id FROM (
               SELECT evaluation_id, evaluated_at, ROW_NUMBER() OVER (PARTITION BY asset_key ORDER BY evaluation_id DESC) AS position
               FROM automation_evaluations
             ) WHERE evaluated_at < ? AND position > ?
           )`,
        ).run(options.olderThan, options.keepPerAsset).changes;
        this.connection.statement("DELETE FROM automation_ticks WHERE tick_time < ? AND status IN ('SUCCESS', 'SKIPPED', 'FAILURE')").run(options.olderThan);
        return deleted;
      })
      .immediate();
  }
}
