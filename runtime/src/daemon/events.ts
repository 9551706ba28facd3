/**
 * What a daemon tells its listeners, typed: each event has a name and a payload
 * ({@link DaemonEvents}), as graphile-worker's `WorkerEvents`. The HTTP API wakes its event
 * streams on the events that change what they show ({@link STATE_CHANGE_EVENTS}); an embedding
 * program can count runs, page someone on `loopStalled`, or mirror outages to its own monitoring.
 */
import type { InstigatorState, InstigatorStatus, RunStatus } from "../types";

/** Every event of a daemon, by name, with its payload. */
export interface DaemonEvents {
  /** A run was queued in this process (a request, a schedule's tick, a sensor, a backfill, a retry). */
  runQueued: { runId: string; selection: string; instigator: { type: string; name: string } | null };
  /** Runs were claimed by this process's coordinator and are starting. */
  runsStarted: { runIds: string[] };
  /** A run executing here wrote events (steps started, materialized, failed, ...). */
  runEvent: { runId: string };
  /** A run ended: executed here (coordinator), or failed as dead by this process's monitor. */
  runEnded: { runId: string; status: RunStatus | null; by: "coordinator" | "monitor" };
  /** A cancel was asked for (by a request, or the monitor for a run over its max runtime). */
  runCancelRequested: { runId: string; status: RunStatus };
  /** A schedule or sensor was started or stopped. */
  instigatorChanged: { name: string; type: InstigatorState["type"]; status: InstigatorStatus };
  /** A schedule's or sensor's tick launched runs in this process. */
  tick: { instigator: { type: string; name: string }; runId: string };
  /** A backfill moved on (partitions launched, finished, canceled). */
  backfillChanged: { backfillId: string | null };
  /** The code was loaded again, well or not. */
  codeReloaded: { ok: boolean; codeVersion: string | null; changedFiles: string[] };
  /** The database became unreachable (`down: true`), or reachable again. */
  storageOutage: { down: true; since: string; message: string } | { down: false; lastedSeconds: number };
  /** A daemon loop has not completed a pass for longer than its threshold. */
  loopStalled: { loop: string; lastBeatAt: string; stalledForSeconds: number };
  /** A stalled loop completed a pass again. */
  loopRecovered: { loop: string; stalledForSeconds: number };
}

/** The name of a daemon event. */
export type DaemonEventName = keyof DaemonEvents;

/** The events after which what the HTTP API shows may have changed (event streams wake up). */
export const STATE_CHANGE_EVENTS: readonly DaemonEventName[] = [
  "runQueued",
  "runsStarted",
  "runEvent",
  "runEnded",
  "runCancelRequested",
  "instigatorChanged",
  "backfillChanged",
  "codeReloaded",
];

/** The listening side of a {@link TypedEmitter}. */
export interface EventSource<Events> {
  /** Calls `listener` with each `name` event; returns a function that stops it. */
  on<K extends keyof Events>(name: K, listener: (payload: Events[K]) => void): () => void;
  /** Calls `listener` with every event; returns a function that stops it. */
  onAny(listener: <K extends keyof Events>(name: K, payload: Events[K]) => void): () => void;
}

/** The daemon's events, as its listeners see them. */
export type DaemonEventSource = EventSource<DaemonEvents>;

/**
 * A small typed emitter. A listener that throws is ignored: no listener can break the part of the
 * daemon that emitted, nor keep the other listeners from hearing.
 */
export class TypedEmitter<Events> implements EventSource<Events> {
  private readonly listeners = new Map<keyof Events, Set<(payload: never) => void>>();
  private readonly any = new Set<(name: keyof Events, payload: unknown) => void>();

  on<K extends keyof Events>(name: K, listener: (payload: Events[K]) => void): () => void {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    const stored = listener as (payload: never) => void;
    set.add(stored);
    return () => void set.delete(stored);
  }

  onAny(listener: <K extends keyof Events>(name: K, payload: Events[K]) => void): () => void {
    const stored = listener as (name: keyof Events, payload: unknown) => void;
    this.any.add(stored);
    return () => void this.any.delete(stored);
  }

  emit<K extends keyof Events>(name: K, payload: Events[K]): void {
    for (const listener of [...(this.listeners.get(name) ?? [])]) {
      try {
        (listener as (payload: Events[K]) => void)(payload);
      } catch {
        // See the class comment.
      }
    }
    for (const listener of [...this.any]) {
      try {
        listener(name, payload);
      } catch {
        // See the class comment.
      }
    }
  }
}

/** Calls `listener` after any of `names` (no payload: for "something changed, look again"). */
export function onAnyOf<Events>(source: EventSource<Events>, names: readonly (keyof Events)[], listener: () => void): () => void {
  const wanted = new Set(names);
  return source.onAny((name) => {
    if (wanted.has(name)) listener();
  });
}
