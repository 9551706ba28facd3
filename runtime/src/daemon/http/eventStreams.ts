/**
 * Live event feeds for server-sent events. Many clients may watch the same run (or all runs): each
 * run has ONE poller, and all runs share ONE global poller, whatever the number of clients, so
 * streams do not each hammer the database. Pollers read by event id (`getRunEvents` with `afterId`),
 * every `pollMs`, and at once when the daemon says something changed (one of `STATE_CHANGE_EVENTS` on `services.events`).
 *
 * Each feed works through one queue of tasks (polls, and the catch-up of a joining client), so a
 * client that joins with `Last-Event-ID` gets exactly the events it missed, then the live ones,
 * with no duplicate and no gap.
 */
import type { Storage } from "../../storage/port";
import type { StorageOutages } from "../storageWatch";
import { FINAL_RUN_STATUSES, UNFINISHED_RUN_STATUSES, type StoredRunEvent } from "../../types";
import { FINAL_RUN_EVENTS } from "./runSteps";

/** A client of a feed (one SSE connection). */
export interface FeedSubscriber {
  /** Delivers events in id order (per run). */
  send(events: StoredRunEvent[]): void;
  /** The run ended (run feeds only): called once, after its final event was sent. */
  end(): void;
}

/** Options of {@link EventStreams}. */
export interface EventStreamsOptions {
  /** Poll interval when nothing wakes the feeds. @defaultValue 500 */
  pollMs?: number;
  /** Logs a storage failure while polling (the feed keeps trying). */
  log?: (message: string) => void;
  /** The daemon's storage outages: an unreachable database is logged once there, not by each feed. */
  outages?: StorageOutages;
}

/** Where a feed reports polling failures. */
interface FeedReport {
  log: (message: string) => void;
  outages?: StorageOutages;
}

const PAGE = 1000;

/** A feed: subscribers, a task queue, a wake-up timer. */
abstract class Feed {
  protected readonly subscribers = new Set<FeedSubscriber>();
  private chain: Promise<void> = Promise.resolve();
  private pollQueued = false;
  private readonly interval: NodeJS.Timeout;
  private wakeTimer: NodeJS.Timeout | undefined;
  private failing = false;
  /** The failure in progress is a database outage, which the daemon logs (start and end). */
  private failingInOutage = false;

  constructor(protected readonly storage: Storage, pollMs: number, private readonly report: FeedReport, private readonly onIdle: () => void) {
    this.interval = setInterval(() => this.wake(), pollMs);
    this.interval.unref();
  }

  /** Adds a subscriber after sending it what it missed (see {@link catchUp}). */
  join(subscriber: FeedSubscriber, afterId: number | undefined): void {
    this.enqueue(async () => {
      await this.catchUp(subscriber, afterId);
      this.subscribers.add(subscriber);
      this.afterJoin(subscriber);
    });
    this.wake();
  }

  /** Removes a subscriber; the feed stops when none is left. */
  leave(subscriber: FeedSubscriber): void {
    this.subscribers.delete(subscriber);
    if (this.subscribers.size === 0) this.enqueue(async () => {
      if (this.subscribers.size === 0) this.stop();
    });
  }

  /** Polls soon (coalescing wake-ups that come in bursts). */
  wake(): void {
    if (this.wakeTimer || this.pollQueued) return;
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = undefined;
      if (this.pollQueued) return;
      this.pollQueued = true;
      this.enqueue(async () => {
        this.pollQueued = false;
        if (this.subscribers.size > 0) await this.poll();
      });
    }, 5);
  }

  /** Ends the feed: stops its timers and forgets it. */
  stop(): void {
    clearInterval(this.interval);
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.subscribers.clear();
    this.onIdle();
  }

  protected abstract poll(): Promise<void>;
  protected abstract catchUp(subscriber: FeedSubscriber, afterId: number | undefined): Promise<void>;
  protected afterJoin(_subscriber: FeedSubscriber): void {}

  protected deliver(events: StoredRunEvent[]): void {
    if (events.length === 0) return;
    for (const subscriber of this.subscribers) subscriber.send(events);
  }

  private enqueue(task: () => Promise<void>): void {
    this.chain = this.chain.then(task).then(
      () => {
        if (this.failing && !this.failingInOutage) this.report.log("event stream: storage answers again");
        this.failing = false;
      },
      (error: unknown) => {
        // Keep streams open across a storage hiccup; say so once, not at every poll.
        if (!this.failing) {
          this.failingInOutage = this.report.outages?.absorb(error) ?? false;
          if (!this.failingInOutage) this.report.log(`event stream: reading events failed (will retry): ${(error as Error)?.message ?? String(error)}`);
        }
        this.failing = true;
      },
    );
  }
}

/** Events of one run, ending after the run's final event. */
class RunFeed extends Feed {
  private cursor: number | undefined;
  private complete = false;
  private finalStatusSince: number | undefined;
  private lastStatusCheck = 0;

  constructor(private readonly runId: string, storage: Storage, pollMs: number, report: FeedReport, onIdle: () => void) {
    super(storage, pollMs, report, onIdle);
  }

  /** Where each client is: it never gets an event twice, even if it joined ahead of the feed. */
  private readonly positions = new Map<FeedSubscriber, number>();

  protected async catchUp(subscriber: FeedSubscriber, afterId: number | undefined): Promise<void> {
    let after = afterId ?? 0;
    // The first client's position is where the feed starts; a later one behind it catches up on
    // the events the feed has already passed.
    this.cursor ??= after;
    while (after < this.cursor) {
      const page = (await this.storage.getRunEvents(this.runId, { afterId: after, limit: PAGE })).filter((event) => event.id <= this.cursor!);
      if (page.length === 0) break;
      subscriber.send(page);
      after = page[page.length - 1]!.id;
    }
    this.positions.set(subscriber, after);
  }

  protected override deliver(events: StoredRunEvent[]): void {
    for (const subscriber of this.subscribers) {
      const position = this.positions.get(subscriber) ?? 0;
      const unseen = events.filter((event) => event.id > position);
      if (unseen.length === 0) continue;
      this.positions.set(subscriber, unseen[unseen.length - 1]!.id);
      subscriber.send(unseen);
    }
  }

  override leave(subscriber: FeedSubscriber): void {
    this.positions.delete(subscriber);
    super.leave(subscriber);
  }

  protected override afterJoin(subscriber: FeedSubscriber): void {
    if (this.complete) {
      this.subscribers.delete(subscriber);
      subscriber.end();
    }
  }

  protected async poll(): Promise<void> {
    if (this.complete) return;
    let received = false;
    for (;;) {
      const page = await this.storage.getRunEvents(this.runId, { afterId: this.cursor ?? 0, limit: PAGE });
      if (page.length === 0) break;
      received = true;
      this.cursor = page[page.length - 1]!.id;
      this.deliver(page);
      if (page.some((event) => FINAL_RUN_EVENTS.has(event.type))) return this.finish();
      if (page.length < PAGE) break;
    }
    if (!received) await this.endIfFinalWithoutEvent();
  }

  /**
   * A run can be final with no final event (e.g. a crashed process's run failed by a monitor that
   * wrote only the status). End such streams once the status has been final for a second.
   */
  private async endIfFinalWithoutEvent(): Promise<void> {
    const now = Date.now();
    if (now - this.lastStatusCheck < 500) return;
    this.lastStatusCheck = now;
    const run = await this.storage.getRun(this.runId);
    if (!run || !FINAL_RUN_STATUSES.includes(run.status)) {
      this.finalStatusSince = undefined;
      return;
    }
    this.finalStatusSince ??= now;
    if (now - this.finalStatusSince >= 1000) this.finish();
  }

  private finish(): void {
    this.complete = true;
    for (const subscriber of [...this.subscribers]) subscriber.end();
    this.subscribers.clear();
  }
}

interface TrackedRun {
  /** Last event id delivered for this run (Infinity: finished before the feed started watching). */
  afterId: number;
  done: boolean;
}

/** Every new event of every run (for live lineage colours). */
class GlobalFeed extends Feed {
  private readonly runs = new Map<string, TrackedRun>();
  private started = false;

  protected async catchUp(subscriber: FeedSubscriber, afterId: number | undefined): Promise<void> {
    if (!this.started) await this.poll(); // sets the baseline: "now"
    if (afterId === undefined) return;
    // Resume: the events after afterId of the runs this feed knows, up to where the feed is.
    const missed: StoredRunEvent[] = [];
    for (const [runId, tracked] of this.runs) {
      let after = afterId;
      while (after < tracked.afterId) {
        const page = (await this.storage.getRunEvents(runId, { afterId: after, limit: PAGE })).filter((event) => event.id <= tracked.afterId);
        missed.push(...page);
        if (page.length < PAGE) break;
        after = page[page.length - 1]!.id;
      }
    }
    missed.sort((a, b) => a.id - b.id);
    if (missed.length > 0) subscriber.send(missed);
  }

  protected async poll(): Promise<void> {
    const [active, recent] = await Promise.all([
      this.storage.listRuns({ statuses: [...UNFINISHED_RUN_STATUSES], limit: 1000 }),
      this.storage.listRuns({ limit: 25 }),
    ]);
    const seen = new Set<string>();
    const fresh: StoredRunEvent[] = [];
    for (const run of [...active, ...recent]) {
      if (seen.has(run.runId)) continue;
      seen.add(run.runId);
      let tracked = this.runs.get(run.runId);
      if (!tracked) {
        // Before the first poll everything is the past (finished runs are skipped, running ones are
        // read up to now without delivery); after it, a run we never saw is new, even if it already
        // ended between two polls, and all its events are delivered.
        const finished = FINAL_RUN_STATUSES.includes(run.status);
        tracked = !this.started && finished ? { afterId: Infinity, done: true } : { afterId: 0, done: false };
        this.runs.set(run.runId, tracked);
      }
      if (tracked.done) continue;
      const events = await this.readAll(run.runId, tracked.afterId);
      if (events.length > 0) tracked.afterId = events[events.length - 1]!.id;
      if (events.some((event) => FINAL_RUN_EVENTS.has(event.type)) || (events.length === 0 && FINAL_RUN_STATUSES.includes(run.status))) tracked.done = true;
      if (this.started) fresh.push(...events);
    }
    // Forget finished runs that fell out of both lists: they cannot come back.
    for (const [runId, tracked] of this.runs) if (tracked.done && !seen.has(runId)) this.runs.delete(runId);
    this.started = true;
    fresh.sort((a, b) => a.id - b.id);
    this.deliver(fresh);
  }

  private async readAll(runId: string, afterId: number): Promise<StoredRunEvent[]> {
    const events: StoredRunEvent[] = [];
    for (;;) {
      const page = await this.storage.getRunEvents(runId, { afterId: events.length > 0 ? events[events.length - 1]!.id : afterId, limit: PAGE });
      events.push(...page);
      if (page.length < PAGE) return events;
    }
  }
}

/**
 * The feeds of one server: one per watched run, one for all runs.
 *
 * @example
 * ```ts
 * const streams = new EventStreams(storage);
 * onAnyOf(services.events, STATE_CHANGE_EVENTS, () => streams.wake());
 * const leave = streams.watchRun(runId, lastEventId, { send: (events) => ..., end: () => ... });
 * ```
 */
export class EventStreams {
  private readonly runFeeds = new Map<string, RunFeed>();
  private globalFeed: GlobalFeed | undefined;
  private clientCount = 0;
  private readonly pollMs: number;
  private readonly report: FeedReport;

  constructor(private readonly storage: Storage, options: EventStreamsOptions = {}) {
    this.pollMs = options.pollMs ?? 500;
    this.report = { log: options.log ?? (() => {}), ...(options.outages ? { outages: options.outages } : {}) };
  }

  /** Streams the events of `runId` after `afterId` (all when undefined); returns "stop watching". */
  watchRun(runId: string, afterId: number | undefined, subscriber: FeedSubscriber): () => void {
    let feed = this.runFeeds.get(runId);
    if (!feed) {
      const created: RunFeed = new RunFeed(runId, this.storage, this.pollMs, this.report, () => {
        if (this.runFeeds.get(runId) === created) this.runFeeds.delete(runId);
      });
      feed = created;
      this.runFeeds.set(runId, feed);
    }
    feed.join(subscriber, afterId);
    return this.counted(feed, subscriber);
  }

  /** Streams every new event of every run (after `afterId` when resuming); returns "stop watching". */
  watchAll(afterId: number | undefined, subscriber: FeedSubscriber): () => void {
    if (!this.globalFeed) {
      const created: GlobalFeed = new GlobalFeed(this.storage, this.pollMs, this.report, () => {
        if (this.globalFeed === created) this.globalFeed = undefined;
      });
      this.globalFeed = created;
    }
    const feed = this.globalFeed;
    feed.join(subscriber, afterId);
    return this.counted(feed, subscriber);
  }

  private counted(feed: Feed, subscriber: FeedSubscriber): () => void {
    this.clientCount += 1;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.clientCount -= 1;
      feed.leave(subscriber);
    };
  }

  /** Something changed: every feed polls now instead of at its next interval. */
  wake(): void {
    for (const feed of this.runFeeds.values()) feed.wake();
    this.globalFeed?.wake();
  }

  /** Pollers running and clients connected (shown by `GET /api/health`). */
  stats(): { feeds: number; clients: number } {
    return { feeds: this.runFeeds.size + (this.globalFeed ? 1 : 0), clients: this.clientCount };
  }

  /** Stops every feed. */
  close(): void {
    for (const feed of [...this.runFeeds.values()]) feed.stop();
    this.globalFeed?.stop();
  }
}
