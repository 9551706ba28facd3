/**
 * Live event feeds for server-sent events. Many clients may watch the same run (or all runs): each
 * run has ONE poller, and all runs share ONE global poller, whatever the number of clients, so
 * streams do not each hammer the database. Pollers read by event id (`getRunEvents` with `afterId`),
 * every `pollMs`, and at once when the daemon says something changed (one of `STATE_CHANGE_EVENTS` on `services.events`).
 *
 * A run's client is either live (at the feed's tail: the poller hands it each new page) or paging
 * (behind: it reads the backlog itself, a page at a time, waiting for its socket to drain between
 * pages). A client joins paging from where it resumes, goes live when it reaches the tail (in the
 * feed's task queue, so no poll slips between), and falls back to paging when its socket is full.
 * Each client's position is the last id it was sent: it never gets an event twice nor misses one,
 * and a run of a million events streams in bounded memory.
 */
import type { Storage } from "../../storage/port";
import type { StorageOutages } from "../storageWatch";
import { FINAL_RUN_STATUSES, UNFINISHED_RUN_STATUSES, type StoredRunEvent } from "../../types";
import { FINAL_RUN_EVENTS } from "./runSteps";

/** A client of a feed (one SSE connection). */
export interface FeedSubscriber {
  /**
   * Delivers events in id order (per run). Returns false when the client is behind (its socket is
   * full): a run feed then sends it nothing more until {@link drained} resolves.
   */
  send(events: StoredRunEvent[]): boolean | void;
  /** Resolves when the client has read what it was sent (or is gone). */
  drained?(): Promise<void>;
  /** The run ended (run feeds only): called once, after its final event was sent. */
  end(): void;
}

/** Options of {@link EventStreams}. */
export interface EventStreamsOptions {
  /**
   * Poll interval when nothing wakes the feeds: 250 ms for a run's feed (a run on another daemon's
   * worker shows its events within the 500 ms the console promises), 500 ms for the global feed
   * (its poll reads every active run). Given, it is both.
   * @defaultValue 250 / 500
   */
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

/** Events per read: a page of the backlog, or of what a poll finds. */
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
  protected stopped = false;

  constructor(protected readonly storage: Storage, protected readonly pollMs: number, private readonly report: FeedReport, private readonly onIdle: () => void) {
    this.interval = setInterval(() => this.wake(), pollMs);
    this.interval.unref();
  }

  /** Adds a subscriber that resumes after `afterId` (from the start when undefined). */
  abstract join(subscriber: FeedSubscriber, afterId: number | undefined): void;

  /** Removes a subscriber; the feed stops when none is left. */
  leave(subscriber: FeedSubscriber): void {
    this.subscribers.delete(subscriber);
    if (this.subscribers.size === 0) this.enqueue(async () => {
      if (this.subscribers.size === 0) this.stop();
    });
  }

  /** Polls soon (coalescing wake-ups that come in bursts). */
  wake(): void {
    if (this.wakeTimer || this.pollQueued || this.stopped) return;
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
    this.stopped = true;
    clearInterval(this.interval);
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.subscribers.clear();
    this.onIdle();
  }

  protected abstract poll(): Promise<void>;

  protected deliver(events: StoredRunEvent[]): void {
    if (events.length === 0) return;
    for (const subscriber of this.subscribers) subscriber.send(events);
  }

  /** Runs `task` after the tasks before it (polls and joins never interleave). */
  protected enqueue(task: () => Promise<void>): void {
    this.chain = this.chain.then(task).then(
      () => this.succeeded(),
      (error: unknown) => this.failed(error),
    );
  }

  /** A read worked: a failure in progress is over. */
  protected succeeded(): void {
    if (this.failing && !this.failingInOutage) this.report.log("event stream: storage answers again");
    this.failing = false;
  }

  /** A read failed: keep streams open across a storage hiccup; say so once, not at every poll. */
  protected failed(error: unknown): void {
    if (!this.failing) {
      this.failingInOutage = this.report.outages?.absorb(error) ?? false;
      if (!this.failingInOutage) this.report.log(`event stream: reading events failed (will retry): ${(error as Error)?.message ?? String(error)}`);
    }
    this.failing = true;
  }
}

/** One client of a run's feed. */
interface Follower {
  subscriber: FeedSubscriber;
  /** The id of the last event sent to it. */
  position: number;
  /** At the feed's tail: polls hand it their events. Otherwise it pages the backlog itself. */
  live: boolean;
  /** Left, ended, or the feed stopped: it gets nothing more. */
  gone: boolean;
}

/** Events of one run, ending after the run's final event. */
class RunFeed extends Feed {
  /** The last event id the poller has read (undefined until a client first goes live). */
  private cursor: number | undefined;
  /** The run is over: the poller saw its final event, or its status has been final without one. */
  private complete = false;
  private finalStatusSince: number | undefined;
  private lastStatusCheck = 0;
  private readonly followers = new Map<FeedSubscriber, Follower>();

  constructor(private readonly runId: string, storage: Storage, pollMs: number, report: FeedReport, onIdle: () => void) {
    super(storage, pollMs, report, onIdle);
  }

  join(subscriber: FeedSubscriber, afterId: number | undefined): void {
    const follower: Follower = { subscriber, position: afterId ?? 0, live: false, gone: false };
    this.followers.set(subscriber, follower);
    this.subscribers.add(subscriber);
    void this.page(follower, false);
  }

  override leave(subscriber: FeedSubscriber): void {
    const follower = this.followers.get(subscriber);
    if (follower) follower.gone = true;
    this.followers.delete(subscriber);
    super.leave(subscriber);
  }

  override stop(): void {
    for (const follower of this.followers.values()) follower.gone = true;
    this.followers.clear();
    super.stop();
  }

  /**
   * A client behind the tail reads the backlog itself, a page at a time, each page only once its
   * socket took the one before; near the tail it asks to go live.
   */
  private async page(follower: Follower, waitForDrain: boolean): Promise<void> {
    if (waitForDrain) await follower.subscriber.drained?.();
    while (!follower.gone && !this.stopped) {
      let page: StoredRunEvent[];
      try {
        page = await this.storage.getRunEvents(this.runId, { afterId: follower.position, limit: PAGE });
        this.succeeded();
      } catch (error) {
        this.failed(error);
        await new Promise((resolve) => setTimeout(resolve, this.pollMs).unref());
        continue;
      }
      if (follower.gone) return;
      if (page.length > 0) {
        const ok = follower.subscriber.send(page);
        follower.position = page[page.length - 1]!.id;
        if (page.some((event) => FINAL_RUN_EVENTS.has(event.type))) return this.end(follower);
        if (ok === false) await follower.subscriber.drained?.();
      }
      if (page.length < PAGE) {
        this.enqueue(() => this.goLive(follower));
        this.wake();
        return;
      }
    }
  }

  /**
   * In the task queue (no poll in between): sends a client what the poller read past its position,
   * then hands it to the poller; back to paging if its socket fills meanwhile.
   */
  private async goLive(follower: Follower): Promise<void> {
    if (follower.gone) return;
    const othersLive = [...this.followers.values()].some((other) => other.live && other !== follower);
    // With nobody live, the poller has nobody to read for: it starts again from this client.
    if (this.cursor === undefined || (!othersLive && !this.complete)) this.cursor = Math.max(this.cursor ?? 0, follower.position);
    while (follower.position < this.cursor) {
      const page = (await this.storage.getRunEvents(this.runId, { afterId: follower.position, limit: PAGE })).filter((event) => event.id <= this.cursor!);
      if (page.length === 0) break;
      const ok = follower.subscriber.send(page);
      follower.position = page[page.length - 1]!.id;
      if (page.some((event) => FINAL_RUN_EVENTS.has(event.type))) return this.end(follower);
      if (ok === false) {
        void this.page(follower, true);
        return;
      }
    }
    if (this.complete) return this.end(follower);
    follower.live = true;
  }

  protected async poll(): Promise<void> {
    if (this.complete || this.cursor === undefined) return;
    if (![...this.followers.values()].some((follower) => follower.live)) return;
    let received = false;
    for (;;) {
      const page = await this.storage.getRunEvents(this.runId, { afterId: this.cursor, limit: PAGE });
      if (page.length === 0) break;
      received = true;
      this.cursor = page[page.length - 1]!.id;
      const final = page.some((event) => FINAL_RUN_EVENTS.has(event.type));
      if (final) this.complete = true;
      this.deliver(page);
      if (final) return this.endLive();
      if (page.length < PAGE || ![...this.followers.values()].some((follower) => follower.live)) break;
    }
    if (!received) await this.endIfFinalWithoutEvent();
  }

  /** Hands each live client the events past its position; a client whose socket fills goes back to paging. */
  protected override deliver(events: StoredRunEvent[]): void {
    for (const follower of [...this.followers.values()]) {
      if (!follower.live || follower.gone) continue;
      const unseen = events.filter((event) => event.id > follower.position);
      if (unseen.length === 0) continue;
      const ok = follower.subscriber.send(unseen);
      follower.position = unseen[unseen.length - 1]!.id;
      if (ok === false && !this.complete) {
        follower.live = false;
        void this.page(follower, true);
      }
    }
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
    if (now - this.finalStatusSince >= 1000) {
      this.complete = true;
      this.endLive();
    }
  }

  /** The run is over: every live client has had all its events. */
  private endLive(): void {
    for (const follower of [...this.followers.values()]) if (follower.live) this.end(follower);
  }

  private end(follower: Follower): void {
    if (follower.gone) return;
    follower.gone = true;
    this.followers.delete(follower.subscriber);
    this.subscribers.delete(follower.subscriber);
    follower.subscriber.end();
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

  /** Adds a subscriber after sending it what it missed (see {@link catchUp}). */
  join(subscriber: FeedSubscriber, afterId: number | undefined): void {
    this.enqueue(async () => {
      await this.catchUp(subscriber, afterId);
      this.subscribers.add(subscriber);
    });
    this.wake();
  }

  private async catchUp(subscriber: FeedSubscriber, afterId: number | undefined): Promise<void> {
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
  private readonly runPollMs: number;
  private readonly globalPollMs: number;
  private readonly report: FeedReport;

  constructor(private readonly storage: Storage, options: EventStreamsOptions = {}) {
    this.runPollMs = options.pollMs ?? 250;
    this.globalPollMs = options.pollMs ?? 500;
    this.report = { log: options.log ?? (() => {}), ...(options.outages ? { outages: options.outages } : {}) };
  }

  /** Streams the events of `runId` after `afterId` (all when undefined); returns "stop watching". */
  watchRun(runId: string, afterId: number | undefined, subscriber: FeedSubscriber): () => void {
    let feed = this.runFeeds.get(runId);
    if (!feed) {
      const created: RunFeed = new RunFeed(runId, this.storage, this.runPollMs, this.report, () => {
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
      const created: GlobalFeed = new GlobalFeed(this.storage, this.globalPollMs, this.report, () => {
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
