/**
 * The one seeded random generator of the tests and benches: mulberry32, tiny and deterministic, so
 * a failing fuzz case or an edit sequence reproduces from the seed it names, and every bench run
 * measures the same generated graphs.
 */

/** A generator of numbers in [0, 1) that depends only on `seed`. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
