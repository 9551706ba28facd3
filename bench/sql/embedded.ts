/**
 * bench/sql/embedded: which embedded analytical warehouse `sqlAsset` uses when a project names none.
 * The same 10,000,000-row orders table and the same mart (`CREATE TABLE AS` an aggregate by
 * customer and day) built by DuckDB (`@duckdb/node-api`) and by SQLite (better-sqlite3, WAL), each in
 * a file under a temporary folder. Reports the time to open the file, load and mart times, the file
 * size, and the ratio. `--rows 100` is the sample's size (samples/warehouse: ~100 rows per table).
 *
 *   npx tsx bench/sql/embedded.ts [--rows 10000000]
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { DuckDBInstance } from "@duckdb/node-api";
import Database from "better-sqlite3";

const { values } = parseArgs({ options: { rows: { type: "string", default: "10000000" } } });
const rows = Number(values.rows);
const dir = mkdtempSync(path.join(os.tmpdir(), "tributary-embedded-"));

// Both engines generate the rows themselves, so the load measures the engine, not Node.
const MART = `create table mart as
  select customer_id, day, count(*) as orders, sum(amount) as revenue, avg(amount) as average
  from orders group by customer_id, day`;

async function duckdb() {
  const file = path.join(dir, "warehouse.duckdb");
  let start = performance.now();
  const instance = await DuckDBInstance.create(file);
  const connection = await instance.connect();
  const openMs = performance.now() - start;
  start = performance.now();
  await connection.run(`create table orders as select i as id, i % 50000 as customer_id, (i % 365) as day,
    (i % 1000) / 10.0 as amount from range(${rows}) t(i)`);
  const loadMs = performance.now() - start;
  start = performance.now();
  await connection.run(MART);
  const martMs = performance.now() - start;
  const reader = await connection.runAndReadAll("select count(*)::integer as n from mart");
  const martRows = Number(reader.getRowObjects()[0]!.n);
  connection.closeSync();
  instance.closeSync();
  return { openMs, loadMs, martMs, martRows, bytes: statSync(file).size };
}

function sqlite() {
  const file = path.join(dir, "warehouse.sqlite");
  let start = performance.now();
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  const openMs = performance.now() - start;
  start = performance.now();
  db.exec(`create table orders as with recursive r(i) as (select 0 union all select i + 1 from r where i < ${rows - 1})
    select i as id, i % 50000 as customer_id, i % 365 as day, (i % 1000) / 10.0 as amount from r`);
  const loadMs = performance.now() - start;
  start = performance.now();
  db.exec(MART);
  const martMs = performance.now() - start;
  const martRows = (db.prepare("select count(*) as n from mart").get() as { n: number }).n;
  db.close();
  return { openMs, loadMs, martMs, martRows, bytes: statSync(file).size };
}

async function main() {
  try {
  const duck = await duckdb();
  const lite = sqlite();
  const fmt = (r: { openMs: number; loadMs: number; martMs: number; martRows: number; bytes: number }) =>
    `open ${r.openMs.toFixed(1)} ms, load ${(r.loadMs / 1000).toFixed(3)} s, mart ${(r.martMs / 1000).toFixed(3)} s (${r.martRows} rows), file ${(r.bytes / 1e6).toFixed(0)} MB`;
  console.log(`${rows} rows, ${os.cpus().length} cores`);
  console.log(`DuckDB: ${fmt(duck)}`);
  console.log(`SQLite: ${fmt(lite)}`);
  console.log(`mart SQLite / DuckDB: ${(lite.martMs / duck.martMs).toFixed(2)}x`);
} finally {
  rmSync(dir, { recursive: true, force: true });
  }
}
void main();
