/**
 * Asset freshness on PostgreSQL: the last known freshness state of each asset, changed by
 * compare-and-set. Two daemons racing on one change: the second UPDATE waits for the first's row
 * lock, re-reads the row (READ COMMITTED) and no longer matches `expected`; the second INSERT meets
 * the first's key and does nothing. Either way exactly one of them gets a row back.
 */
import type { AssetFreshnessRecord, FreshnessStorage } from "../port";
import type { PostgresConnection } from "./connection";

/** The {@link FreshnessStorage} of a PostgresStorage. */
export class PostgresFreshness implements FreshnessStorage {
  constructor(private readonly connection: PostgresConnection) {}

  async listAssetFreshness(): Promise<AssetFreshnessRecord[]> {
    return (await this.connection.query("SELECT asset_key, state, since FROM asset_freshness ORDER BY asset_key COLLATE \"C\"")).map((row) => ({
      assetKey: String(row.asset_key),
      state: String(row.state),
      since: String(row.since),
    }));
  }

  async transitionAssetFreshness(assetKey: string, expected: string | null, next: string, at: string): Promise<boolean> {
    const rows =
      expected === null
        ? await this.connection.query(
            "INSERT INTO asset_freshness (asset_key, state, since) VALUES ($1, $2, $3) ON CONFLICT (asset_key) DO NOTHING RETURNING asset_key",
            [assetKey, next, at],
          )
        : await this.connection.query(
            "UPDATE asset_freshness SET state = $1, since = $2 WHERE asset_key = $3 AND state = $4 RETURNING asset_key",
            [next, at, assetKey, expected],
          );
    return rows.length === 1;
  }
}
