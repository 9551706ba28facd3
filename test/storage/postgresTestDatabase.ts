/**
 * The PostgreSQL test database: each storage gets a schema of its own, dropped afterwards, so tests
 * never see each other's rows nor touch a user's tables. A test database that cannot be reached is
 * a failure, never a skip.
 */
import { randomBytes } from "node:crypto";
import { Client } from "pg";
import { PostgresStorage } from "../../runtime/src/storage/postgres/storage";
import { redactConnectionString } from "../../runtime/src/redact";

/** The database the tests use. */
export const TEST_DATABASE_URL = process.env.TRIBUTARY_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/** A schema name nobody else uses. */
export function uniqueSchemaName(): string {
  return `tributary_test_${randomBytes(6).toString("hex")}`;
}

let reachable: Promise<void> | undefined;

/**
 * Throws a message naming the URL and the variable to set when the test database is unreachable.
 * Checked once per process.
 */
export function assertTestDatabaseReachable(): Promise<void> {
  reachable ??= checkReachable();
  return reachable;
}

async function checkReachable(): Promise<void> {
  const client = new Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
  } catch (error) {
    throw new Error(
      `The PostgreSQL tests cannot connect to ${redactConnectionString(TEST_DATABASE_URL)} (${(error as Error).message}). ` +
        "Start PostgreSQL there, or set TRIBUTARY_TEST_DATABASE_URL to a database the tests may create schemas in.",
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A migrated storage in a fresh schema. */
export async function makeTestStorage(schema = uniqueSchemaName()): Promise<PostgresStorage> {
  const storage = new PostgresStorage(TEST_DATABASE_URL, { schema, maxConnections: 4 });
  await storage.migrate();
  return storage;
}

/** Drops the storage's schema and closes its pool. */
export async function disposeTestStorage(storage: PostgresStorage): Promise<void> {
  try {
    await storage.pool.query(`DROP SCHEMA IF EXISTS "${storage.schema}" CASCADE`);
  } finally {
    await storage.close();
  }
}

/** The test database's URL naming a fresh schema (`?schema=`), for a daemon that opens its own storage there. */
export function testSchemaUrl(schema = uniqueSchemaName()): { url: string; schema: string } {
  const url = new URL(TEST_DATABASE_URL);
  url.searchParams.set("schema", schema);
  return { url: url.toString(), schema };
}

/** Drops a schema that a daemon made in the test database ({@link testSchemaUrl}). */
export async function dropTestSchema(schema: string): Promise<void> {
  const client = new Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
