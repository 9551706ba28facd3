/**
 * Notifications of the sample. For now a notification is a structured log line in the run's event
 * log (visible in the CLI, `tributary runs show`, the editor and the web UI); webhook delivery
 * (Slack, e-mail relays) arrives with the daemon's notification settings.
 */
import type { Logger } from "tributary-ts";

/** How urgent a notification is. */
export type NotificationLevel = "info" | "warning" | "alert";

/** Sends notifications about the warehouse to a channel. */
export interface Notifier {
  notify(level: NotificationLevel, title: string, details?: Record<string, unknown>): void;
}

/**
 * A notifier that writes to the run's log, tagged so it can be found (and later forwarded).
 *
 * @example
 * ```ts
 * logNotifier(ctx.log, "#data-warehouse").notify("info", "warehouse refreshed", { customers: 100 });
 * ```
 */
export function logNotifier(log: Logger, channel = "#data-warehouse"): Notifier {
  return {
    notify(level, title, details = {}) {
      const data = { notification: true, channel, level, ...details };
      const message = `[${channel}] ${title}`;
      if (level === "alert") log.error(message, data);
      else if (level === "warning") log.warn(message, data);
      else log.info(message, data);
    },
  };
}
