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
 *
 * The global feed cannot wait for one client: its poller serves them all. A client resuming from an
 * id pages its backlog itself, waiting for its socket between pages, then goes live; a live client
 * whose socket is full has the events that come meanwhile held for it, at most
 * `maxWaitingEvents`, and sent when it drains. A client further behind than that is told to
 * reconnect (`behind`): it resumes from storage with Last-Event-ID, and the daemon holds nothing
 * for it meanwhile.
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
  /**
   * The client is too far behind (the global feed only): it gets nothing more. Called once, after
   * the last event it was sent, whose id `lastEventId` is (undefined when none): the client should
   * reconnect and resume after it.
   */
  behind?(lastEventId: number | undefined): void;
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
  /**
   * Events the global feed holds for one client whose socket is full, before telling it to
   * reconnect (it then resumes from storage).
   * @defaultValue 1000
   */
  maxWaitingEvents?: number;
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

/** One client of the global feed. */
interface Watcher {
  subscriber: FeedSubscriber;
  /** The id of the last event sent to it (undefined: none yet). */
  position: number | undefined;
  /** Its socket is full: the events that came since, to send when it drains (undefined: it is not full). */
  waiting: StoredRunEvent[] | undefined;
  /** Left, told it is behind, or the feed stopped: it gets nothing more. */
  gone: boolean;
}

/** Events handed to a client's socket at a time: it may take one such slice past its high-water mark. */
const SLICE = 100;

/** Every new event of every run (for live lineage colours). */
class GlobalFeed extends Feed {
  private readonly runs = new Map<string, TrackedRun>();
  private readonly watchers = new Map<FeedSubscriber, Watcher>();
  private started = false;

  constructor(storage: Storage, pollMs: number, report: FeedReport, onIdle: () => void, private readonly maxWaiting: number) {
    super(storage, pollMs, report, onIdle);
  }

  /** Adds a subscriber: at once (from "now"), or after it has read what it missed (see {@link catchUp}). */
  join(subscriber: FeedSubscriber, afterId: number | undefined): void {
    const watcher: Watcher = { subscriber, position: afterId, waiting: undefined, gone: false };
    this.watchers.set(subscriber, watcher);
    if (afterId === undefined) {
      this.enqueue(async () => {
        if (!this.started) await this.poll(); // sets the baseline: "now"
        this.goLive(watcher);
      });
      this.wake();
    } else void this.catchUp(watcher);
  }

  /** Removes a client; the feed stops when none is left, live or catching up. */
  override leave(subscriber: FeedSubscriber): void {
    const watcher = this.watchers.get(subscriber);
    if (watcher) this.forget(watcher);
    this.subscribers.delete(subscriber);
    if (this.watchers.size === 0) this.enqueue(async () => {
      if (this.watchers.size === 0) this.stop();
    });
  }

  override stop(): void {
    for (const watcher of this.watchers.values()) watcher.gone = true;
    this.watchers.clear();
    super.stop();
  }

  /** Events held for clients whose sockets are full (at most maxWaitingEvents each). */
  waitingEvents(): number {
    let waiting = 0;
    for (const watcher of this.watchers.values()) waiting += watcher.waiting?.length ?? 0;
    return waiting;
  }

  /**
   * Resume: the events after the client's position of the runs this feed knows, up to where the
   * feed is, a page at a time, each once its socket took the one before (outside the task queue:
   * the other clients' polls go on); then what came meanwhile and live, in the task queue.
   */
  private async catchUp(watcher: Watcher): Promise<void> {
    // The baseline first (in the queue, as polls are): which runs there are and how far each is.
    await new Promise<void>((resolve) =>
      this.enqueue(async () => {
        try {
          if (!this.started) await this.poll();
        } finally {
          resolve();
        }
      }),
    );
    for (;;) {
      if (watcher.gone || this.stopped) return;
      let page: StoredRunEvent[];
      try {
        page = await this.backlogPage(watcher.position ?? 0);
        this.succeeded();
      } catch (error) {
        this.failed(error);
        await new Promise((resolve) => setTimeout(resolve, this.pollMs).unref());
        continue;
      }
      for (let start = 0; start < page.length; start += SLICE) {
        if (watcher.gone) return;
        const slice = page.slice(start, start + SLICE);
        const ok = watcher.subscriber.send(slice);
        watcher.position = slice[slice.length - 1]!.id;
        if (ok === false) await watcher.subscriber.drained?.();
      }
      if (page.length < PAGE) break;
    }
    this.enqueue(async () => {
      // Polls may have moved on since the last page: send the rest (a client too slow for it is
      // told it is behind), then poll deliveries take over.
      for (;;) {
        if (watcher.gone) return;
        const page = await this.backlogPage(watcher.position ?? 0);
        this.deliverTo(watcher, page);
        if (page.length < PAGE) break;
      }
      this.goLive(watcher);
    });
    this.wake();
  }

  /** The first {@link PAGE} events after `after` of the runs the feed knows, each run up to where the feed is, in id order. */
  private async backlogPage(after: number): Promise<StoredRunEvent[]> {
    const events: StoredRunEvent[] = [];
    for (const [runId, tracked] of [...this.runs]) {
      if (tracked.afterId <= after) continue;
      events.push(...(await this.storage.getRunEvents(runId, { afterId: after, limit: PAGE })).filter((event) => event.id <= tracked.afterId));
    }
    return events.sort((a, b) => a.id - b.id).slice(0, PAGE);
  }

  /** In the task queue: the client gets each poll's events from now on. */
  private goLive(watcher: Watcher): void {
    if (!watcher.gone) this.subscribers.add(watcher.subscriber);
  }

  protected override deliver(events: StoredRunEvent[]): void {
    if (events.length === 0) return;
    for (const subscriber of this.subscribers) {
      const watcher = this.watchers.get(subscriber);
      if (watcher) this.deliverTo(watcher, events);
    }
  }

  /**
   * Sends `events` to a client a slice at a time while its socket takes them; once it is full, holds
   * the rest (and what comes next) until it drains, or tells it it is behind when that would be more
   * than maxWaitingEvents.
   */
  private deliverTo(watcher: Watcher, events: StoredRunEvent[]): void {
    if (watcher.gone || events.length === 0) return;
    if (watcher.waiting) {
      if (watcher.waiting.length + events.length > this.maxWaiting) return this.behind(watcher);
      watcher.waiting.push(...events);
      return;
    }
    for (let start = 0; start < events.length; start += SLICE) {
      const slice = events.slice(start, start + SLICE);
      const ok = watcher.subscriber.send(slice);
      watcher.position = slice[slice.length - 1]!.id;
      if (ok === false) {
        const rest = events.slice(start + SLICE);
        if (rest.length > this.maxWaiting) return this.behind(watcher);
        watcher.waiting = rest;
        void this.whenDrained(watcher);
        return;
      }
    }
  }

  /** Sends what was held for a client once its socket has drained. */
  private async whenDrained(watcher: Watcher): Promise<void> {
    await watcher.subscriber.drained?.();
    const waiting = watcher.waiting ?? [];
    watcher.waiting = undefined;
    this.deliverTo(watcher, waiting);
  }

  /** The client is too far behind: it gets nothing more, and is told to resume from storage. */
  private behind(watcher: Watcher): void {
    this.forget(watcher);
    this.subscribers.delete(watcher.subscriber);
    if (watcher.subscriber.behind) watcher.subscriber.behind(watcher.position);
    else watcher.subscriber.end();
  }

  private forget(watcher: Watcher): void {
    watcher.gone = true;
    watcher.waiting = undefined;
    this.watchers.delete(watcher.subscriber);
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
  private readonly maxWaitingEvents: number;

  constructor(private readonly storage: Storage, options: EventStreamsOptions = {}) {
    this.runPollMs = options.pollMs ?? 250;
    this.globalPollMs = options.pollMs ?? 500;
    this.maxWaitingEvents = options.maxWaitingEvents ?? 1000;
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
      const created: GlobalFeed = new GlobalFeed(
        this.storage,
        this.globalPollMs,
        this.report,
        () => {
          if (this.globalFeed === created) this.globalFeed = undefined;
        },
        this.maxWaitingEvents,
      );
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

  /** Pollers running, clients connected, and events held for clients behind (shown by `GET /api/health`). */
  stats(): { feeds: number; clients: number; waitingEvents: number } {
    return { feeds: this.runFeeds.size + (this.globalFeed ? 1 : 0), clients: this.clientCount, waitingEvents: this.globalFeed?.waitingEvents() ?? 0 };
  }

  /** Stops every feed. */
  close(): void {
    for (const feed of [...this.runFeeds.values()]) feed.stop();
    this.globalFeed?.stop();
  }
}
