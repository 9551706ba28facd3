/** Built-in I/O managers: where asset values are stored between steps and runs. */
export { NeverMaterializedError, UnsupportedValueError } from "./errors";
export { FilesystemIOManager, filesystemIOManager, writeFileAtomically, type FilesystemIOManagerOptions } from "./filesystem";
export { MemoryIOManager, memoryIOManager } from "./memory";
export { SqliteTableIOManager, sqliteTableIOManager, type SqliteTableIOManagerOptions } from "./sqliteTable";
export { PostgresTableIOManager, postgresTableIOManager, type PostgresTableIOManagerOptions } from "./postgresTable";
export { inferColumns, type Column, type ColumnKind } from "./columns";
