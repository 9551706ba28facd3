/**
 * Notifications: run failure, check failure and (opt-in) run success, sent to webhooks configured
 * in tributary.yaml — a generic JSON payload or a Slack-compatible one (`{ "text": ... }`, also
 * understood by Mattermost, Rocket.Chat, Teams workflows...).
 *
 * A notifier never blocks nor fails a run: deliveries are queued in memory and retried with
 * exponential backoff in the background; a receiver that is down costs log lines, nothing else.
 * Webhook URLs hold secrets (Slack's path is the token), so logs name a webhook by its index and
 * host only, never its path, query or headers.
 *
 * ```yaml
 * notifications:
 *   webhooks:
 *     - url: ${SLACK_WEBHOOK_URL}
 *       format: slack            # or json (default)
 *       events: [run_failure, check_failure, run_success]   # default: run_failure, check_failure
 *       headers: { Authorization: "Bearer ${TOKEN}" }
 *   retries: 3                   # attempts after the first (default 3)
 *   backoffSeconds: 1            # first retry delay, doubled each time (default 1)
 *   timeoutSeconds: 5            # per request (default 5)
 * ```
 */
import { DEFAULT_NOTIFICATIONS_SECTION, type NOTIFICATION_EVENTS, type NotificationsSection } from "../loader/configSchema";
import type { Storage } from "../storage/port";
import type { CheckEvaluationData, RunRecord } from "../types";
import { createLogger, type Logger } from "./logger";

/** What a notification is about. */
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

/** One webhook. */
export interface WebhookConfig {
  url: string;
  format: "json" | "slack";
  events: NotificationEvent[];
  headers: Record<string, string>;
}

/** The `notifications:` section, checked. */
export interface NotificationSettings {
  webhooks: WebhookConfig[];
  retries: number;
  backoffMs: number;
  timeoutMs: number;
}

/** A notification, as sent in the generic JSON payload. */
export interface Notification {
  event: NotificationEvent;
  /** One line for humans (the Slack text). */
  title: string;
  runId?: string;
  status?: string;
  selection?: string;
  error?: string | null;
  details?: Record<string, unknown>;
  timestamp: string;
}

/**
 * Reads the `notifications:` section of tributary.yaml, already checked by the loader against the
 * one schema (loader/configSchema.ts): seconds become milliseconds here.
 */
export function notificationSettingsFromConfig(section: NotificationsSection = DEFAULT_NOTIFICATIONS_SECTION): NotificationSettings {
  return {
    webhooks: section.webhooks.map((hook) => ({
      url: hook.url,
      format: hook.format,
      // Messages from sensors (ctx.notify) go to every webhook.
      events: [...new Set([...hook.events, "message" as const])],
      headers: { ...hook.headers },
    })),
    retries: section.retries,
    backoffMs: section.backoffSeconds * 1000,
    timeoutMs: section.timeoutSeconds * 1000,
  };
}

/** How a webhook is named in logs: never its path, query or credentials (they are secrets). */
export function describeWebhook(hook: WebhookConfig, index: number): string {
  try {
    return `webhook #${index + 1} (${new URL(hook.url).host})`;
  } catch {
    return `webhook #${index + 1}`;
  }
}

/** Sends notifications to webhooks in the background, with retries. */
export class Notifier {
  private readonly pending = new Set<Promise<void>>();
  private closed = false;
  private readonly logger: Logger;

  constructor(
    private readonly settings: NotificationSettings,
    logger: Logger = createLogger(),
  ) {
    this.logger = logger.scope({ component: "notifications" });
  }

  /** True when at least one webhook is configured. */
  get enabled(): boolean {
    return this.settings.webhooks.length > 0;
  }

  /** Queues a notification for every webhook that wants its event; returns at once. */
  send(notification: Notification): void {
    if (this.closed) return;
    this.settings.webhooks.forEach((hook, index) => {
      if (!hook.events.includes(notification.event)) return;
      const delivery = this.deliver(hook, index, notification).finally(() => this.pending.delete(delivery));
      this.pending.add(delivery);
    });
  }

  /** Notifies about a run that ended (and its failed checks). Never throws. */
  async runEnded(run: RunRecord, storage: Storage): Promise<void> {
    if (!this.enabled) return;
    try {
      const base = { runId: run.runId, status: run.status, selection: run.selection, timestamp: new Date().toISOString() };
      if (run.status === "FAILURE") {
        this.send({ ...base, event: "run_failure", title: `Run ${run.runId} failed (${run.selection}): ${run.error ?? "see its events"}`, error: run.error });
      } else if (run.status === "SUCCESS") {
        this.send({ ...base, event: "run_success", title: `Run ${run.runId} succeeded (${run.selection})` });
      }
      if (!this.settings.webhooks.some((hook) => hook.events.includes("check_failure"))) return;
      const events = await storage.getRunEvents(run.runId);
      for (const event of events) {
        if (event.type !== "ASSET_CHECK_EVALUATION") continue;
        const data = event.data as unknown as CheckEvaluationData | undefined;
        if (!data || data.passed) continue;
        this.send({
          ...base,
          event: "check_failure",
          title: `Check ${data.checkName} on ${data.assetKey} failed (${data.severity}) in run ${run.runId}`,
          details: { assetKey: data.assetKey, checkName: data.checkName, severity: data.severity, description: data.description ?? null },
        });
      }
    } catch (error) {
      this.logger.error(`could not read run ${run.runId}: ${error instanceof Error ? error.message : String(error)}`, { runId: run.runId });
    }
  }

  /** Waits for queued deliveries (at most `timeoutMs`), then refuses new ones. */
  async close(timeoutMs = 5000): Promise<void> {
    this.closed = true;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(this.pending), new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }

  private async deliver(hook: WebhookConfig, index: number, notification: Notification): Promise<void> {
    const body = JSON.stringify(hook.format === "slack" ? slackPayload(notification) : notification);
    const attempts = this.settings.retries + 1;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      let problem: string;
      try {
        const response = await fetch(hook.url, {
          method: "POST",
          headers: { "content-type": "application/json", ...hook.headers },
          body,
          signal: AbortSignal.timeout(this.settings.timeoutMs),
        });
        await response.arrayBuffer().catch(() => undefined);
        if (response.ok) return;
        problem = `HTTP ${response.status}`;
        // 4xx other than 408/429 will not get better by retrying.
        if (response.status < 500 && response.status !== 408 && response.status !== 429) attempt = attempts;
      } catch (error) {
        // fetch errors can quote the URL: keep only the cause's code or a generic word.
        const cause = (error as { cause?: { code?: string } }).cause;
        problem = cause?.code ?? ((error as Error).name === "TimeoutError" ? "timeout" : "network error");
      }
      if (attempt >= attempts || this.closed) {
        this.logger.error(`${describeWebhook(hook, index)}: giving up on "${notification.event}" after ${attempt} attempt(s): ${problem}`, { webhook: index, event: notification.event, attempts: attempt, problem });
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, this.settings.backoffMs * 2 ** (attempt - 1)).unref());
    }
  }
}

/** The Slack-compatible payload: a `text` line plus a block with the details. */
export function slackPayload(notification: Notification): Record<string, unknown> {
  const icon = notification.event === "run_success" ? ":white_check_mark:" : notification.event === "message" ? ":information_source:" : ":rotating_light:";
  const text = `${icon} ${notification.title}`;
  const fields = [
    notification.runId ? `*Run:* ${notification.runId}` : null,
    notification.selection ? `*Selection:* \`${notification.selection}\`` : null,
    notification.error ? `*Error:* ${notification.error}` : null,
  ].filter((line): line is string => line !== null);
  return {
    text,
    blocks: [{ type: "section", text: { type: "mrkdwn", text: [text, ...fields].join("\n") } }],
  };
}
