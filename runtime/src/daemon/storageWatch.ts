/**
 * A daemon's view of whether its database can be reached. Every storage call the daemon makes goes
 * through {@link StorageWatch.watch}: a call that cannot reach the database starts an outage, logged
 * once with what happens meanwhile; the first call made after that which gets through ends it,
 * logged once with its length. Meanwhile the daemon's loops back off (PollLoop), the HTTP API
 * answers 503 and `/api/health` reports the storage down, and the parts that would log the same
 * connection error on every poll leave it to the outage (`absorb`).
 */
import type { StorageConnectionError } from "../storage/errors";
import type { Storage } from "../storage/port";
import { isStorageUnreachable } from "../storage/unreachable";
import type { DaemonEvents, TypedEmitter } from "./events";
import type { Logger } from "./logger";

/** What the daemon's parts need of a {@link StorageWatch}. */
export interface StorageOutages {
  /** True while the database is unreachable. */
  readonly down: boolean;
  /**
   * True when `error` is the database being unreachable: it is part of the outage, which is logged
   * once, so the caller logs nothing. False for any other error (the caller's to report).
   */
  absorb(error: unknown): boolean;
  /** Calls `listener` each time an outage ends; returns a function that stops calling it. */
  onRecovered(listener: () => void): () => void;
  /** The outage in progress, if any. */
  readonly outage: StorageOutage | undefined;
}

/** An outage in progress. */
export interface StorageOutage {
  /** ISO 8601 instant of the first failed call. */
  since: string;
  /** The error of that call (names the database and what to check). */
  error: StorageConnectionError;
}

/** Watches one daemon's storage calls; see the file comment. */
export class StorageWatch implements StorageOutages {
  private current: { since: number; error: StorageConnectionError } | undefined;
  /** When the last outage ended: a call started before then and failing after is a straggler of it. */
  private recoveredAt = -Infinity;
  private readonly absorbed = new WeakSet<object>();
  private readonly listeners = new Set<() => void>();

  private readonly logger: Logger;

  /**
   * @param logger - Where an outage's start and end are logged (scoped `component: "storage"` here).
   * @param now - The clock. @defaultValue Date.now
   * @param events - Told of an outage's start and end (`storageOutage`).
   */
  constructor(
    logger: Logger,
    private readonly now: () => number = Date.now,
    private readonly events?: TypedEmitter<DaemonEvents>,
  ) {
    this.logger = logger.scope({ component: "storage" });
  }

  get down(): boolean {
    return this.current !== undefined;
  }

  /** The outage in progress, if any. */
  get outage(): StorageOutage | undefined {
    return this.current && { since: new Date(this.current.since).toISOString(), error: this.current.error };
  }

  absorb(error: unknown, startedAt: number = this.now()): boolean {
    if (!isStorageUnreachable(error)) return false;
    // Seen already (the watched call reported it before its caller did).
    if (this.absorbed.has(error)) return true;
    this.absorbed.add(error);
    if (this.current || startedAt < this.recoveredAt) return true;
    this.current = { since: this.now(), error };
    this.logger.error(
      `the database is unreachable: ${error.message}. Retrying with backoff until it is back; ` +
        "runs keep running and their events and ends are kept until then; the HTTP API answers 503 meanwhile.",
      { event: "outage", down: true },
    );
    this.events?.emit("storageOutage", { down: true, since: new Date(this.current.since).toISOString(), message: error.message });
    return true;
  }

  /** A call started at `startedAt` got through: ends the outage if it started during it. */
  reachable(startedAt: number = this.now()): void {
    if (!this.current || startedAt < this.current.since) return;
    const seconds = ((this.now() - this.current.since) / 1000).toFixed(1);
    this.current = undefined;
    this.recoveredAt = this.now();
    this.logger.info(`the database is reachable again after ${seconds} s; writing what was kept`, { event: "outage", down: false, lastedSeconds: Number(seconds) });
    this.events?.emit("storageOutage", { down: false, lastedSeconds: Number(seconds) });
    for (const listener of this.listeners) {
      try {
        listener();
      } catch {
        // One listener's failure must not keep the others from waking.
      }
    }
  }

  onRecovered(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * `storage` with every call reported here: a rejection that says the database is unreachable
   * starts (or continues) the outage, a resolution ends it. Nothing else changes: errors still
   * reach the caller.
   */
  watch(storage: Storage): Storage {
    return new Proxy(storage, {
      get: (target, property) => {
        const value: unknown = Reflect.get(target, property, target);
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          const startedAt = this.now();
          const result: unknown = (value as (...a: unknown[]) => unknown).apply(target, args);
          if (!(result instanceof Promise)) return result;
          return result.then(
            (resolved: unknown) => {
              this.reachable(startedAt);
              return resolved;
            },
            (error: unknown) => {
              this.absorb(error, startedAt);
              throw error;
            },
          );
        };
      },
    });
  }
}
