/**
 * The base of the daemon's live event feeds (see eventStreams.ts): its subscribers, a task queue so
 * polls and joins never interleave, a coalescing wake-up, and one log line per storage failure.
 */
import type { Storage } from "../../storage/port";
import type { StorageOutages } from "../storageWatch";
import { type StoredRunEvent } from "../../types";

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

/** Where a feed reports polling failures. */
export interface FeedReport {
  log: (message: string) => void;
  outages?: StorageOutages;
}

/** Events per read: a page of the backlog, or of what a poll finds. */
export const PAGE = 1000;

/** A feed: subscribers, a task queue, a wake-up timer. */
export abstract class Feed {
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
