/** Declarative automation on PostgreSQL: ticks (unique per instant), evaluations, and each asset's state. */
import type { AssetKey } from "../../types";
import type { AutomationEvaluationRecord, AutomationLaunch, AutomationStorage, AutomationTickRecord, AutomationTickStatus, NewAutomationEvaluation } from "../port";
import { StorageNotFoundError } from "../errors";
import { nowIso, nowIsoAfter, rowToAutomationEvaluation, rowToAutomationTick } from "../rows";
import { withTransaction, type PostgresConnection } from "./connection";

/** The {@link AutomationStorage} of a PostgresStorage. */
export class PostgresAutomation implements AutomationStorage {
  constructor(private readonly connection: PostgresConnection) {}

  async createAutomationTick(tick: { tickTime: string; daemonId: string }): Promise<AutomationTickRecord | null> {
    const [row] = await this.connection.query(
      `INSERT INTO automation_ticks (tick_time, status, daemon_id, created_at, updated_at) VALUES ($1, 'STARTED', $2, $3, $3)
       ON CONFLICT (tick_time) DO NOTHING RETURNING *`,
      [tick.tickTime, tick.daemonId, nowIso()],
    );
    return row ? rowToAutomationTick(row) : null;
  }

  async reclaimAutomationTick(tickId: number, expectedUpdatedAt: string, daemonId: string): Promise<AutomationTickRecord | null> {
    const [row] = await this.connection.query(
      "UPDATE automation_ticks SET daemon_id = $1, updated_at = $2 WHERE tick_id = $3 AND updated_at = $4 RETURNING *",
      [daemonId, nowIsoAfter(expectedUpdatedAt), tickId, expectedUpdatedAt],
    );
    return row ? rowToAutomationTick(row) : null;
  }

  async updateAutomationTick(tickId: number, update: { status?: AutomationTickStatus; runIds?: string[]; reason?: string | null }): Promise<AutomationTickRecord> {
    const assignments: [string, unknown][] = [];
    if (update.status !== undefined) assignments.push(["status", update.status]);
    if (update.runIds !== undefined) assignments.push(["run_ids", JSON.stringify(update.runIds)]);
    if (update.reason !== undefined) assignments.push(["reason", update.reason]);
    assignments.push(["updated_at", nowIso()]);
    const sets = assignments.map(([column], index) => `${column} = $${index + 2}`).join(", ");
    const [row] = await this.connection.query(`UPDATE automation_ticks SET ${sets} WHERE tick_id = $1 RETURNING *`, [tickId, ...assignments.map(([, value]) => value)]);
    if (!row) throw new StorageNotFoundError(`no automation tick ${tickId}`);
    return rowToAutomationTick(row);
  }

  async listAutomationTicks(options: { statuses?: AutomationTickStatus[]; limit?: number } = {}): Promise<AutomationTickRecord[]> {
    const statuses = options.statuses ?? null;
    const rows = await this.connection.query(
      "SELECT * FROM automation_ticks WHERE ($1::text[] IS NULL OR status = ANY($1::text[])) ORDER BY tick_id DESC LIMIT $2",
      [statuses, options.limit ?? 100],
    );
    return rows.map(rowToAutomationTick);
  }

  async recordAutomationEvaluations(
    tickId: number,
    record: { evaluations: NewAutomationEvaluation[]; states: { assetKey: AssetKey; state: unknown }[]; launches: AutomationLaunch[] },
  ): Promise<void> {
    const { evaluations, states } = record;
    await withTransaction(this.connection.pool, this.connection.url, async (client) => {
      // One statement per table whatever the number of assets (unnest of arrays).
      if (evaluations.length > 0) {
        await client.query(
          `INSERT INTO automation_evaluations (tick_id, asset_key, evaluated_at, requested, partitions, run_key, reason, tree)
           SELECT $1, * FROM unnest($2::text[], $3::text[], $4::boolean[], $5::jsonb[], $6::text[], $7::text[], $8::jsonb[])`,
          [
            tickId,
            evaluations.map((e) => e.assetKey),
            evaluations.map((e) => e.evaluatedAt),
            evaluations.map((e) => e.requested),
            evaluations.map((e) => JSON.stringify(e.partitions)),
            evaluations.map((e) => e.runKey),
            evaluations.map((e) => e.reason),
            evaluations.map((e) => (e.tree === null ? null : JSON.stringify(e.tree))),
          ],
        );
      }
      if (states.length > 0) {
        await client.query(
          `INSERT INTO automation_asset_states (asset_key, tick_id, state)
           SELECT key, $1, state FROM unnest($2::text[], $3::jsonb[]) AS given (key, state)
           ON CONFLICT (asset_key) DO UPDATE SET tick_id = excluded.tick_id, state = excluded.state`,
          [tickId, states.map((s) => s.assetKey), states.map((s) => JSON.stringify(s.state))],
        );
      }
      const updated = await client.query("UPDATE automation_ticks SET status = 'EVALUATED', launches = $1, updated_at = $2 WHERE tick_id = $3", [
        JSON.stringify(record.launches),
        nowIso(),
        tickId,
      ]);
      if (updated.rowCount === 0) throw new StorageNotFoundError(`no automation tick ${tickId}`);
    });
  }

  async setAutomationRunIds(tickId: number, runIdsByRunKey: Record<string, string>): Promise<void> {
    const entries = Object.entries(runIdsByRunKey);
    if (entries.length === 0) return;
    await this.connection.query(
      `UPDATE automation_evaluations AS e SET run_id = given.run_id
       FROM unnest($2::text[], $3::text[]) AS given (run_key, run_id)
       WHERE e.tick_id = $1 AND e.run_key = given.run_key`,
      [tickId, entries.map(([key]) => key), entries.map(([, id]) => id)],
    );
  }

  async getAutomationStates(keys?: AssetKey[]): Promise<Map<AssetKey, unknown>> {
    const rows = await this.connection.query(
      "SELECT asset_key, state FROM automation_asset_states WHERE $1::text[] IS NULL OR asset_key = ANY($1::text[])",
      [keys ?? null],
    );
    return new Map(rows.map((row) => [String(row.asset_key), row.state as unknown]));
  }

  async listAutomationEvaluations(assetKey: AssetKey, options: { limit?: number; beforeId?: number } = {}): Promise<AutomationEvaluationRecord[]> {
    const rows = await this.connection.query(
      "SELECT * FROM automation_evaluations WHERE asset_key = $1 AND ($2::bigint IS NULL OR evaluation_id < $2) ORDER BY evaluation_id DESC LIMIT $3",
      [assetKey, options.beforeId ?? null, options.limit ?? 50],
    );
    return rows.map(rowToAutomationEvaluation);
  }

  async pruneAutomation(options: { olderThan: string; keepPerAsset: number }): Promise<number> {
    return withTransaction(this.connection.pool, this.connection.url, async (client) => {
      const deleted = await client.query(
        `DELETE FROM automation_evaluations WHERE evaluation_id IN (
           SELECT evaluation_id FROM (
             SELECT evaluation_id, evaluated_at, ROW_NUMBER() OVER (PARTITION BY asset_key ORDER BY evaluation_id DESC) AS position
             FROM automation_evaluations
           ) AS ranked WHERE evaluated_at < $1 AND position > $2
         )`,
        [options.olderThan, options.keepPerAsset],
      );
      await client.query("DELETE FROM automation_ticks WHERE tick_time < $1 AND status IN ('SUCCESS', 'SKIPPED', 'FAILURE')", [options.olderThan]);
      return deleted.rowCount ?? 0;
    });
  }
}
