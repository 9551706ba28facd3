import { TributaryError } from "../errors";

/**
 * Partitions definitions are recognized by a registered symbol, not `instanceof`, for the same
 * reason as other definitions: user code may load its own copy of the `tributary-ts` package.
 */
export const PARTITIONS_BRAND = Symbol.for("tributary.partitionsDefinition");

/** The kinds of partitions definitions, the discriminant of `PartitionsDefinition`. */
export type PartitionsKind = "time" | "static" | "dynamic";

/**
 * A partition key (or a range of them) given at run time — on the CLI, over HTTP, by a sensor —
 * is not a key of the asset's partitions. The message names the key and the definition; `hint`
 * proposes the nearest valid key when there is one.
 */
export class PartitionKeyError extends TributaryError {
  /** Bad input: the HTTP API answers 400. */
  readonly httpStatus = 400;
  /** The key that was refused. */
  readonly key: string;

  constructor(message: string, key: string, hint?: string) {
    super(message, hint === undefined ? undefined : { hint });
    this.name = "PartitionKeyError";
    this.key = key;
  }
}

/** Characters a static or dynamic key may use (they become file names and CLI arguments). */
const KEY_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_\-.:+@=]*$/;
/** Longest key accepted: keys are stored in indexed columns and used in file names. */
export const MAX_PARTITION_KEY_LENGTH = 128;

/**
 * Why a static or dynamic partition key is invalid, or undefined when it is fine.
 * Keys are 1-128 characters: letters, digits and `_ - . : + @ =`, not starting with a separator
 * (no `/`: a key becomes a file name; no `,`: key lists are comma-separated on the CLI).
 */
export function partitionKeyProblem(key: unknown): string | undefined {
  if (typeof key !== "string") return `a partition key must be a string, not ${key === null ? "null" : typeof key}`;
  if (key.length === 0) return "a partition key cannot be empty";
  if (key.length > MAX_PARTITION_KEY_LENGTH) {
    return `partition key "${key.slice(0, 20)}..." is ${key.length} characters long; the limit is ${MAX_PARTITION_KEY_LENGTH}`;
  }
  if (!KEY_PATTERN.test(key)) {
    return `partition key ${JSON.stringify(key)} has characters keys cannot use; use letters, digits and _ - . : + @ = (not first)`;
  }
  return undefined;
}

/** Same-named keys in order of first repetition. */
export function duplicates(keys: readonly string[]): string[] {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const key of keys) {
    if (seen.has(key)) repeated.add(key);
    seen.add(key);
  }
  return [...repeated];
}

/** `a, b, c and 7 more`: a short list for messages. */
export function listForMessage(items: readonly string[], max = 5): string {
  const shown = items.slice(0, max).join(", ");
  return items.length > max ? `${shown} and ${items.length - max} more` : shown;
}
