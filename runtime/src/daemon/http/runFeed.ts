/**
 * A run's feed (see eventStreams.ts): one poller per watched run; each client live at the tail or
 * paging its backlog itself, a page at a time, waiting for its socket.
 */
import type { Storage } from "../../storage/port";
import { FINAL_RUN_STATUSES, type StoredRunEvent } from "../../types";
import { FINAL_RUN_EVENTS } from "./runSteps";
import { Feed, type FeedSubscriber, type FeedReport, PAGE } from "./eventFeed";

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
export class RunFeed extends Feed {
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
