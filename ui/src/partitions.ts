/**
 * Partition status as the lineage shows it: the compact strip under a partitioned node (one cell
 * per pixel budget, however many keys there are) and the lines of the details pane. Pure
 * functions: no DOM, so they are unit-tested in Node (test/ui/partitions.test.ts).
 */
import { squeezeStrip } from "tributary-ts/wire";
import type { LineagePartitionGroup, LineagePartitions } from "./protocol";

/** A cell of the strip: materialized, failed, or missing. */
export type PartitionCell = "M" | "F" | "-";

/**
 * Squeezes a one-letter-per-key strip into at most `cells` cells, in key order (the wire's
 * `squeezeStrip`, as the daemon squeezes a backfill's strip). A cell covering several keys shows
 * the worst of them (failed, then missing, then materialized), so one failed day among a thousand
 * still shows.
 *
 * @example stripCells("MMMMF---", 4) // ["M", "M", "F", "-"]
 */
export function stripCells(strip: string, cells: number): PartitionCell[] {
  return [...squeezeStrip(strip, cells, "F-M")] as PartitionCell[];
}

/**
 * The cells to draw for an asset's partitions: from the strip when the daemon sent one, else (more
 * than 2,000 keys) proportional runs of the three counts, so the strip still says how much is done.
 */
export function partitionCells(partitions: LineagePartitions, cells: number): PartitionCell[] {
  if (partitions.strip !== null) return stripCells(partitions.strip, cells);
  const total = partitions.total;
  if (total === 0 || cells <= 0) return [];
  const count = Math.floor(cells);
  const materialized = Math.round((partitions.materialized.count / total) * count);
  const failed = partitions.failed.count > 0 ? Math.max(1, Math.round((partitions.failed.count / total) * count)) : 0;
  const out: PartitionCell[] = [];
  for (let cell = 0; cell < count; cell++) out.push(cell < materialized ? "M" : cell < materialized + failed ? "F" : "-");
  return out;
}

/** One status line of the details pane. */
export interface PartitionStatusLine {
  status: "materialized" | "failed" | "missing";
  count: number;
  /** Ranges as text (`2018-01-01..2018-01-31`, a single key alone), at most `maxRanges`. */
  ranges: string[];
  /** Ranges left out beyond `maxRanges`. */
  moreRanges: number;
}

/**
 * The materialized / failed / missing lines of the details pane, in that order, with their first
 * ranges.
 *
 * @example partitionStatusLines(p)[0] // { status: "materialized", count: 31, ranges: ["2018-01-01..2018-01-31"], moreRanges: 0 }
 */
export function partitionStatusLines(partitions: LineagePartitions, maxRanges = 3): PartitionStatusLine[] {
  const line = (status: PartitionStatusLine["status"], group: LineagePartitionGroup): PartitionStatusLine => ({
    status,
    count: group.count,
    ranges: group.ranges.slice(0, maxRanges).map(([first, last]) => (first === last ? first : `${first}..${last}`)),
    moreRanges: Math.max(0, group.ranges.length - maxRanges),
  });
  return [line("materialized", partitions.materialized), line("failed", partitions.failed), line("missing", partitions.missing)];
}

/** A short summary for tooltips and the strip's title: `31/99 materialized, 2 failed`. */
export function partitionSummary(partitions: LineagePartitions): string {
  const failed = partitions.failed.count > 0 ? `, ${partitions.failed.count} failed` : "";
  return `${partitions.materialized.count}/${partitions.total} materialized${failed}`;
}
