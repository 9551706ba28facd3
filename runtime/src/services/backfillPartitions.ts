/**
 * Where each partition of a backfill is, for progress displays (`GET /api/backfills/:id/partitions`,
 * the console's backfill page): one letter per key in launch order, squeezed into at most
 * {@link MAX_STRIP_CELLS} cells, so a backfill of ten years of hourly keys answers in a few
 * kilobytes. A partition whose run exists is told apart as requested (the run waits in the queue)
 * or running, from the status of that run.
 */
import type { BackfillPartitionRecord, Storage } from "../storage/port";
import type { RunStatus } from "../types";
import type { BackfillPartitionsJson } from "../wire/responses";
import { MAX_STRIP_CELLS, squeezeStrip, stripCellSpan } from "../wire/strips";

/** The letters of a backfill's strip, the one a squeezed cell shows first: failed before canceled before running... */
export const BACKFILL_STRIP_WORST_FIRST = "FCRQPD";

const LETTER: Record<Exclude<BackfillPartitionRecord["status"], "QUEUED">, string> = { PENDING: "P", DONE: "D", FAILED: "F", CANCELED: "C" };

/**
 * Reads the partitions of backfill `backfillId` (once, with the statuses of its unfinished runs in
 * one more query) and lays them out as a strip of at most `maxCells` cells. Null when the backfill
 * does not exist.
 */
export async function backfillPartitions(storage: Storage, backfillId: string, maxCells: number = MAX_STRIP_CELLS): Promise<BackfillPartitionsJson | null> {
  if (!(await storage.getBackfill(backfillId))) return null;
  const partitions = await storage.getBackfillPartitions(backfillId);
  const runIds = [...new Set(partitions.flatMap((p) => (p.status === "QUEUED" && p.runId !== null ? [p.runId] : [])))];
  const runStatus = new Map<string, RunStatus>();
  if (runIds.length > 0) {
    for (const run of await storage.listRuns({ runIds, limit: runIds.length })) runStatus.set(run.runId, run.status);
  }
  const counts = { pending: 0, requested: 0, running: 0, done: 0, failed: 0, canceled: 0 };
  let perKey = "";
  for (const partition of partitions) {
    // A QUEUED partition's run has not started while that run is QUEUED (or, briefly, not readable).
    const letter = partition.status !== "QUEUED" ? LETTER[partition.status] : (runStatus.get(partition.runId ?? "") ?? "QUEUED") === "QUEUED" ? "Q" : "R";
    perKey += letter;
    counts[COUNT_OF[letter]!]++;
  }
  const strip = squeezeStrip(perKey, maxCells, BACKFILL_STRIP_WORST_FIRST);
  const cells: [string, string][] = [];
  for (let cell = 0; cell < strip.length; cell++) {
    const [from, to] = stripCellSpan(cell, strip.length, partitions.length);
    cells.push([partitions[from]!.partitionKey, partitions[to - 1]!.partitionKey]);
  }
  return { backfillId, total: partitions.length, counts, strip, cells };
}

const COUNT_OF: Record<string, keyof BackfillPartitionsJson["counts"]> = { P: "pending", Q: "requested", R: "running", D: "done", F: "failed", C: "canceled" };
