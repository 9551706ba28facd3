/**
 * Opening a storage from configuration. The rest of Tributary depends only on the {@link Storage}
 * port; this module is the one place that knows which backends exist.
 */
import { ConfigError } from "../errors";
import type { Storage } from "./port";
import { PostgresStorage } from "./postgres/storage";
import { redactConnectionString } from "../redact";
import { SqliteStorage } from "./sqlite/storage";

/** Where Tributary keeps its state. */
export type StorageConfig =
  | {
      kind: "sqlite";
      /**
       * The database file, or `:memory:`. Its folder must exist, except Tributary's own
       * `.tributary/` folder, which is created when missing.
       */
      path: string;
    }
  | {
      kind: "postgres";
      /** `postgres://user:password@host:5432/database` */
      url: string;
      /**
       * Schema holding Tributary's tables; created when missing.
       * @defaultValue "public"
       */
      schema?: string;
      /**
       * Prepare statements once per connection. `false` behind a pooler that cannot keep them
       * (PgBouncer in transaction mode before 1.21); the URL parameter `?preparedStatements=false` sets it.
       * @defaultValue true
       */
      preparedStatements?: boolean;
    };

/** Options of {@link openStorage}. */
export interface OpenStorageOptions {
  /**
   * Apply pending migrations before returning (and refuse a database newer than this code).
   * With `false`, the caller migrates (or only reads); PostgreSQL is still pinged so a wrong URL
   * fails here.
   * @defaultValue true
   */
  migrate?: boolean;
}

/**
 * Opens (and by default migrates) the storage that `config` describes.
 *
 * @example
 * ```ts
 * const storage = await openStorage(storageConfigFromUrl(process.env.TRIBUTARY_DATABASE_URL ?? ".tributary/tributary.db"));
 * ```
 * @throws StorageVersionError when the database was migrated by a newer tributary.
 * @throws StorageConnectionError when PostgreSQL cannot be reached.
 * @throws ConfigError when a SQLite path is a folder, is in a missing folder (other than
 * `.tributary/`), or is not a SQLite database.
 */
export async function openStorage(config: StorageConfig, options: OpenStorageOptions = {}): Promise<Storage> {
  let storage: SqliteStorage | PostgresStorage;
  if (config.kind === "sqlite") {
    storage = new SqliteStorage(config.path);
  } else {
    storage = new PostgresStorage(config.url, {
      ...(config.schema === undefined ? {} : { schema: config.schema }),
      ...(config.preparedStatements === undefined ? {} : { preparedStatements: config.preparedStatements }),
    });
  }
  try {
    if (options.migrate ?? true) await storage.migrate();
    else await storage.ping();
  } catch (error) {
    await storage.close().catch(() => undefined);
    throw error;
  }
  return storage;
}

/**
 * Maps a database URL to a {@link StorageConfig}: `postgres://` and `postgresql://` URLs select
 * PostgreSQL (a `?schema=name` parameter selects the schema, `?preparedStatements=false` turns prepared
 * statements off); `sqlite:PATH`, `sqlite://PATH` or a plain
 * file path (or `:memory:`) selects SQLite.
 *
 * @example
 * ```ts
 * storageConfigFromUrl("postgres://tributary@db/tributary?schema=prod"); // { kind: "postgres", url: "postgres://tributary@db/tributary", schema: "prod" }
 * storageConfigFromUrl(".tributary/tributary.db"); // { kind: "sqlite", path: ".tributary/tributary.db" }
 * ```
 */
export function storageConfigFromUrl(url: string): StorageConfig {
  const trimmed = url.trim();
  if (trimmed === "") {
    throw new ConfigError("The database URL is empty", {
      hint: "Set TRIBUTARY_DATABASE_URL to postgres://user@host:5432/database or to a SQLite file path.",
    });
  }
  if (/^postgres(ql)?:\/\//i.test(trimmed)) {
    const parsed = parseUrl(trimmed);
    const schema = parsed.searchParams.get("schema");
    const prepared = parsed.searchParams.get("preparedStatements");
    if (schema === null && prepared === null) return { kind: "postgres", url: trimmed };
    if (prepared !== null && prepared !== "true" && prepared !== "false") {
      throw new ConfigError(`The database URL's preparedStatements parameter must be true or false, not "${prepared}"`, {
        hint: "Write ?preparedStatements=false behind a pooler that cannot keep prepared statements, or leave it out.",
      });
    }
    // Tributary's own parameters are not the driver's: take them off the URL it connects with.
    parsed.searchParams.delete("schema");
    parsed.searchParams.delete("preparedStatements");
    return {
      kind: "postgres",
      url: parsed.toString(),
      ...(schema === null ? {} : { schema }),
      ...(prepared === null ? {} : { preparedStatements: prepared === "true" }),
    };
  }
  if (/^sqlite:/i.test(trimmed)) {
    const path = trimmed.replace(/^sqlite:(\/\/)?/i, "");
    if (path === "") {
      throw new ConfigError(`The SQLite URL "${url}" names no file`, { hint: "Write sqlite:.tributary/tributary.db or just the path." });
    }
    return { kind: "sqlite", path };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) {
    throw new ConfigError(`Unsupported database URL ${redactConnectionString(trimmed)}`, {
      hint: "Tributary stores its state in PostgreSQL (postgres://...) or SQLite (a file path or sqlite:PATH).",
    });
  }
  return { kind: "sqlite", path: trimmed };
}

function parseUrl(url: string): URL {
  try {
    return new URL(url);
  } catch (error) {
    throw new ConfigError(`Invalid PostgreSQL URL ${redactConnectionString(url)}`, {
      cause: error,
      hint: "Expected postgres://user:password@host:5432/database (percent-encode special characters in the password).",
    });
  }
}

export type {
  DaemonStorage,
  EventStorage,
  NewTick,
  PartitionStorage,
  RunFilter,
  RunStorage,
  RunUpdate,
  ScheduleStorage,
  Storage,
  StorageLifecycle,
  TickUpdate,
} from "./port";
export { SqliteStorage, type SqliteStorageOptions } from "./sqlite/storage";
export { STATE_DIR_NAME } from "./sqlite/connection";
export { PostgresStorage, type PostgresStorageOptions } from "./postgres/storage";
export { BufferedEventWriter, type BufferedEventWriterOptions } from "./eventWriter";
export { EventWriteError, RunConflictError, RunStatusConflictError, StorageConnectionError, StorageNotFoundError } from "./errors";
export { StorageVersionError } from "../errors";
