/**
 * The automation loop: every `automation.intervalSeconds` one tick evaluates every asset with an
 * automation condition and launches the runs it requests (services/automation/tick.ts).
 *
 * Exactly once across daemons: every daemon computes the same tick instant (the interval's
 * boundary) and tries `createAutomationTick(tickTime)`; the database's unique key lets one win, as
 * schedule ticks do. A tick left STARTED or EVALUATED by a daemon that stopped is taken over by
 * another once its lease has passed: an EVALUATED one has its stored runs launched under their run
 * keys (never twice), a STARTED one is skipped with the reason stored.
 */
import type { LoadedProject } from "../loader";
import type { Storage, AutomationTickRecord } from "../storage/port";
import { resumeAutomationTick, runAutomationTick, type AutomationRunRequest, type AutomationTickHost, type AutomationTickOutcome } from "../services/automation/tick";
import { createLogger, type Logger } from "./logger";
import type { LoopHeartbeats } from "./loopHealth";
import { PollLoop } from "./pollLoop";
import type { AutomationSettings } from "./settings";
import type { StorageOutages } from "./storageWatch";

/** What the automation loop needs from the daemon. */
export interface AutomationLoopHost {
  storage: Storage;
  project(): LoadedProject | null;
  submit(request: AutomationRunRequest): Promise<{ runId: string }>;
  daemonId: string;
  settings: AutomationSettings;
  /** The daemon's logger; the loop logs under the component `automation`. @defaultValue stderr */
  logger?: Logger;
  /** The daemon's loop heartbeats (`/api/health`); not watched when absent. */
  heartbeats?: LoopHeartbeats;
  outages?: StorageOutages;
  /** Clock, for tests. @defaultValue Date.now */
  now?: () => number;
  /** Told of each tick this daemon evaluated (tests, the console). */
  onTick?: (tick: AutomationTickRecord, outcome: AutomationTickOutcome) => void;
}

/** How often old evaluations are pruned, at most. */
const PRUNE_EVERY_MS = 3600_000;

/** Evaluates automation conditions once per interval. */
export class AutomationLoop {
  private readonly loop: PollLoop;
  private readonly logger: Logger;
  /** What a tick needs (services/automation/tick.ts): the host, warning through this loop's logger. */
  private readonly tickHost: AutomationTickHost;
  private lastTickTime: string | undefined;
  private lastPrune = -Infinity;

  constructor(private readonly host: AutomationLoopHost) {
    this.logger = (host.logger ?? createLogger()).scope({ component: "automation" });
    this.tickHost = { ...host, warn: (message) => this.logger.warn(message) };
    this.loop = new PollLoop({
      name: "automation",
      ...(host.heartbeats ? { heartbeats: host.heartbeats } : {}),
      pass: () => this.pass(),
      pollMs: () => host.settings.intervalMs,
      onError: (error) => this.logger.error(`tick failed: ${describe(error)}`),
      ...(host.outages ? { outages: host.outages } : {}),
    });
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Looks now (code reloaded, or a test's manual trigger). */
  wake(): void {
    this.loop.wake();
  }

  private now(): number {
    return (this.host.now ?? Date.now)();
  }

  /** One pass: take over stalled ticks, claim the current one, prune; resolves when the next tick is due. */
  private async pass(): Promise<number> {
    const project = this.host.project();
    const interval = this.host.settings.intervalMs;
    const now = this.now();
    const hasConditions = project !== null && [...project.graph.assets.values()].some((node) => node.automation);
    if (hasConditions) {
      // Leases are about how long a daemon has been silent: real time, whatever the tick clock.
      await this.recoverStalled(Date.now());
      const tickTime = new Date(Math.floor(now / interval) * interval).toISOString();
      if (tickTime !== this.lastTickTime) {
        this.lastTickTime = tickTime;
        const tick = await this.host.storage.createAutomationTick({ tickTime, daemonId: this.host.daemonId });
        if (tick) await this.evaluate(tick, project!, now);
      }
    }
    if (now - this.lastPrune >= PRUNE_EVERY_MS) {
      this.lastPrune = now;
      const olderThan = new Date(now - this.host.settings.retentionMs).toISOString();
      await this.host.storage.pruneAutomation({ olderThan, keepPerAsset: this.host.settings.keepPerAsset });
    }
    return Math.floor(now / interval) * interval + interval - now;
  }

  private async evaluate(tick: AutomationTickRecord, project: LoadedProject, now: number): Promise<void> {
    try {
      const outcome = await runAutomationTick(this.tickHost, tick, project.graph, now);
      const requested = outcome.evaluations.filter((evaluation) => evaluation.requested.length > 0).map((evaluation) => evaluation.assetKey);
      if (outcome.launches.length > 0) this.logger.info(`tick ${tick.tickTime}: launched ${outcome.runIds.length} run(s) for ${requested.join(", ")}`);
      this.host.onTick?.(tick, outcome);
    } catch (error) {
      // Nothing was stored (or the storage is gone): the tick ends with the reason; the next one
      // evaluates from the last stored states. An EVALUATED tick is left for recovery instead.
      if (this.host.outages?.absorb(error)) return;
      const reason = `the tick could not be evaluated: ${describe(error)}`;
      this.logger.info(`tick ${tick.tickTime}: ${reason}`);
      const [current] = await this.host.storage.listAutomationTicks({ statuses: ["STARTED"], limit: 1 }).catch(() => []);
      if (current?.tickId === tick.tickId) await this.host.storage.updateAutomationTick(tick.tickId, { status: "FAILURE", reason }).catch(() => undefined);
    }
  }

  /** Takes over ticks whose daemon stopped mid-tick (their lease passed). */
  private async recoverStalled(now: number): Promise<void> {
    const stalled = await this.host.storage.listAutomationTicks({ statuses: ["STARTED", "EVALUATED"], limit: 20 });
    for (const tick of stalled) {
      if (now - Date.parse(tick.updatedAt) < this.host.settings.tickLeaseMs) continue;
      const taken = await this.host.storage.reclaimAutomationTick(tick.tickId, tick.updatedAt, this.host.daemonId);
      if (!taken) continue; // another daemon took it over
      if (taken.status === "STARTED") {
        await this.host.storage.updateAutomationTick(tick.tickId, {
          status: "SKIPPED",
          reason: `daemon ${tick.daemonId} stopped while evaluating this tick; nothing was launched, and the next tick evaluated again`,
        });
        this.logger.info(`tick ${tick.tickTime} skipped: its daemon ${tick.daemonId} stopped while evaluating it`);
      } else {
        const runIds = await resumeAutomationTick(this.tickHost, taken);
        this.logger.info(`tick ${tick.tickTime}: its daemon ${tick.daemonId} stopped after evaluating it; its ${runIds.length} run(s) are launched (each once)`);
      }
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
