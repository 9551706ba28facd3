/**
 * Reusable data-quality checks of the sample, built on Tributary's built-in checks. Each returns
 * check specs to spread into an asset's `checks: [...]`. On the raw assets (TypeScript) they check
 * the rows the asset returned; on the SQL assets the same checks run as SQL in the warehouse.
 */
import { acceptedValues, notNull, rowCountBetween, rowsSatisfy, unique, type CheckSpec } from "tributary-ts";

/** The order statuses the shop uses. */
export const ORDER_STATUSES = ["placed", "shipped", "completed", "return_pending", "returned"] as const;

/**
 * A primary key: unique and never null. Blocking, so nothing downstream is built on duplicated or
 * missing keys.
 */
export function keyChecks(column: string): CheckSpec<unknown>[] {
  return [unique(column, { blocking: true }), notNull(column, { blocking: true })];
}

/** A foreign key column that must always be filled (not blocking: the row is still usable). */
export function requiredReference(column: string): CheckSpec<unknown> {
  return notNull(column, { description: `every row has a ${column}` });
}

/** Order status is one of {@link ORDER_STATUSES}. */
export function orderStatusAccepted(): CheckSpec<unknown> {
  return acceptedValues("status", ORDER_STATUSES);
}

/**
 * Amount columns are never negative (NULL is allowed: "no payment" is not a negative amount). A SQL
 * predicate: on a SQL asset it runs in the warehouse, and only the count of failing rows (and five
 * of them) comes back.
 */
export function amountsNotNegative(columns: readonly string[], name = "amounts_not_negative"): CheckSpec<unknown> {
  const predicate = columns.map((column) => `(${quoteIdentifier(column)} is null or ${quoteIdentifier(column)} >= 0)`).join(" and ");
  return rowsSatisfy(name, predicate, { description: `${columns.join(", ")} >= 0` });
}

/** A column name quoted for SQL. */
function quoteIdentifier(column: string): string {
  return `"${column.replace(/"/g, '""')}"`;
}

/** At least one row: an empty table means the load upstream went wrong. */
export function notEmpty(): CheckSpec<unknown> {
  return rowCountBetween({ min: 1 }, { name: "not_empty", description: "at least one row" });
}
