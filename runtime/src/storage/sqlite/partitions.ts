/** Partitions and backfills on SQLite: dynamic partition keys, and backfills with their partitions and progress. */
import type Database from "better-sqlite3";
import type {
  BackfillPartitionRecord,
  BackfillPartitionStatus,
  BackfillProgress,
  BackfillRecord,
  BackfillStatus,
  NewBackfill,
  PartitionStorage,
} from "../port";
import { backfillProgressFromCounts, nowIso, rowToBackfill, rowToBackfillPartition, type Row } from "../rows";
import type { PrepareStatement, SqliteConnection } from "./connection";

/** The {@link PartitionStorage} of a SqliteStorage. */
export class SqlitePartitions implements PartitionStorage {
  private readonly db: Database.Database;
  private readonly statement: PrepareStatement;

  constructor(connection: SqliteConnection) {
    this.db = connection.db;
    this.statement = connection.statement;
  }

  async dynamicPartitionKeys(name: string): Promise<string[]> {
    const rows = this.statement("SELECT partition_key FROM dynamic_partitions WHERE name = ? ORDER BY seq").all(name) as Row[];
    return rows.map((row) => String(row.partition_key));
  }

  async addDynamicPartitions(name: string, keys: readonly string[]): Promise<void> {
    const insert = this.statement(
      `INSERT INTO dynamic_partitions (name, partition_key, seq, added_at)
       VALUES (?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM dynamic_partitions), ?)
       ON CONFLICT (name, partition_key) DO NOTHING`,
    );
    const now = nowIso();
    this.db.transaction(() => keys.forEach((key) => insert.run(name, key, now))).immediate();
  }

  async removeDynamicPartitions(name: string, keys: readonly string[]): Promise<void> {
    this.statement("DELETE FROM dynamic_partitions WHERE name = ? AND partition_key IN (SELECT value FROM json_each(?))").run(name, JSON.stringify(keys));
  }

  async createBackfill(backfill: NewBackfill): Promise<BackfillRecord> {
    const now = nowIso();
    const insertPartition = this.statement(
      "INSERT INTO backfill_partitions (backfill_id, partition_key, position, status) VALUES (?, ?, ?, 'PENDING')",
    );
    return this.db.transaction(() => {
      const row = this.statement(
        `INSERT INTO backfills (backfill_id, seq, status, selection, request, policy, created_at, updated_at)
         VALUES (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM backfills), 'REQUESTED', ?, ?, ?, ?, ?) RETURNING *`,
      ).get(backfill.backfillId, backfill.selection, JSON.stringify(backfill.request), JSON.stringify(backfill.policy), now, now) as Row;
      backfill.partitionKeys.forEach((key, position) => insertPartition.run(backfill.backfillId, key, position));
      return rowToBackfill(row);
    }).immediate();
  }

  async getBackfill(backfillId: string): Promise<BackfillRecord | null> {
    const row = this.statement("SELECT * FROM backfills WHERE backfill_id = ?").get(backfillId) as Row | undefined;
    return row ? rowToBackfill(row) : null;
  }

  async listBackfills(filter: { statuses?: BackfillStatus[]; limit?: number } = {}): Promise<BackfillRecord[]> {
    if (filter.statuses?.length === 0) return [];
    const rows = (
      filter.statuses
        ? this.statement("SELECT * FROM backfills WHERE status IN (SELECT value FROM json_each(?)) ORDER BY seq DESC LIMIT ?").all(
            JSON.stringify(filter.statuses),
            filter.limit ?? 100,
          )
        : this.statement("SELECT * FROM backfills ORDER BY seq DESC LIMIT ?").all(filter.limit ?? 100)
    ) as Row[];
    return rows.map(rowToBackfill);
  }

  async transitionBackfill(backfillId: string, from: BackfillStatus[], to: BackfillStatus, error?: string | null): Promise<boolean> {
    const result = this.statement(
      `UPDATE backfills SET status = ?, updated_at = ?, error = CASE WHEN ? THEN ? ELSE error END
       WHERE backfill_id = ? AND status IN (SELECT value FROM json_each(?))`,
    ).run(to, nowIso(), error === undefined ? 0 : 1, error ?? null, backfillId, JSON.stringify(from));
    return result.changes === 1;
  }

  async getBackfillPartitions(
    backfillId: string,
    options: { statuses?: BackfillPartitionStatus[]; limit?: number } = {},
  ): Promise<BackfillPartitionRecord[]> {
    const rows = (
      options.statuses
        ? this.statement(
            "SELECT * FROM backfill_partitions WHERE backfill_id = ? AND status IN (SELECT value FROM json_each(?)) ORDER BY position LIMIT ?",
          ).all(backfillId, JSON.stringify(options.statuses), options.limit ?? -1)
        : this.statement("SELECT * FROM backfill_partitions WHERE backfill_id = ? ORDER BY position LIMIT ?").all(backfillId, options.limit ?? -1)
    ) as Row[];
    return rows.map(rowToBackfillPartition);
  }

  async setBackfillPartitions(
    backfillId: string,
    keys: readonly string[],
    status: BackfillPartitionStatus,
    options: { runId?: string | null; bumpAttempt?: boolean } = {},
  ): Promise<void> {
    if (keys.length === 0) return;
    this.db.transaction(() => {
      this.statement(
        `UPDATE backfill_partitions SET status = ?, run_id = CASE WHEN ? THEN ? ELSE run_id END, attempt = attempt + ?
         WHERE backfill_id = ? AND partition_key IN (SELECT value FROM json_each(?))`,
      ).run(status, options.runId === undefined ? 0 : 1, options.runId ?? null, options.bumpAttempt ? 1 : 0, backfillId, JSON.stringify(keys));
      this.statement("UPDATE backfills SET updated_at = ? WHERE backfill_id = ?").run(nowIso(), backfillId);
    }).immediate();
  }

  async getBackfillProgress(backfillId: string): Promise<BackfillProgress> {
    const rows = this.statement("SELECT status, COUNT(*) AS count FROM backfill_partitions WHERE backfill_id = ? GROUP BY status").all(backfillId) as Row[];
    return backfillProgressFromCounts(rows);
  }
}
