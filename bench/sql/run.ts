/**
 * bench/sql: a 10,000,000-row mart built by a `sqlAsset` in PostgreSQL, side by side with the same
 * `CREATE TABLE AS` sent through psql. Both read the same 10M-row orders table and 50,000-row
 * customers table; they alternate (who goes first alternates too), four times each, and the medians are compared.
 * Ratio = Tributary's run (plan, events, build, swap, metadata) / psql's process (connect, CTAS).
 * Goal (issue 16): <= 1.1x.
 *
 *   npx tsx bench/sql/run.ts [--rows 10000000] [--repeat 4] [--write-docs]
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { Pool } from "pg";
import { definitions } from "../../runtime/src/definitions/definitions";
import { executeInProcess } from "../../runtime/src/execution/executor";
import { postgresResource } from "../../runtime/src/resources/postgres";
import { sqlAsset } from "../../runtime/src/sql/sqlAsset";
import { sql } from "../../runtime/src/sql/template";
import { openStorage } from "../../runtime/src/storage";
import { writePerformanceSection } from "../docs";
import { goalVerdict } from "../verdict";

const { values } = parseArgs({
  options: { rows: { type: "string", default: "10000000" }, repeat: { type: "string", default: "4" }, "write-docs": { type: "boolean", default: false } },
});
const rows = Number(values.rows);
const repeat = Number(values.repeat);
const url = process.env.TRIBUTARY_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const schema = `bench_sql_${randomBytes(3).toString("hex")}`;

const MART_SELECT = `select o.id, o.customer_id, c.segment, o.day, o.amount, o.amount * 1.2 as amount_with_tax
  from orders as o join customers as c on c.customer_id = o.customer_id`;

const orders = sqlAsset({ key: "orders", query: sql`select 1 as id` }); // already built: the bench selects only the mart
const customers = sqlAsset({ key: "customers", query: sql`select 1 as customer_id` });
const mart = sqlAsset({
  key: "mart",
  query: sql`select o.id, o.customer_id, c.segment, o.day, o.amount, o.amount * 1.2 as amount_with_tax
  from ${orders} as o join ${customers} as c on c.customer_id = o.customer_id`,
});

function median(list: number[]): number {
  const sorted = [...list].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

async function main(): Promise<void> {
  const admin = new Pool({ connectionString: url, max: 2 });
  await admin.query(`create schema ${schema}`);
  const storageDir = mkdtempSync(path.join(os.tmpdir(), "tributary-bench-sql-"));
  try {
    await admin.query(`set search_path to ${schema}`);
    await admin.query(`create table ${schema}.customers as select g as customer_id, (array['retail','smb','enterprise'])[1 + g % 3] as segment from generate_series(0, 49999) g`);
    await admin.query(`create table ${schema}.orders as select g as id, g % 50000 as customer_id, date '2024-01-01' + (g % 365) as day, (g % 1000) / 10.0 as amount from generate_series(1, ${rows}) g`);
    await admin.query(`analyze ${schema}.orders; analyze ${schema}.customers`);
    const psqlMs: number[] = [];
    const tributaryMs: number[] = [];
    const runPsql = async () => {
      await admin.query(`drop table if exists ${schema}.mart_psql`);
      const start = performance.now();
      const psql = spawnSync("psql", [url, "-v", "ON_ERROR_STOP=1", "-q", "-c", `set search_path to ${schema}; create table mart_psql as ${MART_SELECT}`], { encoding: "utf8" });
      psqlMs.push(performance.now() - start);
      if (psql.status !== 0) throw new Error(`psql failed: ${psql.stderr}`);
    };
    const runTributary = async () => {
      const storage = await openStorage({ kind: "sqlite", path: ":memory:" });
      const start = performance.now();
      const result = await executeInProcess({
        definitions: definitions({ assets: [orders, customers, mart], resources: { warehouse: postgresResource({ connectionString: url, schema }) } }),
        storage,
        storageDir,
        selection: "mart",
      });
      tributaryMs.push(performance.now() - start);
      await storage.close();
      if (result.status !== "SUCCESS") throw new Error(`the run failed: ${JSON.stringify(result.steps)}`);
    };
    for (let i = 0; i < repeat; i++) {
      // Alternate who goes first: the first build of a round pays for checkpoints and cold caches.
      const order = i % 2 === 0 ? [runPsql, runTributary] : [runTributary, runPsql];
      for (const build of order) await build();
      console.log(`round ${i + 1}: psql ${(psqlMs[i]! / 1000).toFixed(2)} s, Tributary ${(tributaryMs[i]! / 1000).toFixed(2)} s`);
    }
    const { rows: counted } = await admin.query(`select (select count(*) from ${schema}.mart)::int as tributary, (select count(*) from ${schema}.mart_psql)::int as psql`);
    const ratio = median(tributaryMs) / median(psqlMs);
    const verdict = goalVerdict("Tributary / psql <= 1.1", 1.1, "x", [{ label: "measured", value: ratio }], 2);
    const lines = [
      `${rows.toLocaleString("en-US")}-row orders joined to 50,000 customers into a ${Number(counted[0]!.tributary).toLocaleString("en-US")}-row mart (psql's: ${Number(counted[0]!.psql).toLocaleString("en-US")}), PostgreSQL 15, ${os.cpus().length} cores shared with other work, ${new Date().toISOString().slice(0, 10)}; ${repeat} rounds alternating which goes first, medians.`,
      "",
      "| | median | rounds |",
      "| --- | --- | --- |",
      `| psql \`CREATE TABLE AS\` | ${(median(psqlMs) / 1000).toFixed(2)} s | ${psqlMs.map((ms) => (ms / 1000).toFixed(2)).join(", ")} |`,
      `| Tributary \`sqlAsset\` run (table, swapped in, row count and columns recorded) | ${(median(tributaryMs) / 1000).toFixed(2)} s | ${tributaryMs.map((ms) => (ms / 1000).toFixed(2)).join(", ")} |`,
      "",
      `Ratio ${ratio.toFixed(2)}x. ${verdict}.`,
      "",
      "Run: `npx tsx bench/sql/run.ts --write-docs`.",
    ];
    console.log(lines.join("\n"));
    if (values["write-docs"]) writePerformanceSection("SQL assets: a 10M-row mart in PostgreSQL (bench/sql)", lines.join("\n"));
  } finally {
    await admin.query(`drop schema ${schema} cascade`);
    await admin.end();
    rmSync(storageDir, { recursive: true, force: true });
  }
}

void main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
