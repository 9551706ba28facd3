/**
 * The comparison that chose the SQL parser (docs/performance.md, "SQL parser"): libpg-query
 * (PostgreSQL's own parser, WebAssembly) against pgsql-ast-parser (pure JS), on correctness (a
 * corpus of analytics queries PostgreSQL accepts, and of broken ones it rejects) and on speed.
 * pgsql-ast-parser is not a dependency of the project:
 *
 *   npm i --no-save pgsql-ast-parser@12 && npx tsx bench/sql-analysis/parsers.ts
 */
import { loadModule, parseSync } from "libpg-query";

/** Queries as the analysis sees them: `${asset}` already replaced by a placeholder such as `_0__`. */
const VALID = [
  "select n * 2 as d from _0__",
  "select a.id, b.name from _0__ a join _1__ b on a.id = b.id where a.x > $1",
  "with t as (select id, sum(x) as total from _0__ group by id) select * from t",
  "select id, count(*) filter (where status = 'ok') as ok from _0__ group by id",
  "select id, row_number() over (partition by g order by ts desc) as rn from _0__",
  "select distinct on (id) id, ts from _0__ order by id, ts desc",
  "select id::text as sid, x->>'k' as k from _0__",
  "select * from _0__ union all select * from _1__",
  "select coalesce(a, b) as c, case when x > 0 then 'p' else 'n' end as sign from _0__",
  "select id from _0__ where id in (select id from _1__)",
  "select date_trunc('day', ts) as day, percentile_cont(0.5) within group (order by x) as med from _0__ group by 1",
  "select t.id, l.v from _0__ t cross join lateral (select t.id * 2 as v) l",
  "select id, x from _0__ tablesample system (10)",
  "select id, array_agg(x order by ts) as xs from _0__ group by id",
  "select id from _0__ where x is distinct from 3",
  "select id, grouping(g) from _0__ group by rollup (g, id)",
  "select * from _0__ natural join _1__",
  "select id, ts at time zone 'UTC' as utc from _0__",
  "select (x).f as f from _0__",
  "select id from _0__ where name ilike 'a%' and x between 1 and 2",
];
const INVALID = ["select from where", "select a, from t", "select * fro t", "select (a from t", "selec 1"];

async function main(): Promise<void> {
  await loadModule();
  let jsParser: { parse(sql: string, options?: { locationTracking?: boolean }): unknown };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    jsParser = require("pgsql-ast-parser") as typeof jsParser;
  } catch {
    console.error("pgsql-ast-parser is not installed: npm i --no-save pgsql-ast-parser@12");
    process.exitCode = 2;
    return;
  }
  const parsers: [string, (sql: string) => unknown][] = [
    ["libpg-query 18", (sql) => parseSync(sql)],
    ["pgsql-ast-parser 12", (sql) => jsParser.parse(sql, { locationTracking: true })],
  ];
  const accepts = (parse: (sql: string) => unknown, sql: string): boolean => {
    try {
      parse(sql);
      return true;
    } catch {
      return false;
    }
  };
  const both = VALID.filter((sql) => parsers.every(([, parse]) => accepts(parse, sql)));
  const runs = 20_000;
  for (const [name, parse] of parsers) {
    const accepted = VALID.filter((sql) => accepts(parse, sql));
    const rejected = INVALID.filter((sql) => !accepts(parse, sql)).length;
    for (let i = 0; i < 2000; i++) parse(both[i % both.length] as string);
    const started = performance.now();
    for (let i = 0; i < runs; i++) parse(both[i % both.length] as string);
    const perQuery = ((performance.now() - started) / runs) * 1000;
    const refused = VALID.filter((sql) => !accepted.includes(sql));
    console.log(`${name}: accepts ${accepted.length}/${VALID.length} valid, rejects ${rejected}/${INVALID.length} invalid, ${perQuery.toFixed(0)} µs a query (the ${both.length} both accept)${refused.length > 0 ? `; refuses: ${refused.join(" | ")}` : ""}`);
  }
}

void main();
