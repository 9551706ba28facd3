import { SqliteStorage } from "../../runtime/src/storage/sqlite/storage";
import { latestVersion } from "../../runtime/src/storage/migrations";
import { SQLITE_MIGRATIONS } from "../../runtime/src/storage/sqlite/migrations";
import type { Storage } from "../../runtime/src/storage/port";
import { storageConformance } from "./conformance";

storageConformance(
  "SQLite (:memory:)",
  async () => {
    const storage = new SqliteStorage(":memory:");
    await storage.migrate();
    return storage;
  },
  (storage) => storage.close(),
  {
    supportedVersion: latestVersion(SQLITE_MIGRATIONS),
    async recordSchemaVersion(storage: Storage, version: number) {
      (storage as SqliteStorage).database
        .prepare("INSERT INTO tributary_schema_migrations (version, name, applied_at) VALUES (?, 'from_the_future', ?)")
        .run(version, new Date().toISOString());
    },
  },
);
