/**
 * Reusable data-quality checks of the sample, built on Tributary's built-in checks. Each returns
 * check specs to spread into an asset's `checks: [...]`.
 */
import { acceptedValues, notNull, rowCountBetween, rowsSatisfy, unique, type CheckSpec } from "tributary-ts";

/** The order statuses the shop uses. */
export const ORDER_STATUSES = ["placed", "shipped", "completed", "return_pending", "returned"] as const;

/** The payment methods the shop accepts; each has an amount column in the `orders` mart. */
export const PAYMENT_METHODS = ["credit_card", "coupon", "bank_transfer", "gift_card"] as const;

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

/** Amount columns are never negative (NULL is allowed: "no payment" is not a negative amount). */
export function amountsNotNegative(columns: readonly string[], name = "amounts_not_negative"): CheckSpec<unknown> {
  return rowsSatisfy<Record<string, unknown>>(
    name,
    (row) => columns.every((column) => row[column] === null || row[column] === undefined || (row[column] as number) >= 0),
    { description: `${columns.join(", ")} >= 0` },
  );
}

/** At least one row: an empty table means the load upstream went wrong. */
export function notEmpty(): CheckSpec<unknown> {
  return rowCountBetween({ min: 1 }, { name: "not_empty", description: "at least one row" });
}

/** Sums a numeric column of rows, ignoring NULLs. */
export function columnTotal<R extends object>(rows: readonly R[], column: keyof R & string): number {
  return rows.reduce((total, row) => {
    const cell = row[column] as unknown;
    return total + (typeof cell === "number" ? cell : Number(cell ?? 0));
  }, 0);
}
