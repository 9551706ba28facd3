/**
 * The `sql` tag: a query written in the user's file, kept as its literal parts and interpolations
 * until a run renders it for one warehouse. An interpolated asset names that asset's table (and
 * makes it a dep, like dbt's `ref()`); a partition marker is the run's partition; anything else is a
 * bound parameter, never spliced into the text, so a value cannot change what the query does.
 */
import { kindOf } from "../definitions/brand";
import type { AssetLike } from "../definitions/checks";
import type { SourceLocation } from "../errors";
import { lazyCallerLocation } from "../location";

const SQL_TEMPLATE = Symbol.for("tributary.sqlTemplate");
const PARTITION_MARKER = Symbol.for("tributary.sqlPartitionMarker");

/** A query written with the `sql` tag. Inert: it is rendered when a run materializes its asset. */
export interface SqlTemplate {
  readonly [SQL_TEMPLATE]: true;
  /** The literal text around the interpolations (one more than `values`). */
  readonly strings: readonly string[];
  readonly values: readonly unknown[];
  /** Where the template starts in the user's file (the line of the `sql` tag). */
  readonly location: SourceLocation | undefined;
}

/** Which part of the run's partition a marker stands for. */
export type PartitionPart = "key" | "start" | "end";

/** A placeholder for the run's partition, bound as a parameter when the query runs. */
export interface PartitionMarker {
  readonly [PARTITION_MARKER]: PartitionPart;
}

function marker(part: PartitionPart): PartitionMarker {
  return Object.freeze({ [PARTITION_MARKER]: part });
}

/**
 * The run's partition inside a `sql` query, bound as parameters: `key` the partition key, `start`
 * and `end` the time window of a time-partitioned asset (end exclusive, ISO 8601).
 *
 * @example
 * ```ts
 * sqlAsset({
 *   key: "daily_revenue", partitions: dailyPartitions({ start: "2024-01-01" }), materialization: "incremental",
 *   query: sql`select day, sum(amount) as revenue from ${orders}
 *              where day >= ${sqlPartition.start} and day < ${sqlPartition.end} group by day`,
 * });
 * ```
 */
export const sqlPartition: Readonly<Record<PartitionPart, PartitionMarker>> = Object.freeze({
  key: marker("key"),
  start: marker("start"),
  end: marker("end"),
});

/**
 * Writes a query for {@link sqlAsset}. `${asset}` names the upstream asset's table and makes it a
 * dep; `${sqlPartition.start}` (`.end`, `.key`) is the run's partition; any other value is a bound
 * parameter (`$1` on PostgreSQL, `?` on the embedded warehouse), never text spliced into the query.
 *
 * @example sql`select n * 2 as d from ${rawNumbers} where n > ${threshold}`
 */
export function sql(strings: TemplateStringsArray, ...values: unknown[]): SqlTemplate {
  const location = lazyCallerLocation(sql);
  return {
    [SQL_TEMPLATE]: true,
    strings: [...strings],
    values,
    get location() {
      return location();
    },
  };
}

export function isSqlTemplate(value: unknown): value is SqlTemplate {
  return typeof value === "object" && value !== null && (value as SqlTemplate)[SQL_TEMPLATE] === true;
}

function isPartitionMarker(value: unknown): value is PartitionMarker {
  return typeof value === "object" && value !== null && PARTITION_MARKER in value;
}

/** An interpolated asset definition (from `asset()`, `sqlAsset()` or a multi-asset output). */
function assetKeyOf(value: unknown): string | undefined {
  const kind = kindOf(value);
  if (kind === "asset" || kind === "multiAsset") return (value as AssetLike).key;
  return undefined;
}

/** Keys of the assets a template reads, in order of first mention. */
export function templateDeps(template: SqlTemplate): string[] {
  const keys: string[] = [];
  for (const value of template.values) {
    const key = assetKeyOf(value);
    if (key !== undefined && !keys.includes(key)) keys.push(key);
  }
  return keys;
}

/** How many interpolations are bound parameters (not asset tables). */
export function templateParameterCount(template: SqlTemplate): number {
  return template.values.filter((value) => assetKeyOf(value) === undefined).length;
}

/** What a run knows when it renders a template. */
export interface RenderContext {
  /** The quoted, qualified table name of each upstream asset. */
  tableOf(assetKey: string): string;
  /** The placeholder of the n-th parameter (1-based) in this warehouse's dialect. */
  placeholder(index: number): string;
  partition: { key: string | null; start: string | null; end: string | null };
}

/** A query ready for one warehouse: text and its bound parameters. */
export interface RenderedQuery {
  text: string;
  params: unknown[];
}

/** Renders a template for one warehouse; line breaks are kept, so a line of `text` is a line of the template. */
export function renderTemplate(template: SqlTemplate, context: RenderContext): RenderedQuery {
  let text = template.strings[0]!;
  const params: unknown[] = [];
  template.values.forEach((value, index) => {
    const key = assetKeyOf(value);
    if (key !== undefined) text += context.tableOf(key);
    else {
      params.push(isPartitionMarker(value) ? context.partition[value[PARTITION_MARKER]] : value);
      text += context.placeholder(params.length);
    }
    text += template.strings[index + 1]!;
  });
  return { text, params };
}

/**
 * The 1-based line of the user's file a character offset of a rendered query falls on: rendering
 * keeps every line break of the template, and the template starts on the line of its `sql` tag.
 */
export function fileLineOf(template: SqlTemplate, text: string, offset: number): number | undefined {
  const start = template.location?.line;
  if (start === undefined) return undefined;
  return start + (text.slice(0, Math.max(0, offset)).match(/\n/g)?.length ?? 0);
}
