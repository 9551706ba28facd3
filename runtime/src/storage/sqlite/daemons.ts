/** Daemon heartbeats on SQLite: the last heartbeat of each daemon process. */
import type { DaemonStorage } from "../port";
import { rowToDaemonHeartbeat, type Row } from "../rows";
import type { SqliteConnection } from "./connection";

/** The {@link DaemonStorage} of a SqliteStorage. */
export class SqliteDaemons implements DaemonStorage {
  constructor(private readonly connection: SqliteConnection) {}

  async recordDaemonHeartbeat(daemonId: string, info: Record<string, unknown>, at: string): Promise<void> {
    this.connection.statement(
      `INSERT INTO daemon_heartbeats (daemon_id, info, at) VALUES (?, ?, ?)
       ON CONFLICT (daemon_id) DO UPDATE SET info = excluded.info, at = excluded.at`,
    ).run(daemonId, JSON.stringify(info), at);
  }

  async listDaemonHeartbeats(): Promise<{ daemonId: string; info: Record<string, unknown>; at: string }[]> {
    return (this.connection.statement("SELECT * FROM daemon_heartbeats ORDER BY daemon_id").all() as Row[]).map(rowToDaemonHeartbeat);
  }
}
