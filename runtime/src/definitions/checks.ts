import { DefinitionError, type SourceLocation } from "../errors";
import type { CheckSeverity } from "../types";
import { DEFINITION_KIND, kindOf } from "./brand";
import type { Logger } from "./context";
import { callerLocation } from "../location";

/** What a check function returns: a verdict with optional metadata. `true`/`false` are shorthands. */
export type CheckOutcome =
  | boolean
  | { passed: boolean; description?: string; metadata?: Record<string, unknown> };

/** What a check function receives. */
export interface CheckContext<V = unknown> {
  /** The asset's value, as just materialized (or loaded from its I/O manager). */
  readonly value: V;
  readonly assetKey: string;
  readonly runId: string;
  readonly log: Logger;
  readonly resources: Record<string, unknown>;
}

/** Options shared by every check. */
export interface CheckOptions {
  /**
   * How bad a failure is. A failed check never un-materializes its asset: WARN records a warning;
   * ERROR records an error and, when `blocking`, stops the steps downstream.
   * @defaultValue "ERROR"
   */
  severity?: CheckSeverity;
  /**
   * When true, an ERROR failure stops the steps downstream of the asset (they are skipped).
   * @defaultValue false
   */
  blocking?: boolean;
  description?: string;
}

/** A check attached to an asset's spec (`checks: [...]`); the asset is implied. */
export interface CheckSpec<V = unknown> extends Required<Pick<CheckOptions, "severity" | "blocking">> {
  readonly name: string;
  readonly description: string | undefined;
  readonly evaluate: (ctx: CheckContext<V>) => CheckOutcome | Promise<CheckOutcome>;
}

/** A stand-alone check, registered in `definitions({ checks })`. */
export interface AssetCheckDefinition<V = unknown> extends CheckSpec<V> {
  readonly [DEFINITION_KIND]: "assetCheck";
  /** Key of the asset the check evaluates. */
  readonly assetKey: string;
  readonly location: SourceLocation | undefined;
}

/** Anything that names an asset: its key, or its definition. */
export interface AssetLike<K extends string = string, V = unknown, S extends string = string> {
  readonly key: K;
  /** Phantom field carrying the value type; never set at run time. */
  readonly __value?: V;
  /** Phantom field carrying what the types know of its partitions (a `PartitionsShape`); never set. */
  readonly __partitions?: S;
}

/**
 * Defines a data-quality check on an asset, evaluated after each materialization of it.
 *
 * @example
 * ```ts
 * export const ordersHavePayments = assetCheck(
 *   { name: "orders_have_payments", asset: orders, blocking: true },
 *   ({ value }) => value.every((o) => o.amount !== null),
 * );
 * ```
 */
export function assetCheck<V>(
  spec: CheckOptions & { name: string; asset: AssetLike<string, V> | string },
  evaluate: (ctx: CheckContext<V>) => CheckOutcome | Promise<CheckOutcome>,
): AssetCheckDefinition<V> {
  const location = callerLocation();
  if (spec === null || typeof spec !== "object") {
    throw new DefinitionError("assetCheck() takes a spec object first: assetCheck({ name, asset }, fn)", { location });
  }
  validateCheckName(spec.name, location);
  const assetKey = typeof spec.asset === "string" ? spec.asset : spec.asset?.key;
  if (typeof assetKey !== "string" || assetKey.length === 0) {
    throw new DefinitionError(`assetCheck "${spec.name}": "asset" must be an asset definition or an asset key string`, {
      location,
      hint: 'Pass the asset itself (asset: orders) or its key (asset: "orders").',
    });
  }
  if (typeof evaluate !== "function") {
    throw new DefinitionError(`assetCheck "${spec.name}": the second argument must be the check function`, { location });
  }
  return {
    [DEFINITION_KIND]: "assetCheck",
    name: spec.name,
    assetKey,
    description: spec.description,
    severity: normalizeSeverity(spec.severity, spec.name, location),
    blocking: spec.blocking ?? false,
    evaluate,
    location,
  };
}

export function isAssetCheck(value: unknown): value is AssetCheckDefinition {
  return kindOf(value) === "assetCheck";
}

/** Builds a {@link CheckSpec} for the built-in checks and for `checks: [...]` entries. */
export function checkSpec<V>(
  name: string,
  options: CheckOptions | undefined,
  evaluate: (ctx: CheckContext<V>) => CheckOutcome | Promise<CheckOutcome>,
  defaultDescription?: string,
): CheckSpec<V> {
  validateCheckName(name, undefined);
  return {
    name,
    description: options?.description ?? defaultDescription,
    severity: normalizeSeverity(options?.severity, name, undefined),
    blocking: options?.blocking ?? false,
    evaluate,
  };
}

/** Normalizes what a check function returned into a verdict. */
export function normalizeOutcome(outcome: CheckOutcome): {
  passed: boolean;
  description?: string;
  metadata: Record<string, unknown>;
} {
  if (typeof outcome === "boolean") return { passed: outcome, metadata: {} };
  if (outcome && typeof outcome === "object" && typeof outcome.passed === "boolean") {
    const normalized: { passed: boolean; description?: string; metadata: Record<string, unknown> } = {
      passed: outcome.passed,
      metadata: outcome.metadata ?? {},
    };
    if (outcome.description !== undefined) normalized.description = outcome.description;
    return normalized;
  }
  throw new TypeError(
    `a check must return true/false or { passed: boolean, metadata? }, but it returned ${JSON.stringify(outcome)}`,
  );
}

function validateCheckName(name: unknown, location: SourceLocation | undefined): asserts name is string {
  if (typeof name !== "string" || !/^[A-Za-z_][A-Za-z0-9_\-.]*$/.test(name)) {
    throw new DefinitionError(`check name ${JSON.stringify(name)} is invalid`, {
      location,
      hint: "Use letters, digits, _ - and . (for example: orders_have_payments).",
    });
  }
}

function normalizeSeverity(
  severity: unknown,
  name: string,
  location: SourceLocation | undefined,
): CheckSeverity {
  if (severity === undefined) return "ERROR";
  if (severity === "WARN" || severity === "ERROR") return severity;
  throw new DefinitionError(`check "${name}": severity must be "WARN" or "ERROR", not ${JSON.stringify(severity)}`, {
    location,
  });
}
