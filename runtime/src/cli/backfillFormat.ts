/** How backfills are printed by the CLI: the JSON of `--json` and one progress line. */
import type { BackfillSummary } from "../daemon/backfills";
import type { BackfillStatus } from "../storage/port";

/** Statuses after which a backfill changes no more. */
export const FINAL_BACKFILL_STATUSES: readonly BackfillStatus[] = ["COMPLETED", "FAILED", "CANCELED"];

/** `{ "backfillId", "status", "partitions": { "done", "failed", "remaining", ... } }`. */
export function backfillJson(summary: BackfillSummary): Record<string, unknown> {
  const { backfillId, status, selection, request, policy, createdAt, error, partitions } = summary;
  return {
    backfillId,
    status,
    partitions: { done: partitions.done, failed: partitions.failed, remaining: partitions.remaining, canceled: partitions.canceled, total: partitions.total },
    selection,
    request,
    policy,
    createdAt,
    error,
  };
}

/** `bf-1a2b3c4d REQUESTED: 40/90 done, 1 failed, 49 remaining (4 running)`. */
export function backfillLine(summary: BackfillSummary): string {
  const p = summary.partitions;
  return `${summary.backfillId} ${summary.status}: ${p.done}/${p.total} done, ${p.failed} failed, ${p.remaining} remaining${p.queued > 0 ? ` (${p.queued} in runs)` : ""}${p.canceled > 0 ? `, ${p.canceled} canceled` : ""}`;
}
