/**
 * Small helpers of the sample: CSV parsing, paths, previews. Plain functions, no Tributary
 * API, so they are easy to test and reuse.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/** A CSV column's type in a {@link readCsvTable} schema. */
export type CsvColumnType = "integer" | "text" | "date";

/** Row type produced by a schema: integers become numbers, text and dates stay strings. */
export type CsvRow<S extends Record<string, CsvColumnType>> = { [K in keyof S]: S[K] extends "integer" ? number : string };

/**
 * Parses CSV text into records (arrays of fields). Handles LF and CRLF line endings (raw_orders.csv
 * uses CRLF: a naive split on "\n" would leave "\r" at the end of every status), quoted fields with
 * "" escapes, and a missing final newline. Blank lines are skipped.
 */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = "";
  let quoted = false;
  let fieldStarted = false;
  const endField = () => {
    record.push(field);
    field = "";
    fieldStarted = false;
  };
  const endRecord = () => {
    endField();
    if (!(record.length === 1 && record[0] === "")) records.push(record);
    record = [];
  };
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text; // a byte-order mark is not data
  for (let i = 0; i < body.length; i++) {
    const char = body[i]!;
    if (quoted) {
      if (char === '"' && body[i + 1] === '"') {
        field += '"';
        i++;
      } else if (char === '"') {
        quoted = false;
      } else {
        field += char;
      }
    } else if (char === '"' && !fieldStarted) {
      quoted = true;
      fieldStarted = true;
    } else if (char === ",") {
      endField();
    } else if (char === "\r" && body[i + 1] === "\n") {
      // CRLF: the "\n" that follows ends the record.
    } else if (char === "\n" || char === "\r") {
      endRecord();
    } else {
      field += char;
      fieldStarted = true;
    }
  }
  if (field !== "" || record.length > 0) endRecord();
  return records;
}

/**
 * Reads a CSV file with a header row and converts each column to its type. Errors name the file,
 * the line and the column.
 *
 * @example readCsvTable("data/raw_orders.csv", { id: "integer", user_id: "integer", order_date: "date", status: "text" })
 */
export function readCsvTable<S extends Record<string, CsvColumnType>>(file: string, schema: S): CsvRow<S>[] {
  const [header, ...records] = parseCsv(readFileSync(file, "utf8"));
  const expected = Object.keys(schema);
  if (!header || header.join(",") !== expected.join(",")) {
    throw new Error(`${file}:1: expected the header "${expected.join(",")}", found "${header?.join(",") ?? ""}"`);
  }
  return records.map((fields, index) => {
    const line = index + 2;
    if (fields.length !== expected.length) {
      throw new Error(`${file}:${line}: expected ${expected.length} fields, found ${fields.length}`);
    }
    const row: Record<string, string | number> = {};
    expected.forEach((column, position) => {
      row[column] = convert(fields[position]!, schema[column]!, `${file}:${line}: column ${column}`);
    });
    return row as CsvRow<S>;
  });
}

function convert(value: string, type: CsvColumnType, where: string): string | number {
  switch (type) {
    case "integer":
      if (!/^-?\d+$/.test(value)) throw new Error(`${where}: "${value}" is not an integer`);
      return Number(value);
    case "date":
      if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) throw new Error(`${where}: "${value}" is not a YYYY-MM-DD date`);
      return value;
    default:
      return value;
  }
}

/**
 * The sample's folder: the nearest folder holding tributary.yaml, looking up from this code's
 * folder (from source, or from the compiled bundle in .tributary/build) and then from the working
 * directory.
 */
export function projectRoot(): string {
  const starts = [typeof __dirname === "string" ? __dirname : undefined, process.cwd()];
  for (const start of starts) {
    if (!start) continue;
    for (let dir = resolve(start); ; dir = dirname(dir)) {
      if (existsSync(join(dir, "tributary.yaml")) && existsSync(join(dir, "data"))) return dir;
      if (dirname(dir) === dir) break;
    }
  }
  throw new Error("Cannot find the warehouse sample's folder (tributary.yaml with data/ next to it); set WAREHOUSE_DATA_DIR");
}

/** Folder of the source CSVs: `WAREHOUSE_DATA_DIR`, or the sample's `data/`. */
export function dataDir(): string {
  return process.env.WAREHOUSE_DATA_DIR || join(projectRoot(), "data");
}

/** The first rows of a table, for materialization metadata (shown in the CLI and the editor). */
export function preview<T>(rows: readonly T[], count = 5): T[] {
  return rows.slice(0, count);
}
