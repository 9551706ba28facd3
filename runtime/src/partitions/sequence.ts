/**
 * An ordered, read-only list of partition keys computed on demand. Ten years of hourly keys are
 * 87,600 strings; the CLI, the status strip and backfills usually need a count, a slice or one
 * position, so keys are only made when read.
 *
 * @example
 * ```ts
 * const keys = daily.keys(new Date("2024-03-01T00:00:00Z"));
 * keys.length;          // 60
 * keys.at(-1);          // "2024-02-29"
 * [...keys.slice(0, 3)] // ["2024-01-01", "2024-01-02", "2024-01-03"]
 * ```
 */
export interface PartitionKeySequence extends Iterable<string> {
  /** Number of keys. */
  readonly length: number;
  /** The key at a position; negative positions count from the end. Undefined when out of range. */
  at(position: number): string | undefined;
  /** Position of a key, or -1. */
  indexOf(key: string): number;
  /** The keys from `start` (inclusive) to `end` (exclusive), like Array#slice. */
  slice(start?: number, end?: number): PartitionKeySequence;
  /** All keys in an array (materializes them: mind the length first). */
  toArray(): string[];
}

/**
 * A sequence of `length` keys where `keyAt(i)` makes the i-th key and `positionOf(key)` finds a
 * key's position (or -1) without scanning.
 */
export function indexedKeySequence(
  length: number,
  keyAt: (position: number) => string,
  positionOf: (key: string) => number,
): PartitionKeySequence {
  const size = Math.max(0, length);
  return {
    length: size,
    at(position) {
      const resolved = position < 0 ? size + position : position;
      if (!Number.isInteger(resolved) || resolved < 0 || resolved >= size) return undefined;
      return keyAt(resolved);
    },
    indexOf(key) {
      const position = positionOf(key);
      return position >= 0 && position < size ? position : -1;
    },
    slice(start = 0, end = size) {
      const from = clampSliceBound(start, size);
      const to = Math.max(from, clampSliceBound(end, size));
      return indexedKeySequence(
        to - from,
        (position) => keyAt(from + position),
        (key) => {
          const position = positionOf(key);
          return position >= from && position < to ? position - from : -1;
        },
      );
    },
    toArray() {
      const keys = new Array<string>(size);
      for (let position = 0; position < size; position++) keys[position] = keyAt(position);
      return keys;
    },
    *[Symbol.iterator]() {
      for (let position = 0; position < size; position++) yield keyAt(position);
    },
  };
}

/** A sequence over keys already in memory (static and dynamic partitions). */
export function arrayKeySequence(keys: readonly string[]): PartitionKeySequence {
  const positions = new Map<string, number>();
  keys.forEach((key, position) => positions.set(key, position));
  return indexedKeySequence(
    keys.length,
    (position) => keys[position]!,
    (key) => positions.get(key) ?? -1,
  );
}

function clampSliceBound(bound: number, size: number): number {
  const value = Math.trunc(bound);
  if (value < 0) return Math.max(0, size + value);
  return Math.min(value, size);
}
