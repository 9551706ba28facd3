/** Daemon heartbeats on PostgreSQL: the last heartbeat of each daemon process. */
import type { DaemonStorage } from "../port";
import { rowToDaemonHeartbeat } from "../rows";
import type { PostgresConnection } from "./connection";

/** The {@link DaemonStorage} of a PostgresStorage. */
export class PostgresDaemons implements DaemonStorage {
  constructor(private readonly connection: PostgresConnection) {}

  async recordDaemonHeartbeat(daemonId: string, info: Record<string, unknown>, at: string): Promise<void> {
    await this.connection.query(
      `INSERT INTO daemon_heartbeats (daemon_id, info, at) VALUES ($1, $2, $3)
       ON CONFLICT (daemon_id) DO UPDATE SET info = excluded.info, at = excluded.at`,
      [daemonId, JSON.stringify(info), at],
    );
  }

  async listDaemonHeartbeats(): Promise<{ daemonId: string; info: Record<string, unknown>; at: string }[]> {
    return (await this.connection.query("SELECT * FROM daemon_heartbeats ORDER BY daemon_id")).map(rowToDaemonHeartbeat);
  }
}
