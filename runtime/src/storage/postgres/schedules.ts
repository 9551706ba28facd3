/** Schedules and ticks on PostgreSQL: each schedule's and sensor's state, and its ticks (unique per instigator and tick time). */
import type { InstigatorState, TickRecord } from "../../types";
import type { NewTick, ScheduleStorage, TickUpdate, TickListOptions } from "../port";
import { tickNotFound } from "../errors";
import { nowIso, rowToInstigatorState, rowToTick, tickUpdateAssignments } from "../rows";
import type { PostgresConnection } from "./connection";

/** The {@link ScheduleStorage} of a PostgresStorage. */
export class PostgresSchedules implements ScheduleStorage {
  constructor(private readonly connection: PostgresConnection) {}

  async getInstigatorState(name: string): Promise<InstigatorState | null> {
    const [row] = await this.connection.query("SELECT * FROM instigator_states WHERE name = $1", [name]);
    return row ? rowToInstigatorState(row) : null;
  }

  async setInstigatorState(state: Parameters<ScheduleStorage["setInstigatorState"]>[0]): Promise<InstigatorState> {
    // An omitted cursor keeps the stored one (starting a sensor must not reset where it was).
    const [row] = await this.connection.query(
      `INSERT INTO instigator_states (name, type, status, cursor, updated_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (name) DO UPDATE SET type = excluded.type, status = excluded.status,
         cursor = CASE WHEN $6::boolean THEN excluded.cursor ELSE instigator_states.cursor END, updated_at = excluded.updated_at
       RETURNING *`,
      [state.name, state.type, state.status, state.cursor ?? null, nowIso(), state.cursor !== undefined],
    );
    return rowToInstigatorState(row!);
  }

  async listInstigatorStates(): Promise<InstigatorState[]> {
    return (await this.connection.query("SELECT * FROM instigator_states ORDER BY name")).map(rowToInstigatorState);
  }

  async createTick(tick: NewTick): Promise<TickRecord | null> {
    const now = nowIso();
    const [row] = await this.connection.query(
      `INSERT INTO ticks (instigator_name, instigator_type, tick_time, status, cursor, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $6)
       ON CONFLICT (instigator_name, tick_time) DO NOTHING
       RETURNING *`,
      [tick.instigatorName, tick.instigatorType, tick.tickTime, tick.status, tick.cursor ?? null, now],
    );
    return row ? rowToTick(row) : null;
  }

  async updateTick(tickId: number, update: TickUpdate): Promise<TickRecord> {
    const assignments: [string, unknown][] = [...tickUpdateAssignments(update), ["updated_at", nowIso()]];
    const sets = assignments.map(([column], index) => `${column} = $${index + 2}`).join(", ");
    const [row] = await this.connection.query(`UPDATE ticks SET ${sets} WHERE tick_id = $1 RETURNING *`, [
      tickId,
      ...assignments.map(([, value]) => value),
    ]);
    if (!row) throw tickNotFound(tickId);
    return rowToTick(row);
  }

  async listTicks(instigatorName: string, options: TickListOptions = {}): Promise<TickRecord[]> {
    const { before } = options;
    const rows = before
      ? await this.connection.query(
          "SELECT * FROM ticks WHERE instigator_name = $1 AND (tick_time, tick_id) < ($3, $4) ORDER BY tick_time DESC, tick_id DESC LIMIT $2",
          [instigatorName, options.limit ?? 100, before.tickTime, before.tickId],
        )
      : await this.connection.query("SELECT * FROM ticks WHERE instigator_name = $1 ORDER BY tick_time DESC, tick_id DESC LIMIT $2", [
          instigatorName,
          options.limit ?? 100,
        ]);
    return rows.map(rowToTick);
  }
}
