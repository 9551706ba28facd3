/**
 * Opening the SQLite database and preparing statements on it.
 *
 * Several processes (the CLI, a daemon, run workers) share one file: WAL lets readers proceed while
 * one writer commits, and busy_timeout makes a writer wait for the lock instead of failing at once.
 */
import Database from "better-sqlite3";

/** Prepares `sql` on the storage's connection, or returns the statement prepared for it before. */
export type PrepareStatement = (sql: string) => Database.Statement;

/**
 * Opens the database at `path` (or `:memory:`) in WAL mode; a write waits up to `busyTimeoutMs` for
 * another process's lock before failing with SQLITE_BUSY.
 */
export function openDatabase(path: string, busyTimeoutMs: number): Database.Database {
  const db = new Database(path, { timeout: busyTimeoutMs });
  db.pragma("journal_mode = WAL");
  // NORMAL in WAL mode: a commit survives a crash of the process (what we promise); only an OS
  // crash or power loss can lose the last commits, and the file never corrupts.
  db.pragma("synchronous = NORMAL");
  db.pragma(`busy_timeout = ${busyTimeoutMs}`);
  return db;
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
