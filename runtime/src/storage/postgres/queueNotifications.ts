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

const FIRST_RETRY_MS = 500;

/**
 * The channel of a schema's queue. Schema names are validated (lowercase letters, digits,
 * underscores), so the name can go into SQL as is.
 */
export function queueChannel(schema: string): string {
  return `tributary_queue_${schema}`;
}
const MAX_RETRY_MS = 30_000;

/** One dedicated connection (not from the pool: a pooled one would be handed to other queries). */
export class QueuedRunListener {
  private client: Client | undefined;
  private closed = false;
  private retryMs = FIRST_RETRY_MS;
  private retryTimer: NodeJS.Timeout | undefined;
  private failing = false;

  constructor(
    private readonly url: string,
    private readonly schema: string,
    private readonly onQueued: () => void,
    private readonly log: (message: string) => void,
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
    const lost = (reason: string) => {
      if (this.client !== client) return;
      this.client = undefined;
      void client.end().catch(() => undefined);
      this.retry(reason);
    };
    client.on("error", (error) => lost(error.message));
    client.on("end", () => lost("the connection ended"));
    client.on("notification", () => this.onQueued());
    try {
      await client.connect();
      await client.query(`LISTEN "${queueChannel(this.schema)}"`);
    } catch (error) {
      await client.end().catch(() => undefined);
      this.retry(error instanceof Error ? error.message : String(error));
      return;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    if (this.failing) this.log(`listening for queued runs again on ${redactConnectionString(this.url)}`);
    this.failing = false;
    this.retryMs = FIRST_RETRY_MS;
    // Runs queued while nobody listened are found by this look (and by polling).
    this.onQueued();
  }

  private retry(reason: string): void {
    if (this.closed) return;
    if (!this.failing) this.log(`not listening for queued runs (${reason}); polling only, retrying`);
    this.failing = true;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.connect(), this.retryMs);
    this.retryTimer.unref();
    this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
  }
}
