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
import type { Feed, FeedSubscriber, FeedReport } from "./eventFeed";
import type { Storage } from "../../storage/port";
import type { StorageOutages } from "../storageWatch";
import { GlobalFeed } from "./globalFeed";
import { RunFeed } from "./runFeed";

export type { FeedSubscriber } from "./eventFeed";

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
