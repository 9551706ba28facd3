/**
 * Claiming queued runs on PostgreSQL: `FOR UPDATE SKIP LOCKED` from this process's frontier (see
 * ClaimFrontier), and claims that keep tag concurrency limits.
 */
import { IN_PROGRESS_RUN_STATUSES, type RunRecord } from "../../types";
import type { ClaimOptions, TagLimit } from "../port";
import { fromJson, nowIso, rowToRun, type Row } from "../rows";
import { TagLimitTally } from "../tagLimits";
import { ClaimFrontier } from "./claimFrontier";
import { withTransaction, type PostgresConnection } from "./connection";

/** The claims of one storage (one process's pool): they share its frontier. */
export class PostgresClaims {
  /** Where this process's claims start looking (also used by Storage.endRunsAndClaim). */
  readonly frontier = new ClaimFrontier();

  constructor(private readonly connection: PostgresConnection) {}

  /** Storage.claimQueuedRuns. */
  async claim(workerId: string, limit: number, options: ClaimOptions = {}): Promise<RunRecord[]> {
    if (limit <= 0) return [];
    if ((options.tagLimits && options.tagLimits.length > 0) || options.maxInProgress !== undefined) {
      return this.claimWithinLimits(workerId, limit, options.start ?? false, options.tagLimits ?? [], options.maxInProgress);
    }
    const after = this.frontier.lookAfter();
    const rows = await this.claimAfter(workerId, limit, after, options.start ?? false);
    if (after > 0 && rows.length < limit) {
      // Too few past the frontier: look at the whole queue for the rest now.
      rows.push(...(await this.claimAfter(workerId, limit - rows.length, this.frontier.lookAfter(), options.start ?? false)));
    }
    return rows.sort((a, b) => Number(a.seq) - Number(b.seq)).map(rowToRun);
  }

  /**
   * A claim that keeps tag limits and a global limit (ClaimOptions.tagLimits, maxInProgress): in one
   * transaction behind a lock that
   * serializes such claims (READ COMMITTED: each statement after it sees every claim committed before
   * it), runs whose tag is at its limit are passed over in SQL, and the batch is checked against
   * itself. Looks at the whole queue: the runs held back are the oldest.
   */
  private async claimWithinLimits(workerId: string, wanted: number, start: boolean, limits: TagLimit[], maxInProgress: number | undefined): Promise<RunRecord[]> {
    return withTransaction(this.connection.pool, this.connection.url, async (client) => {
      const run = async (sql: string, values: unknown[]) => (await client.query({ name: this.connection.statements.nameOf(sql), text: sql, values })).rows;
      await run(`SELECT pg_advisory_xact_lock(${0x7474}, 0)`, []);
      const statuses = [...IN_PROGRESS_RUN_STATUSES];
      let limit = wanted;
      if (maxInProgress !== undefined) {
        const [counted] = await run("SELECT count(*) AS n FROM runs WHERE status = ANY($1::text[])", [statuses]);
        limit = Math.min(wanted, maxInProgress - Number(counted?.n ?? 0));
        if (limit <= 0) return [];
      }
      const now = nowIso();
      const rows = await run(
        `UPDATE runs SET status = $4, started_at = $5, worker_id = $1, heartbeat_at = $2
         WHERE run_id IN (
           SELECT run_id FROM runs WHERE status = 'QUEUED' AND NOT EXISTS (
             SELECT 1 FROM unnest($6::text[], $7::text[], $8::int[]) AS lim(key, value, max)
             WHERE runs.tags ? lim.key AND (lim.value IS NULL OR runs.tags->>lim.key = lim.value)
               AND (SELECT count(*) FROM runs active
                    WHERE active.status = ANY($9::text[]) AND active.tags->>lim.key = runs.tags->>lim.key) >= lim.max)
           ORDER BY seq LIMIT $3 FOR UPDATE SKIP LOCKED
         )
         RETURNING *`,
        [workerId, now, limit, start ? "STARTED" : "STARTING", start ? now : null, limits.map((l) => l.key), limits.map((l) => l.value ?? null), limits.map((l) => l.limit), statuses],
      );
      if (rows.length === 0) return [];
      const claimed = rows.sort((a, b) => Number(a.seq) - Number(b.seq)).map(rowToRun);
      const tally = new TagLimitTally(limits);
      const others = await run("SELECT tags FROM runs WHERE status = ANY($1::text[]) AND NOT (run_id = ANY($2::text[]))", [statuses, claimed.map((r) => r.runId)]);
      for (const other of others) tally.add(fromJson<Record<string, string>>(other.tags, {}));
      const kept: RunRecord[] = [];
      const givenBack: string[] = [];
      for (const candidate of claimed) {
        if (tally.fits(candidate.tags)) {
          tally.add(candidate.tags);
          kept.push(candidate);
        } else {
          givenBack.push(candidate.runId);
        }
      }
      // Runs claimed together with the same tag: the later ones go back, in place, without waking anyone.
      if (givenBack.length > 0) {
        await run("UPDATE runs SET status = 'QUEUED', worker_id = NULL, heartbeat_at = NULL, started_at = NULL WHERE run_id = ANY($1::text[])", [givenBack]);
      }
      return kept;
    });
  }

  private async claimAfter(workerId: string, limit: number, after: number, start: boolean): Promise<Row[]> {
    const now = nowIso();
    // SKIP LOCKED: concurrent claimers each take different queued runs instead of queueing behind
    // one another's row locks (and never both take the same one).
    const rows = await this.connection.query(
      `UPDATE runs SET status = $4, started_at = $5, worker_id = $1, heartbeat_at = $2
       WHERE run_id IN (
         SELECT run_id FROM runs WHERE status = 'QUEUED' AND seq > $6 ORDER BY seq LIMIT $3 FOR UPDATE SKIP LOCKED
       )
       RETURNING *`,
      [workerId, now, limit, start ? "STARTED" : "STARTING", start ? now : null, after],
    );
    this.frontier.claimed(after, rows.map((row) => Number(row.seq)), limit);
    return rows;
  }
}
