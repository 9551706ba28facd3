/**
 * What every part of Tributary does while its database is unreachable (PostgreSQL restarting, a
 * network cut): keep what it has to write, wait, try again a little later each time, and drop
 * nothing. One test of "unreachable" and one backoff, so a worker's event writer, a coordinator's
 * run ends and a daemon's loops behave alike.
 */
import { StorageConnectionError } from "./errors";

/** True when `error` says the database could not be reached (or the connection was lost), not that a query failed. */
export function isStorageUnreachable(error: unknown): error is StorageConnectionError {
  return error instanceof StorageConnectionError;
}

/** Delays between attempts while the database is unreachable: doubling from `firstMs` up to `maxMs`. */
export interface RetryBackoff {
  firstMs: number;
  maxMs: number;
}

/**
 * The default backoff: the first retry soon (a restart takes about a second), then every 2 s at
 * most, so work resumes within 2 s of the database coming back while an outage costs a few
 * connection attempts a second across a whole deployment.
 */
export const UNREACHABLE_BACKOFF: RetryBackoff = { firstMs: 100, maxMs: 2000 };

/** How long to wait before attempt `failures + 1`, after `failures` (>= 1) failed attempts in a row. */
export function backoffDelayMs(failures: number, backoff: RetryBackoff = UNREACHABLE_BACKOFF): number {
  return Math.min(backoff.maxMs, backoff.firstMs * 2 ** Math.max(0, Math.min(failures - 1, 30)));
}

/** Resolves after `ms`. The timer keeps the process alive: work waiting to be retried must not be dropped by an exit. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
