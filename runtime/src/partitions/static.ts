import { DefinitionError, type SourceLocation } from "../errors";
import { lazyCallerLocation, withLazyLocation } from "../location";
import { duplicates, listForMessage, PARTITIONS_BRAND, PartitionKeyError, partitionKeyProblem } from "./common";
import { arrayKeySequence, type PartitionKeySequence } from "./sequence";

/** Partitions from a fixed list of keys (regions, customers, source systems). */
export interface StaticPartitionsDefinition {
  readonly [PARTITIONS_BRAND]: true;
  /** Discriminant of `PartitionsDefinition`. */
  readonly kind: "static";
  /** The keys, in the order given. */
  readonly keyList: readonly string[];
  readonly location: SourceLocation | undefined;
  /** All keys, in the order given. */
  keys(): PartitionKeySequence;
  /** The keys from `from` to `to` (both included) in list order. @throws PartitionKeyError */
  keysBetween(from: string, to: string): PartitionKeySequence;
  contains(key: string): boolean;
  count(): number;
  /** `static partitions: eu, us`. */
  describe(): string;
}

/**
 * Defines partitions from a fixed list of keys. Keys must be unique and non-empty, made of letters,
 * digits and `_ - . : + @ =` (they become file names and CLI arguments).
 *
 * @example
 * ```ts
 * export const regionalSales = asset(
 *   { key: "regional_sales", partitions: staticPartitions(["eu", "us", "apac"]) },
 *   async (ctx) => loadSales(ctx.partitionKey),
 * );
 * ```
 */
export function staticPartitions(keys: readonly string[]): StaticPartitionsDefinition {
  const location = lazyCallerLocation(staticPartitions);
  if (!Array.isArray(keys) || keys.length === 0) {
    throw new DefinitionError("staticPartitions() takes a non-empty array of keys, e.g. staticPartitions([\"eu\", \"us\"])", {
      location,
    });
  }
  keys.forEach((key, index) => {
    const problem = partitionKeyProblem(key);
    if (problem) throw new DefinitionError(`staticPartitions(): keys[${index}]: ${problem}`, { location });
  });
  const repeated = duplicates(keys);
  if (repeated.length > 0) {
    throw new DefinitionError(`staticPartitions(): keys must be unique; repeated: ${listForMessage(repeated)}`, {
      location,
      hint: "Remove the repeated keys.",
    });
  }
  const keyList = Object.freeze([...keys]);
  const sequence = arrayKeySequence(keyList);
  const describe = () => `static partitions: ${listForMessage(keyList, 8)}`;
  const definition: Omit<StaticPartitionsDefinition, "location"> = {
    [PARTITIONS_BRAND]: true as const,
    kind: "static" as const,
    keyList,
    keys: () => sequence,
    keysBetween(from: string, to: string) {
      const fromIndex = positionOrThrow(sequence, from, describe);
      const toIndex = positionOrThrow(sequence, to, describe);
      if (fromIndex > toIndex) {
        throw new PartitionKeyError(`partition range ${from}..${to} is empty: "${from}" comes after "${to}" in the list`, from, `Swap them: --from ${to} --to ${from}.`);
      }
      return sequence.slice(fromIndex, toIndex + 1);
    },
    contains: (key: string) => sequence.indexOf(key) >= 0,
    count: () => keyList.length,
    describe,
  };
  return withLazyLocation(definition, location);
}

function positionOrThrow(sequence: PartitionKeySequence, key: string, describe: () => string): number {
  const position = sequence.indexOf(key);
  if (position < 0) {
    throw new PartitionKeyError(`"${key}" is not a key of ${describe()}`, key, "Pick one of the listed keys.");
  }
  return position;
}
