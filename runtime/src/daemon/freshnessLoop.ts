/**
 * The freshness loop: judges every asset with a freshness policy now and then, and notifies each
 * change of state (`asset_warn`, `asset_stale`, `asset_fresh_again`) once, however many daemons
 * share the storage: the last known state of each asset is stored, and only the daemon whose
 * compare-and-set from the state it read wins sends the notification (storage FreshnessStorage).
 *
 * A pass is due every `pollMs`, and sooner when an asset reaches its warnAfter or maxLag before
 * that, so a change is noticed at its instant, not up to a poll later. Freshness is judged by the
 * loop's clock: the daemon's (tests inject a manual one).
 */
import type { AssetGraph } from "../graph/assetGraph";
import type { FreshnessPolicy, FreshnessState } from "../definitions/freshness";
import { assetFreshness, describeFreshness } from "../services/freshness";
import type { Storage } from "../storage/port";
import type { AssetFreshnessJson } from "../wire/responses";
import { systemClock, type Clock } from "./clock";
import { createLogger, type Logger } from "./logger";
import type { LoopHeartbeats } from "./loopHealth";
import type { Notification, NotificationEvent } from "./notifications";
import { PollLoop } from "./pollLoop";
import type { StorageOutages } from "./storageWatch";

/** Options of {@link FreshnessLoop}. */
export interface FreshnessLoopOptions {
  storage: Storage;
  /** The loaded graph, or null while the code does not load (nothing is judged then). */
  graph: () => AssetGraph | null;
  /** Sends a notification (the daemon's Notifier: webhooks that want the event get it). */
  notify: (notification: Notification) => void;
  /** The longest wait between passes. */
  pollMs: number;
  /** The clock freshness is judged by and the loop's timers run on. @defaultValue the heartbeats' clock, else the system clock */
  clock?: Clock;
  logger?: Logger;
  /** The daemon's loop heartbeats (`/api/health`); not watched when absent. */
  heartbeats?: LoopHeartbeats;
  outages?: StorageOutages;
}

/** A change of an asset's freshness this daemon recorded (and notified, when it is one to notify). */
export interface FreshnessChange {
  assetKey: string;
  /** The state recorded before; null when none was (the asset's first judgement). */
  from: FreshnessState | null;
  to: FreshnessState;
  /** The notification's event, or null for a change nobody is told about (a first FRESH or UNKNOWN). */
  event: NotificationEvent | null;
}

/**
 * Which notification a change raises: reaching WARN or STALE (also as a first judgement: nobody
 * was told yet), and FRESH again after WARN or STALE. A first FRESH, or UNKNOWN (never
 * materialized: Dagster cannot judge it either), raises none.
 */
export function freshnessEvent(from: FreshnessState | null, to: FreshnessState): NotificationEvent | null {
  if (to === "STALE") return "asset_stale";
  if (to === "WARN") return "asset_warn";
  if (to === "FRESH" && (from === "WARN" || from === "STALE")) return "asset_fresh_again";
  return null;
}

/** Judges assets' freshness on a poll and notifies changes. */
export class FreshnessLoop {
  private readonly loop: PollLoop;
  private readonly clock: Clock;
  private readonly logger: Logger;

  constructor(private readonly options: FreshnessLoopOptions) {
    this.clock = options.clock ?? options.heartbeats?.clock ?? systemClock;
    this.logger = (options.logger ?? createLogger()).scope({ component: "freshness" });
    this.loop = new PollLoop({
      name: "freshness",
      ...(options.heartbeats ? { heartbeats: options.heartbeats } : {}),
      clock: this.clock,
      pass: async () => (await this.evaluate()).dueInMs,
      pollMs: () => options.pollMs,
      onError: (error) => this.logger.error(`pass failed: ${error instanceof Error ? error.message : String(error)}`),
      ...(options.outages ? { outages: options.outages } : {}),
    });
  }

  start(): void {
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
  }

  /** Judges the assets now (after a materialization, a reload). */
  wake(): void {
    this.loop.wake();
  }

  /**
   * One pass: judges every asset with a policy, records and notifies the changes this daemon is
   * the first to see. Resolves the changes it recorded, and how soon (ms) the next boundary is.
   */
  async evaluate(): Promise<{ changes: FreshnessChange[]; dueInMs: number | undefined }> {
    const { storage } = this.options;
    const graph = this.options.graph();
    if (!graph) return { changes: [], dueInMs: undefined };
    const keys = [...graph.assets.values()].filter((node) => node.freshness !== undefined).map((node) => node.key);
    if (keys.length === 0) return { changes: [], dueInMs: undefined };
    // In this order — the recorded states, then the materializations, then the time — so that a
    // state recorded by another daemon is never newer than this pass's judgement: a pass that read
    // the time first could, if slow, undo a newer change (WARN back to FRESH) and notify it twice.
    const recorded = new Map((await storage.listAssetFreshness()).map((record) => [record.assetKey, record]));
    const latest = new Map((await storage.getLatestMaterializations(keys)).map((record) => [record.assetKey, record]));
    const now = this.clock.now();
    const changes: FreshnessChange[] = [];
    let nextBoundary = Infinity;
    const at = new Date(now).toISOString();
    for (const assetKey of keys) {
      const policy = graph.assets.get(assetKey)!.freshness!;
      const freshness = assetFreshness(policy, latest.get(assetKey), now);
      nextBoundary = Math.min(nextBoundary, nextBoundaryOf(freshness, policy));
      const record = recorded.get(assetKey);
      // A state recorded after this pass's time (another daemon's clock runs ahead): theirs stands.
      if (record && Date.parse(record.since) > now) continue;
      const from = (record?.state as FreshnessState | undefined) ?? null;
      if (from === freshness.state) continue;
      // Another daemon that saw the same change first recorded it, and notified: nothing to do.
      if (!(await storage.transitionAssetFreshness(assetKey, from, freshness.state, at))) continue;
      const event = freshnessEvent(from, freshness.state);
      changes.push({ assetKey, from, to: freshness.state, event });
      if (event) this.options.notify(notificationOf(assetKey, from, freshness, event, at));
    }
    for (const change of changes) {
      this.logger.log(change.event === "asset_stale" ? "warn" : "info", `${change.assetKey}: ${change.from ?? "(first judged)"} -> ${change.to}`, { assetKey: change.assetKey, from: change.from, to: change.to });
    }
    return { changes, dueInMs: Number.isFinite(nextBoundary) ? Math.max(0, nextBoundary - now) : undefined };
  }

}

/** When the asset's state changes next without a materialization: its warnAfter while FRESH, its maxLag while FRESH or WARN. */
function nextBoundaryOf(freshness: AssetFreshnessJson, policy: FreshnessPolicy): number {
  if (freshness.lastMaterializedAt === null || freshness.state === "STALE") return Infinity;
  const last = Date.parse(freshness.lastMaterializedAt);
  if (freshness.state === "FRESH" && policy.warnAfterMs !== undefined) return last + policy.warnAfterMs;
  return last + policy.maxLagMs;
}

function notificationOf(assetKey: string, from: FreshnessState | null, shown: AssetFreshnessJson, event: NotificationEvent, at: string): Notification {
  const said = describeFreshness(shown);
  const title =
    event === "asset_fresh_again"
      ? `Asset ${assetKey} is fresh again (materialized ${shown.lastMaterializedAt ?? "?"})`
      : `Asset ${assetKey} is ${event === "asset_stale" ? "stale" : "late"}: ${said}`;
  return { event, title, timestamp: at, details: { assetKey, previousState: from, ...shown } };
}
