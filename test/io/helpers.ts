/** Contexts and fixtures shared by the I/O manager tests. */
import type { InputContext, OutputContext } from "../../runtime/src/definitions/ioManager";
import type { Logger } from "../../runtime/src/definitions/context";

export const silentLog: Logger = { debug() {}, info() {}, warn() {}, error() {} };

export function outputContext(assetKey: string, extra: Partial<OutputContext> = {}): OutputContext {
  return { assetKey, runId: "run-1", partitionKey: null, definitionMetadata: {}, log: silentLog, ...extra };
}

export function inputContext(assetKey: string, extra: Partial<InputContext> = {}): InputContext {
  return {
    assetKey,
    downstreamKey: "downstream_asset",
    runId: "run-2",
    partitionKey: null,
    definitionMetadata: {},
    log: silentLog,
    ...extra,
  };
}

/** Rows exercising every column kind the table managers infer, with NULLs and a missing field. */
export function typedRows(): Record<string, unknown>[] {
  return [
    {
      id: 1,
      name: "Michael",
      amount: 10.5,
      active: true,
      first_order: "2018-01-01",
      updated_at: new Date("2024-05-01T10:00:00.123Z"),
      attributes: { tier: "gold", tags: ["a", "b"] },
      mixed: 1,
      big: 9007199254740993n,
      note: null,
    },
    {
      id: 2,
      name: "Shawn, \"the\" 'quoted' \u00e9",
      amount: 3,
      active: false,
      first_order: null,
      updated_at: null,
      attributes: [1, 2, 3],
      mixed: "one",
      big: null,
      note: "second",
    },
    { id: 3 },
  ];
}

/** What {@link typedRows} reads back from a table: every column present, missing fields NULL. */
export function typedRowsReadBack(): Record<string, unknown>[] {
  const columns = Object.keys(typedRows()[0]!);
  return typedRows().map((row) => Object.fromEntries(columns.map((column) => [column, row[column] ?? null])));
}

/** `count` rows `{ id, label }` for atomic-replacement tests. */
export function numberedRows(count: number, label: string): { id: number; label: string }[] {
  return Array.from({ length: count }, (_, index) => ({ id: index + 1, label }));
}

/** The PostgreSQL the tests use (real server; see preamble). */
export const TEST_DATABASE_URL = process.env.TRIBUTARY_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/** Yields to the event loop once, so I/O in flight makes progress. */
export const nextTick = () => new Promise<void>((resolve) => setImmediate(resolve));
