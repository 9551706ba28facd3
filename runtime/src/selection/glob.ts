/**
 * Wildcard patterns (`stg_*`, `team_*_eu`, `warehouse/*`) for key and group values. Matched by
 * scanning, not by a regular expression: a pattern with thousands of `*` would make a backtracking
 * regex overflow its stack (and the daemon answer 500), while this matcher takes time linear in the
 * pattern times the candidate at worst, and never recurses.
 */

/** The wildcard character: it matches any run of characters, `/` included (as in Dagster). */
export const WILDCARD = "*";

/** True when `value` contains a wildcard. */
export function isPattern(value: string): boolean {
  return value.includes(WILDCARD);
}

/**
 * A matcher for `pattern`: `*` matches any run of characters (including `/` and none at all);
 * every other character matches itself, case-sensitively. Without a `*` it is plain equality.
 *
 * Greedy left-to-right matching is exact for `*`-only patterns: the literal parts must appear in
 * order, the first at the start and the last at the end, and taking each middle part at its
 * earliest occurrence never rules out a match that a later occurrence would allow.
 *
 * @example
 * globMatcher("warehouse/*")("warehouse/customers") // true
 * globMatcher("*a*a*")("banana") // true
 */
export function globMatcher(pattern: string): (value: string) => boolean {
  if (!isPattern(pattern)) return (value) => value === pattern;
  const parts = pattern.split(WILDCARD);
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  // Consecutive wildcards leave empty parts; they match anywhere and need no scan.
  const middle = parts.slice(1, -1).filter((part) => part !== "");
  // Every literal character must appear once: a shorter value cannot match, whatever the order.
  const literalLength = parts.reduce((sum, part) => sum + part.length, 0);
  return (value) => {
    if (value.length < literalLength || !value.startsWith(first) || !value.endsWith(last)) return false;
    let position = first.length;
    const end = value.length - last.length;
    for (const part of middle) {
      const found = value.indexOf(part, position);
      if (found === -1 || found + part.length > end) return false;
      position = found + part.length;
    }
    return true;
  };
}
