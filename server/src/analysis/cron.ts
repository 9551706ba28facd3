/**
 * Cron diagnostics reuse the runtime's one cron engine (`tributary-ts/schedules`), so the editor
 * reports exactly what `schedule()` would throw and the daemon would accept.
 */
export { cronProblem } from "tributary-ts/schedules";
