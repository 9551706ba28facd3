/**
 * Partition strips: one letter per partition key, in key order, as the API sends them (an asset's
 * `strip`, a backfill's `strip`), and the one way a long strip is squeezed into fewer cells. The
 * daemon squeezes a backfill's strip before sending it and the lineage and the console squeeze an
 * asset's strip to their pixels, with the same cells, so a key falls in the same cell everywhere.
 * Pure (the UI bundles it).
 */

/** The most cells a strip of the API holds: beyond this many keys, a cell covers several. */
export const MAX_STRIP_CELLS = 2_000;

/**
 * The keys cell `cell` of `count` cells covers in a strip of `length` keys: `[from, to)` indexes.
 * Cells differ by at most one key.
 *
 * @example stripCellSpan(0, 3, 10) // [0, 3]; cell 2 is [6, 10]
 */
export function stripCellSpan(cell: number, count: number, length: number): [from: number, to: number] {
  return [Math.floor((cell * length) / count), Math.floor(((cell + 1) * length) / count)];
}

/**
 * Squeezes a one-letter-per-key strip into at most `cells` cells (one per key when they fit), in
 * key order. A cell covering several keys shows the letter of its keys that comes first in
 * `worstFirst`, so that one failed key among a thousand still shows (every letter of the strip is
 * expected in `worstFirst`; others are ignored).
 *
 * @example squeezeStrip("MMMMF---", 4, "F-M") // "MMF-"
 */
export function squeezeStrip(strip: string, cells: number, worstFirst: string): string {
  const count = Math.max(0, Math.min(Math.floor(cells), strip.length));
  if (count === strip.length) return strip;
  let out = "";
  for (let cell = 0; cell < count; cell++) {
    const [from, to] = stripCellSpan(cell, count, strip.length);
    let worst = worstFirst.length - 1;
    for (let index = from; index < to && worst > 0; index++) {
      const rank = worstFirst.indexOf(strip[index]!);
      if (rank >= 0 && rank < worst) worst = rank;
    }
    out += worstFirst[worst];
  }
  return out;
}
