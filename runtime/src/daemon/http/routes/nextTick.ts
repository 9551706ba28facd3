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
