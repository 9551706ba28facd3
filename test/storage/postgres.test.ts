import type { Storage } from "../../runtime/src/storage/port";
import { latestVersion } from "../../runtime/src/storage/migrations";
import { POSTGRES_MIGRATIONS } from "../../runtime/src/storage/postgres/migrations";
import { redactConnectionString } from "../../runtime/src/redact";
import type { PostgresStorage } from "../../runtime/src/storage/postgres/storage";
import { storageConformance } from "./conformance";
import { assertTestDatabaseReachable, disposeTestStorage, makeTestStorage, TEST_DATABASE_URL } from "./postgresTestDatabase";

describe(`PostgreSQL test database (${redactConnectionString(TEST_DATABASE_URL)})`, () => {
  it("is reachable (set TRIBUTARY_TEST_DATABASE_URL to use another one)", async () => {
    await assertTestDatabaseReachable();
  });
});

storageConformance(
  "PostgreSQL (a schema per test)",
  async () => {
    await assertTestDatabaseReachable();
    return makeTestStorage();
  },
  (storage) => disposeTestStorage(storage as PostgresStorage),
  {
    supportedVersion: latestVersion(POSTGRES_MIGRATIONS),
    async recordSchemaVersion(storage: Storage, version: number) {
      await (storage as PostgresStorage).pool.query(
        "INSERT INTO tributary_schema_migrations (version, name, applied_at) VALUES ($1, 'from_the_future', $2)",
        [version, new Date().toISOString()],
      );
    },
  },
);
