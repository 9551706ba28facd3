/** Asset freshness on SQLite: the last known freshness state of each asset, changed by compare-and-set. */
import type { AssetFreshnessRecord, FreshnessStorage } from "../port";
import type { Row } from "../rows";
import type { SqliteConnection } from "./connection";

/** The {@link FreshnessStorage} of a SqliteStorage. */
export class SqliteFreshness implements FreshnessStorage {
  constructor(private readonly connection: SqliteConnection) {}

  async listAssetFreshness(): Promise<AssetFreshnessRecord[]> {
    return (this.connection.statement("SELECT asset_key, state, since FROM asset_freshness ORDER BY asset_key").all() as Row[]).map((row) => ({
      assetKey: String(row.asset_key),
      state: String(row.state),
      since: String(row.since),
    }));
  }

  async transitionAssetFreshness(assetKey: string, expected: string | null, next: string, at: string): Promise<boolean> {
    const result =
      expected === null
        ? this.connection.statement("INSERT INTO asset_freshness (asset_key, state, since) VALUES (?, ?, ?) ON CONFLICT (asset_key) DO NOTHING").run(assetKey, next, at)
        : this.connection.statement("UPDATE asset_freshness SET state = ?, since = ? WHERE asset_key = ? AND state = ?").run(next, at, assetKey, expected);
    return result.changes === 1;
  }
}
