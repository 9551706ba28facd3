/**
 * "Did you mean ...?" for asset keys, groups, attribute names and anything else a user can misspell.
 * The language server reuses it, so it depends on nothing.
 */

/**
 * Edit distance between two strings counting insertions, deletions, substitutions and swaps of two
 * adjacent characters (the "optimal string alignment" form of Damerau-Levenshtein).
 * Stops early and returns `limit + 1` once the distance is known to exceed `limit`.
 *
 * @example
 * editDistance("grop", "group") // 1
 * editDistance("stg_ordres", "stg_orders") // 1 (a swap)
 */
export function editDistance(a: string, b: string, limit = Number.POSITIVE_INFINITY): number {
  if (a === b) return 0;
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  // Three rolling rows are enough for the swap rule, which looks two rows back.
  let beforePrevious = new Array<number>(b.length + 1).fill(0);
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  let current = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    let rowMinimum = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, beforePrevious[j - 2]! + 1);
      }
      current[j] = value;
      if (value < rowMinimum) rowMinimum = value;
    }
    if (rowMinimum > limit) return limit + 1;
    [beforePrevious, previous, current] = [previous, current, beforePrevious];
  }
  return previous[b.length]!;
}

/**
 * How many edits a misspelling of a name this long may have and still be suggested: short names
 * get no slack, otherwise every short word would "mean" every other.
 */
function defaultMaxDistance(name: string): number {
  if (name.length < 3) return 0;
  if (name.length < 6) return 1;
  if (name.length < 10) return 2;
  return 3;
}

/**
 * The candidate closest to `name`, for a "did you mean ...?" hint, or `undefined` when none is
 * close enough. Comparison ignores case (so `Raw_Orders` suggests `raw_orders`); an exact match
 * is not a suggestion and is skipped. Ties go to the earlier candidate.
 *
 * @param maxDistance - largest edit distance accepted.
 * @defaultValue maxDistance: 0 for names under 3 characters, 1 under 6, 2 under 10, else 3
 * @example
 * suggest("grop", ["key", "group", "tag"]) // "group"
 * suggest("zzz", ["key", "group"]) // undefined
 */
export function suggest(name: string, candidates: Iterable<string>, maxDistance = defaultMaxDistance(name)): string | undefined {
  const wanted = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    if (candidate === name) continue;
    const distance = editDistance(wanted, candidate.toLowerCase(), Math.min(maxDistance, bestDistance - 1));
    if (distance <= maxDistance && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
      if (distance === 0) break;
    }
  }
  return best;
}
