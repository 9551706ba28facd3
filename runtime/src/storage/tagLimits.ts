/**
 * Tag concurrency limits at claim time, shared by both storages. A claim keeps a run only if every
 * limit that applies to it has room, counting the runs in progress and the runs claimed before it
 * in the same claim. The storages do this under a lock that serializes limited claims, so two
 * processes claiming at once cannot exceed a limit together.
 */
import type { TagLimit } from "./port";

/** Counts runs per limited tag value. */
export class TagLimitTally {
  private readonly counts = new Map<string, number>();

  constructor(private readonly limits: TagLimit[]) {}

  /** True when a run with these tags keeps every limit. */
  fits(tags: Record<string, string>): boolean {
    return this.limits.every((limit, index) => {
      const value = limitedValue(limit, tags);
      return value === undefined || (this.counts.get(`${index}\u0000${value}`) ?? 0) < limit.limit;
    });
  }

  /** Counts a run with these tags (in progress, or just claimed). */
  add(tags: Record<string, string>): void {
    this.limits.forEach((limit, index) => {
      const value = limitedValue(limit, tags);
      if (value !== undefined) this.counts.set(`${index}\u0000${value}`, (this.counts.get(`${index}\u0000${value}`) ?? 0) + 1);
    });
  }
}

/** The tag value a limit counts a run under, or undefined when the limit does not apply to it. */
function limitedValue(limit: TagLimit, tags: Record<string, string>): string | undefined {
  const value = tags[limit.key];
  if (value === undefined || (limit.value !== undefined && limit.value !== value)) return undefined;
  return value;
}
