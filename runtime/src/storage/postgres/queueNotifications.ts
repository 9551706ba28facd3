/**
 * LISTEN for runs becoming QUEUED (createRun and transitionRun notify `tributary_queue_<schema>` in the
 * statement that queues the run, so at its commit), so a coordinator in any process claims a new run
 * within milliseconds instead of at its next poll. Statements, not a trigger: a row trigger's WHEN
 * clause is re-read and compiled by every statement that updates runs, which cost the run queue a
 * measurable share of the server's time.
 *
 * A notification is only a hint to look now: polling stays the guarantee. So a lost connection
 * costs latency, not runs; the listener reconnects with backoff and says so once.
 */
import { Client } from "pg";
import { redactConnectionString } from "../../redact";
import { backoffDelayMs, type RetryBackoff } from "../unreachable";
import { connectionError, isConnectionError } from "./connection";

/** Slower than the storage's own retries: polling covers the time without notifications. */
const LISTEN_RETRY_BACKOFF: RetryBackoff = { firstMs: 500, maxMs: 30_000 };

/**
 * The channel of a schema's queue. Schema names are validated (lowercase letters, digits,
 * underscores), so the name can go into SQL as is.
 */
export function queueChannel(schema: string): string {
  return `tributary_queue_${schema}`;
}

/** One dedicated connection (not from the pool: a pooled one would be handed to other queries). */
export class QueuedRunListener {
  private client: Client | undefined;
  private closed = false;
  /** Attempts to listen again that failed in a row. */
  private failures = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private failing = false;

  constructor(
    private readonly url: string,
    private readonly schema: string,
    private readonly onQueued: () => void,
    private readonly log: (message: string, error?: Error) => void,
  ) {}


  /** Connects and listens; resolves once listening (or once the first attempt failed: it retries on its own). */
  async start(): Promise<void> {
    await this.connect();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = new Client({ connectionString: this.url, connectionTimeoutMillis: 10_000 });
    // An error or end on a listening connection: drop it and listen again on a new one.
    const lost = (error: Error) => {
      if (this.client !== client) return;
      this.client = undefined;
      void client.end().catch(() => undefined);
      this.retry(error);
    };
    client.on("error", (error) => lost(error));
    client.on("end", () => lost(new Error("Connection terminated: the listening connection ended")));
    client.on("notification", () => this.onQueued());
    try {
      await client.connect();
      await client.query(`LISTEN "${queueChannel(this.schema)}"`);
    } catch (error) {
      await client.end().catch(() => undefined);
      this.retry(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    if (this.failing) this.log(`listening for queued runs again on ${redactConnectionString(this.url)}`);
    this.failing = false;
    this.failures = 0;
    // Runs queued while nobody listened are found by this look (and by polling).
    this.onQueued();
  }

  private retry(cause: Error): void {
    if (this.closed) return;
    const error = isConnectionError(cause) ? connectionError(this.url, cause) : cause;
    if (!this.failing) this.log(`not listening for queued runs (${cause.message}); polling only, retrying`, error);
    this.failing = true;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.connect(), backoffDelayMs(++this.failures, LISTEN_RETRY_BACKOFF));
    this.retryTimer.unref();
  }
}
