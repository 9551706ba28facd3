/**
 * Opening the SQLite database and preparing statements on it.
 *
 * Several processes (the CLI, a daemon, run workers) share one file: WAL lets readers proceed while
 * one writer commits, and busy_timeout makes a writer wait for the lock instead of failing at once.
 * A path that cannot be a database (a folder, a missing folder, another kind of file) is the
 * user's configuration to fix, so it is a ConfigError that says how, never the driver's error.
 */
import { existsSync, mkdirSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import Database from "better-sqlite3";
import { ConfigError } from "../../errors";

/**
 * Tributary's own folder next to a project (the default SQLite database, compiled code, stored
 * values). It is created when missing; any other folder a database path names must exist, so that
 * a typo does not silently start an empty database.
 */
export const STATE_DIR_NAME = ".tributary";

/** Where a wrong path can be fixed, for hints. */
const WHERE_TO_FIX = "storage.url in tributary.yaml or TRIBUTARY_DATABASE_URL";

/** SQLite's codes for "this path is not a database we can open" (rather than a busy or broken one). */
const CANNOT_OPEN = new Set(["SQLITE_CANTOPEN", "SQLITE_NOTADB", "SQLITE_PERM", "SQLITE_READONLY"]);

/** Prepares `sql` on the storage's connection, or returns the statement prepared for it before. */
export type PrepareStatement = (sql: string) => Database.Statement;

/** The one connection of a SqliteStorage, shared by its concern modules (runs, events, ...). */
export interface SqliteConnection {
  db: Database.Database;
  /** Prepares on `db` once per SQL text (see {@link statementCache}). */
  statement: PrepareStatement;
}

/**
 * Opens the database at `path` (or `:memory:`) in WAL mode; a write waits up to `busyTimeoutMs` for
 * another process's lock before failing with SQLITE_BUSY.
 */
export function openDatabase(path: string, busyTimeoutMs: number): Database.Database {
  if (path !== ":memory:") checkDatabasePath(path);
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { timeout: busyTimeoutMs });
    db.pragma("journal_mode = WAL");
    // NORMAL in WAL mode: a commit survives a crash of the process (what we promise); only an OS
    // crash or power loss can lose the last commits, and the file never corrupts.
    db.pragma("synchronous = NORMAL");
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    return db;
  } catch (error) {
    db?.close();
    const code = (error as { code?: unknown }).code;
    if (typeof code !== "string" || !CANNOT_OPEN.has(code)) throw error;
    throw new ConfigError(`Cannot open the SQLite database ${path}: ${(error as Error).message}`, {
      cause: error,
      hint: `Point ${WHERE_TO_FIX} at a SQLite file Tributary may read and write (or at a new file in an existing folder).`,
    });
  }
}

/**
 * Refuses a folder and a path in a missing folder, with what to do; creates a missing
 * {@link STATE_DIR_NAME} folder (and its parents).
 */
function checkDatabasePath(path: string): void {
  if (statSync(path, { throwIfNoEntry: false })?.isDirectory()) {
    throw new ConfigError(`The SQLite database path ${path} is a folder, not a file`, {
      hint: `Name a file in it, e.g. ${join(path, "tributary.db")}, in ${WHERE_TO_FIX}.`,
    });
  }
  const folder = dirname(resolve(path));
  if (existsSync(folder)) return;
  if (basename(folder) === STATE_DIR_NAME) {
    mkdirSync(folder, { recursive: true });
    return;
  }
  throw new ConfigError(`The folder of the SQLite database ${path} does not exist: ${folder}`, {
    hint: `Create it (mkdir -p ${folder}) or correct ${WHERE_TO_FIX}. Only Tributary's own ${STATE_DIR_NAME}/ folder is created automatically.`,
  });
}

/**
 * A {@link PrepareStatement} that prepares each distinct SQL text once on `db` and reuses it after.
 * Statements are prepared on first use: the tables they name exist only after migrate().
 */
export function statementCache(db: Database.Database): PrepareStatement {
  const statements = new Map<string, Database.Statement>();
  return (sql) => {
    let statement = statements.get(sql);
    if (!statement) {
      statement = db.prepare(sql);
      statements.set(sql, statement);
    }
    return statement;
  };
}
