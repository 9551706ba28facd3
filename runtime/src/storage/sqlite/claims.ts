/** Claiming queued runs on SQLite (a single writer: a statement or an immediate transaction is enough). */
import type Database from "better-sqlite3";
import { IN_PROGRESS_RUN_STATUSES, type RunRecord } from "../../types";
import type { TagLimit } from "../port";
import { fromJson, nowIso, rowToRun, type Row } from "../rows";
import { TagLimitTally } from "../tagLimits";
import type { PrepareStatement } from "./connection";

/**
 * A claim that keeps tag limits and a global limit (ClaimOptions.tagLimits, maxInProgress). One
 * immediate transaction: SQLite's
 * single writer serializes it with every other claim. Queued runs are read oldest first, a page at
 * a time, and those that fit are claimed.
 */
export function claimWithinLimits(
  db: Database.Database,
  statement: PrepareStatement,
  workerId: string,
  wanted: number,
  start: boolean,
  limits: TagLimit[],
  maxInProgress: number | undefined,
): RunRecord[] {
  return db
    .transaction(() => {
      const tally = new TagLimitTally(limits);
      const inProgress = statement(`SELECT tags FROM runs WHERE status IN (${IN_PROGRESS_RUN_STATUSES.map(() => "?").join(", ")})`).all(...IN_PROGRESS_RUN_STATUSES) as Row[];
      const limit = maxInProgress === undefined ? wanted : Math.min(wanted, maxInProgress - inProgress.length);
      if (limit <= 0) return [];
      for (const row of inProgress) tally.add(fromJson<Record<string, string>>(row.tags, {}));
      const chosen: string[] = [];
      for (let afterSeq = 0; chosen.length < limit; ) {
        const page = statement("SELECT * FROM runs WHERE status = 'QUEUED' AND seq > ? ORDER BY seq LIMIT 200").all(afterSeq) as Row[];
        if (page.length === 0) break;
        for (const row of page) {
          const run = rowToRun(row);
          if (chosen.length < limit && tally.fits(run.tags)) {
            tally.add(run.tags);
            chosen.push(run.runId);
          }
        }
        afterSeq = Number(page[page.length - 1]!.seq);
      }
      if (chosen.length === 0) return [];
      const now = nowIso();
      const rows = statement(
        `UPDATE runs SET status = ?, started_at = ?, worker_id = ?, heartbeat_at = ?
         WHERE run_id IN (SELECT value FROM json_each(?)) RETURNING *`,
      ).all(start ? "STARTED" : "STARTING", start ? now : null, workerId, now, JSON.stringify(chosen)) as Row[];
      return rows.sort((a, b) => Number(a.seq) - Number(b.seq)).map(rowToRun);
    })
    .immediate();
}

/** Claims up to `limit` queued runs, oldest first. */
export function claimOldest(statement: PrepareStatement, workerId: string, limit: number, start: boolean): RunRecord[] {
  if (limit <= 0) return [];
  const now = nowIso();
  // One statement is atomic, and SQLite has a single writer: no two claimers can see the same run.
  const rows = statement(
    `UPDATE runs SET status = ?, started_at = ?, worker_id = ?, heartbeat_at = ?
     WHERE seq IN (SELECT seq FROM runs WHERE status = 'QUEUED' ORDER BY seq LIMIT ?)
     RETURNING *`,
  ).all(start ? "STARTED" : "STARTING", start ? now : null, workerId, now, limit) as Row[];
  return rows.sort((a, b) => Number(a.seq) - Number(b.seq)).map(rowToRun);
}
