/** The next tick of a running schedule, with the scheduler's own cron arithmetic (DST-correct). */
import { parseCron } from "../../../schedules";

/** ISO instant of the next tick after now, or undefined when the cron never fires or is invalid. */
export function nextTickOf(expression: string, timezone: string, nowMs = Date.now()): string | undefined {
  try {
    const next = parseCron(expression, timezone).nextAfter(nowMs);
    return next === null ? undefined : new Date(next).toISOString();
  } catch {
    return undefined; // an invalid cron is reported by the loader and the language server, not here
  }
}

/** ISO instants of the next `count` ticks after now (fewer when the cron stops firing; none when invalid). */
export function nextTicksOf(expression: string, timezone: string, count: number, nowMs = Date.now()): string[] {
  const ticks: string[] = [];
  try {
    const cron = parseCron(expression, timezone);
    let after = nowMs;
    while (ticks.length < count) {
      const next = cron.nextAfter(after);
      if (next === null) break;
      ticks.push(new Date(next).toISOString());
      after = next;
    }
  } catch {
    // an invalid cron is reported by the loader and the language server, not here
  }
  return ticks;
}
