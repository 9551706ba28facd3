/**
 * Tells the team when a run fails: through the webhooks of tributary.yaml's `notifications:`
 * section (Slack or any JSON receiver), and in the daemon's log.
 */
import { runFailureSensor } from "tributary-ts";

export const notifyOnFailure = runFailureSensor({ name: "notify_on_failure", minimumIntervalSeconds: 30 }, (ctx, run) => {
  const message = `[#data-warehouse] run ${run.runId} of "${run.selection}" failed: ${run.error ?? "see its events"}`;
  ctx.log.error(message);
  ctx.notify(message, { runId: run.runId, selection: run.selection, attempt: run.attempt });
});
