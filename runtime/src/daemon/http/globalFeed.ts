/**
 * The feed of every run (see eventStreams.ts): one poller for all clients, each run followed by its
 * own cursor; a client whose socket is full has events held for it up to a bound, then is told to
 * reconnect and resume from storage.
 */
import type { Storage } from "../../storage/port";
import { FINAL_RUN_STATUSES, UNFINISHED_RUN_STATUSES, type StoredRunEvent } from "../../types";
import { FINAL_RUN_EVENTS } from "./runSteps";
import { Feed, type FeedSubscriber, type FeedReport, PAGE } from "./eventFeed";

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
export class GlobalFeed extends Feed {
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
