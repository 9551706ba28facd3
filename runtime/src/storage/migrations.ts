/**
 * What the per-dialect migration lists have in common. Migrations are numbered and append-only:
 * a released migration is never edited, a change is a new number. They live in TypeScript arrays
 * (not .sql files) so they are part of the compiled code and nothing has to be copied at build time.
 */
import { StorageVersionError } from "../errors";

/** One schema migration. `version` numbers start at 1 and have no gaps. */
export interface Migration {
  version: number;
  /** Short snake_case description, recorded in `tributary_schema_migrations`. */
  name: string;
  /** One or more SQL statements, applied in one transaction with the version record. */
  sql: string;
}

/** The highest version in a migration list. */
export function latestVersion(migrations: readonly Migration[]): number {
  return migrations.reduce((max, migration) => Math.max(max, migration.version), 0);
}

/** Fails fast (at import time in tests) when a migration list has gaps or duplicates. */
export function assertMigrationList(dialect: string, migrations: readonly Migration[]): readonly Migration[] {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(`${dialect} migration #${index} has version ${migration.version}; expected ${index + 1}`);
    }
  });
  return migrations;
}

/**
 * Refuses a database migrated by a newer Tributary: its tables may have columns or meanings this
 * code does not know, and writing to them could corrupt data the newer version relies on.
 */
export function assertDatabaseNotNewer(databaseVersion: number, migrations: readonly Migration[], where: string): void {
  const supported = latestVersion(migrations);
  if (databaseVersion > supported) {
    throw new StorageVersionError(
      `The database ${where} has schema version ${databaseVersion}, but this tributary supports up to version ${supported}.`,
      {
        hint:
          "It was migrated by a newer tributary. Upgrade tributary (npm install tributary-ts@latest) in every " +
          "process that uses this database, or point this one at another database.",
      },
    );
  }
}

/** The migrations a database at `databaseVersion` still needs, in order. */
export function pendingMigrations(databaseVersion: number, migrations: readonly Migration[]): Migration[] {
  return migrations.filter((migration) => migration.version > databaseVersion);
}
