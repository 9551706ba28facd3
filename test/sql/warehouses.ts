/**
 * The two warehouses SQL assets run in, as the tests see them: real PostgreSQL (a schema of its
 * own) and the embedded DuckDB file under a temporary `.tributary/storage`. Each gives the
 * definitions' resources and a way to read the warehouse from outside a run.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Pool } from "pg";
import { DuckDBInstance } from "@duckdb/node-api";
import { postgresResource } from "../../runtime/src/resources/postgres";
import { TEST_DATABASE_URL } from "../io/helpers";

export interface TestWarehouse {
  readonly name: "PostgreSQL" | "embedded DuckDB";
  readonly storageDir: string;
  /** Resources for definitions(): the PostgreSQL warehouse, or none (the embedded one is built in). */
  resources(): Record<string, unknown>;
  /** Rows of a query run outside any run, numbers as numbers. */
  query(text: string): Promise<Record<string, unknown>[]>;
  /** The schema tables of one-part keys land in. */
  readonly schema: string;
  close(): Promise<void>;
}

function plain(rows: Record<string, unknown>[]): Record<string, unknown>[] {
  return rows.map((row) =>
    Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === "bigint" || (typeof v === "string" && /^-?\d+$/.test(v)) ? Number(v) : v])),
  );
}

export async function postgresWarehouse(): Promise<TestWarehouse> {
  const schema = `tributary_sql_${randomBytes(4).toString("hex")}`;
  const admin = new Pool({ connectionString: TEST_DATABASE_URL, max: 3 });
  await admin.query(`create schema ${schema}`).catch((error: Error) => {
    throw new Error(`PostgreSQL at ${TEST_DATABASE_URL} is unreachable (set TRIBUTARY_TEST_DATABASE_URL): ${error.message}`);
  });
  const storageDir = mkdtempSync(path.join(os.tmpdir(), "tributary-sql-pg-"));
  return {
    name: "PostgreSQL",
    storageDir,
    schema,
    resources: () => ({ warehouse: postgresResource({ connectionString: TEST_DATABASE_URL, schema, max: 4 }) }),
    query: async (text) => plain((await admin.query(`set search_path to ${schema}; ${text}`) as unknown as { rows: Record<string, unknown>[] }[])[1]!.rows),
    admin,
    async close() {
      await admin.query(`drop schema ${schema} cascade`);
      await admin.end();
      rmSync(storageDir, { recursive: true, force: true });
    },
  } as TestWarehouse & { admin: Pool };
}

export async function embeddedWarehouse(): Promise<TestWarehouse> {
  const storageDir = mkdtempSync(path.join(os.tmpdir(), "tributary-sql-duck-"));
  return {
    name: "embedded DuckDB",
    storageDir,
    schema: "main",
    resources: () => ({}),
    async query(text) {
      // The run closed the file when it ended; a test reads it the same way another process would.
      const instance = await DuckDBInstance.create(path.join(storageDir, "warehouse.duckdb"));
      try {
        const connection = await instance.connect();
        const reader = await connection.runAndReadAll(text);
        connection.closeSync();
        return plain(reader.getRowObjectsJS() as Record<string, unknown>[]);
      } finally {
        instance.closeSync();
      }
    },
    async close() {
      rmSync(storageDir, { recursive: true, force: true });
    },
  };
}
