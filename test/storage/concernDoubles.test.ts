/**
 * Each storage concern can be implemented and tested alone: in-memory doubles of ScheduleStorage
 * and DaemonStorage (no database, no other concern) pass their parts of the conformance suite, the
 * same parts SQLite and PostgreSQL pass. And the composition of a backend's storage from its
 * concern modules keeps what callers rely on: methods a proxy can wrap and a test can replace, and
 * an optional method absent where the backend cannot provide it.
 */
import assert from "node:assert/strict";
import type { DaemonStorage, NewTick, ScheduleStorage, TickUpdate } from "../../runtime/src/storage/port";
import { tickNotFound } from "../../runtime/src/storage/errors";
import { SqliteStorage } from "../../runtime/src/storage/sqlite/storage";
import type { InstigatorState, TickRecord } from "../../runtime/src/types";
import { daemonConformance, newRun, scheduleConformance } from "./conformance";

/** ScheduleStorage in memory: ticks unique per (instigator, tick time), as the tables' keys make them. */
class MemorySchedules implements ScheduleStorage {
  private readonly states = new Map<string, InstigatorState>();
  private readonly ticks: TickRecord[] = [];

  async getInstigatorState(name: string): Promise<InstigatorState | null> {
    return this.states.get(name) ?? null;
  }

  async setInstigatorState(state: Parameters<ScheduleStorage["setInstigatorState"]>[0]): Promise<InstigatorState> {
    const cursor = state.cursor === undefined ? (this.states.get(state.name)?.cursor ?? null) : state.cursor;
    const stored = { name: state.name, type: state.type, status: state.status, cursor, updatedAt: new Date().toISOString() };
    this.states.set(state.name, stored);
    return { ...stored };
  }

  async listInstigatorStates(): Promise<InstigatorState[]> {
    return [...this.states.values()].sort((a, b) => a.name.localeCompare(b.name)).map((state) => ({ ...state }));
  }

  async createTick(tick: NewTick): Promise<TickRecord | null> {
    if (this.ticks.some((other) => other.instigatorName === tick.instigatorName && other.tickTime === tick.tickTime)) return null;
    const now = new Date().toISOString();
    const created: TickRecord = {
      ...tick,
      tickId: this.ticks.length + 1,
      runIds: [],
      runKeys: [],
      skipReason: null,
      error: null,
      cursor: tick.cursor ?? null,
      createdAt: now,
      updatedAt: now,
    };
    this.ticks.push(created);
    return { ...created };
  }

  async updateTick(tickId: number, update: TickUpdate): Promise<TickRecord> {
    const tick = this.ticks.find((candidate) => candidate.tickId === tickId);
    if (!tick) throw tickNotFound(tickId);
    const defined = Object.fromEntries(Object.entries(update).filter(([, value]) => value !== undefined));
    Object.assign(tick, defined, { updatedAt: new Date().toISOString() });
    return { ...tick };
  }

  async listTicks(instigatorName: string, options: { limit?: number; before?: { tickTime: string; tickId: number } } = {}): Promise<TickRecord[]> {
    const { before } = options;
    return this.ticks
      .filter((tick) => tick.instigatorName === instigatorName)
      .filter((tick) => !before || tick.tickTime < before.tickTime || (tick.tickTime === before.tickTime && tick.tickId < before.tickId))
      .sort((a, b) => b.tickTime.localeCompare(a.tickTime) || b.tickId - a.tickId)
      .slice(0, options.limit ?? 100)
      .map((tick) => ({ ...tick }));
  }
}

/** DaemonStorage in memory. */
class MemoryDaemons implements DaemonStorage {
  private readonly heartbeats = new Map<string, { daemonId: string; info: Record<string, unknown>; at: string }>();

  async recordDaemonHeartbeat(daemonId: string, info: Record<string, unknown>, at: string): Promise<void> {
    this.heartbeats.set(daemonId, { daemonId, info: structuredClone(info), at });
  }

  async listDaemonHeartbeats(): Promise<{ daemonId: string; info: Record<string, unknown>; at: string }[]> {
    return [...this.heartbeats.values()].sort((a, b) => a.daemonId.localeCompare(b.daemonId));
  }
}

const inMemory = <S>(make: () => S) => ({ name: "in-memory double", makeStorage: async () => make(), dispose: async () => undefined });

scheduleConformance(inMemory(() => new MemorySchedules()));
daemonConformance(inMemory(() => new MemoryDaemons()));

describe("a storage composed from its concern modules", () => {
  let storage: SqliteStorage;
  beforeEach(async () => {
    storage = new SqliteStorage(":memory:");
    await storage.migrate();
  });
  afterEach(() => storage.close());

  it("lets a proxy wrap its concern methods and a test replace one, as the outage watch and tests do", async () => {
    const calls: string[] = [];
    const watched = new Proxy(storage, {
      get(target, property) {
        const value: unknown = Reflect.get(target, property, target);
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          calls.push(String(property));
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    const run = await watched.createRun(newRun());
    assert.equal((await watched.getRun(run.runId))?.runId, run.runId);
    assert.deepEqual(calls, ["createRun", "getRun"]);
    const original = storage.getRun;
    storage.getRun = async () => null;
    assert.equal(await storage.getRun(run.runId), null);
    storage.getRun = original;
    assert.equal((await storage.getRun(run.runId))?.runId, run.runId);
  });

  it("has no listenForQueuedRuns on SQLite, which cannot notify, and copies no method into a spread", () => {
    assert.equal("listenForQueuedRuns" in storage, false);
    assert.equal(typeof storage.claimQueuedRuns, "function");
    assert.deepEqual(
      Object.keys({ ...storage }).filter((key) => typeof (storage as unknown as Record<string, unknown>)[key] === "function"),
      [],
    );
  });
});
