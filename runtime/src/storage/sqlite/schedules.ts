/** Schedules and ticks on SQLite: each schedule's and sensor's state, and its ticks. */
import type { InstigatorState, TickRecord } from "../../types";
import type { NewTick, ScheduleStorage, TickUpdate, TickListOptions } from "../port";
import { tickNotFound } from "../errors";
import { nowIso, rowToInstigatorState, rowToTick, tickUpdateAssignments, type Row } from "../rows";
import type { SqliteConnection } from "./connection";

/** The {@link ScheduleStorage} of a SqliteStorage. */
export class SqliteSchedules implements ScheduleStorage {
  constructor(private readonly connection: SqliteConnection) {}

  async getInstigatorState(name: string): Promise<InstigatorState | null> {
    const row = this.connection.statement("SELECT * FROM instigator_states WHERE name = ?").get(name) as Row | undefined;
    return row ? rowToInstigatorState(row) : null;
  }

  async setInstigatorState(state: Parameters<ScheduleStorage["setInstigatorState"]>[0]): Promise<InstigatorState> {
    // An omitted cursor keeps the stored one (starting a sensor must not reset where it was).
    const row = this.connection.statement(
      `INSERT INTO instigator_states (name, type, status, cursor, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET type = excluded.type, status = excluded.status,
         cursor = CASE WHEN ? THEN excluded.cursor ELSE instigator_states.cursor END, updated_at = excluded.updated_at
       RETURNING *`,
    ).get(state.name, state.type, state.status, state.cursor ?? null, nowIso(), state.cursor === undefined ? 0 : 1) as Row;
    return rowToInstigatorState(row);
  }

  async listInstigatorStates(): Promise<InstigatorState[]> {
    return (this.connection.statement("SELECT * FROM instigator_states ORDER BY name").all() as Row[]).map(rowToInstigatorState);
  }

  async createTick(tick: NewTick): Promise<TickRecord | null> {
    const now = nowIso();
    const row = this.connection.statement(
      `INSERT INTO ticks (instigator_name, instigator_type, tick_time, status, cursor, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (instigator_name, tick_time) DO NOTHING
       RETURNING *`,
    ).get(tick.instigatorName, tick.instigatorType, tick.tickTime, tick.status, tick.cursor ?? null, now, now) as Row | undefined;
    return row ? rowToTick(row) : null;
  }

  async updateTick(tickId: number, update: TickUpdate): Promise<TickRecord> {
    const assignments: [string, unknown][] = [...tickUpdateAssignments(update), ["updated_at", nowIso()]];
    const row = this.connection.db
      .prepare(`UPDATE ticks SET ${assignments.map(([column]) => `${column} = ?`).join(", ")} WHERE tick_id = ? RETURNING *`)
      .get(...assignments.map(([, value]) => value), tickId) as Row | undefined;
    if (!row) throw tickNotFound(tickId);
    return rowToTick(row);
  }

  async listTicks(instigatorName: string, options: TickListOptions = {}): Promise<TickRecord[]> {
    const { before } = options;
    const rows = (
      before
        ? this.connection
            .statement("SELECT * FROM ticks WHERE instigator_name = ? AND (tick_time, tick_id) < (?, ?) ORDER BY tick_time DESC, tick_id DESC LIMIT ?")
            .all(instigatorName, before.tickTime, before.tickId, options.limit ?? 100)
        : this.connection.statement("SELECT * FROM ticks WHERE instigator_name = ? ORDER BY tick_time DESC, tick_id DESC LIMIT ?").all(instigatorName, options.limit ?? 100)
    ) as Row[];
    return rows.map(rowToTick);
  }
}
