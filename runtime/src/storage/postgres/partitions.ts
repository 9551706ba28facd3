/** Partitions and backfills on PostgreSQL: dynamic partition keys, and backfills with their partitions and progress. */
import type {
  BackfillPartitionRecord,
  BackfillPartitionStatus,
  BackfillProgress,
  BackfillRecord,
  BackfillStatus,
  NewBackfill,
  PartitionStorage,
} from "../port";
import { backfillProgressFromCounts, nowIso, rowToBackfill, rowToBackfillPartition } from "../rows";
import { withTransaction, type PostgresConnection } from "./connection";

/** The {@link PartitionStorage} of a PostgresStorage. */
export class PostgresPartitions implements PartitionStorage {
  constructor(private readonly connection: PostgresConnection) {}

  async dynamicPartitionKeys(name: string): Promise<string[]> {
    const rows = await this.connection.query("SELECT partition_key FROM dynamic_partitions WHERE name = $1 ORDER BY seq", [name]);
    return rows.map((row) => String(row.partition_key));
  }

  async addDynamicPartitions(name: string, keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    // WITH ORDINALITY keeps the given order in seq.
    await this.connection.query(
      `INSERT INTO dynamic_partitions (name, partition_key, added_at)
       SELECT $1, key, $3 FROM unnest($2::text[]) WITH ORDINALITY AS given(key, n) ORDER BY n
       ON CONFLICT (name, partition_key) DO NOTHING`,
      [name, [...keys], nowIso()],
    );
  }

  async removeDynamicPartitions(name: string, keys: readonly string[]): Promise<void> {
    await this.connection.query("DELETE FROM dynamic_partitions WHERE name = $1 AND partition_key = ANY($2::text[])", [name, [...keys]]);
  }

  async createBackfill(backfill: NewBackfill): Promise<BackfillRecord> {
    const now = nowIso();
    return withTransaction(this.connection.pool, this.connection.url, async (client) => {
      const { rows } = await client.query(
        `INSERT INTO backfills (backfill_id, status, selection, request, policy, created_at, updated_at)
         VALUES ($1, 'REQUESTED', $2, $3, $4, $5, $5) RETURNING *`,
        [backfill.backfillId, backfill.selection, JSON.stringify(backfill.request), JSON.stringify(backfill.policy), now],
      );
      await client.query(
        `INSERT INTO backfill_partitions (backfill_id, partition_key, position, status)
         SELECT $1, key, n - 1, 'PENDING' FROM unnest($2::text[]) WITH ORDINALITY AS given(key, n)`,
        [backfill.backfillId, [...backfill.partitionKeys]],
      );
      return rowToBackfill(rows[0]!);
    });
  }

  async getBackfill(backfillId: string): Promise<BackfillRecord | null> {
    const [row] = await this.connection.query("SELECT * FROM backfills WHERE backfill_id = $1", [backfillId]);
    return row ? rowToBackfill(row) : null;
  }

  async listBackfills(filter: { statuses?: BackfillStatus[]; limit?: number } = {}): Promise<BackfillRecord[]> {
    if (filter.statuses?.length === 0) return [];
    const rows = filter.statuses
      ? await this.connection.query("SELECT * FROM backfills WHERE status = ANY($1::text[]) ORDER BY seq DESC LIMIT $2", [filter.statuses, filter.limit ?? 100])
      : await this.connection.query("SELECT * FROM backfills ORDER BY seq DESC LIMIT $1", [filter.limit ?? 100]);
    return rows.map(rowToBackfill);
  }

  async transitionBackfill(backfillId: string, from: BackfillStatus[], to: BackfillStatus, error?: string | null): Promise<boolean> {
    const rows = await this.connection.query(
      `UPDATE backfills SET status = $1, updated_at = $2, error = CASE WHEN $3::boolean THEN $4 ELSE error END
       WHERE backfill_id = $5 AND status = ANY($6::text[]) RETURNING backfill_id`,
      [to, nowIso(), error !== undefined, error ?? null, backfillId, from],
    );
    return rows.length === 1;
  }

  async getBackfillPartitions(
    backfillId: string,
    options: { statuses?: BackfillPartitionStatus[]; limit?: number } = {},
  ): Promise<BackfillPartitionRecord[]> {
    const rows = options.statuses
      ? await this.connection.query(
          "SELECT * FROM backfill_partitions WHERE backfill_id = $1 AND status = ANY($2::text[]) ORDER BY position LIMIT $3",
          [backfillId, options.statuses, options.limit ?? null],
        )
      : await this.connection.query("SELECT * FROM backfill_partitions WHERE backfill_id = $1 ORDER BY position LIMIT $2", [backfillId, options.limit ?? null]);
    return rows.map(rowToBackfillPartition);
  }

  async setBackfillPartitions(
    backfillId: string,
    keys: readonly string[],
    status: BackfillPartitionStatus,
    options: { runId?: string | null; bumpAttempt?: boolean } = {},
  ): Promise<void> {
    if (keys.length === 0) return;
    await this.connection.query(
      `WITH changed AS (
         UPDATE backfill_partitions SET status = $1, run_id = CASE WHEN $2::boolean THEN $3 ELSE run_id END, attempt = attempt + $4
         WHERE backfill_id = $5 AND partition_key = ANY($6::text[]) RETURNING 1
       )
       UPDATE backfills SET updated_at = $7 WHERE backfill_id = $5`,
      [status, options.runId !== undefined, options.runId ?? null, options.bumpAttempt ? 1 : 0, backfillId, [...keys], nowIso()],
    );
  }

  async getBackfillProgress(backfillId: string): Promise<BackfillProgress> {
    const rows = await this.connection.query("SELECT status, COUNT(*) AS count FROM backfill_partitions WHERE backfill_id = $1 GROUP BY status", [backfillId]);
    return backfillProgressFromCounts(rows);
  }
}
