/**
 * Project discovery (DESIGN.md §1): `tributary.yaml` in the working folder or a parent; without
 * one, the entry is `definitions.ts` (or `src/definitions.ts`) in the working folder.
 */
import { existsSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, parse as parsePath, relative, resolve } from "node:path";
import { ConfigError } from "../errors";
import { redactConnectionString } from "../redact";
import { STATE_DIR_NAME, storageConfigFromUrl, type StorageConfig } from "../storage";
import { locateSetting, readConfigFile } from "./configFile";
import type { ConfigFileContents } from "./configSchema";

/** The name of the project file. */
export const CONFIG_FILE_NAME = "tributary.yaml";
/** Entry files tried, in order, when there is no tributary.yaml. */
export const DEFAULT_ENTRY_FILES = ["definitions.ts", "src/definitions.ts"] as const;
export { STATE_DIR_NAME };
/** Environment variable that overrides the storage of tributary.yaml. */
export const DATABASE_URL_ENV = "TRIBUTARY_DATABASE_URL";

/** The project has no entry file: no tributary.yaml nor definitions.ts, or `entry:` names no file. */
export class MissingEntryError extends ConfigError {}

/** Where the storage settings came from, for messages ("storage: PostgreSQL (TRIBUTARY_DATABASE_URL)"). */
export type StorageSource = "default" | "tributary.yaml" | typeof DATABASE_URL_ENV;

/**
 * The sections of tributary.yaml read as written once checked: `daemon?` and `notifications?`,
 * each with its defaults filled and durations in seconds (docs/configuration.md lists their keys);
 * absent when the file does not set them. Every section of the schema but `entry`, `storage` and
 * `executor` (resolved into `ProjectConfig`'s own fields), so a section added to the schema
 * arrives here by itself, typed.
 */
export type ConfigSections = Omit<ConfigFileContents, "entry" | "storage" | "executor">;

/** A project's resolved configuration: every path absolute. */
export interface ProjectConfig extends ConfigSections {
  /** The folder of tributary.yaml, or the working folder when there is none. */
  projectDir: string;
  /** Absolute path of tributary.yaml, or null when the project has none. */
  configFile: string | null;
  /** Absolute path of the TypeScript file whose default export is `definitions(...)`. */
  entryFile: string;
  /** Where runs and events are stored. @defaultValue SQLite at `<storageDir>/tributary.db` */
  storage: StorageConfig;
  storageSource: StorageSource;
  /**
   * The `.tributary/` folder next to the project: default home of the SQLite `tributary.db`, of
   * the filesystem I/O manager's `storage/` and of compiled code (`build/`).
   */
  storageDir: string;
  executor: { maxConcurrency?: number };
}

/**
 * Finds and resolves the project that `cwd` belongs to.
 *
 * @param env - Environment for `${VAR}` interpolation and `TRIBUTARY_DATABASE_URL`.
 * @throws ConfigError when there is no project, or tributary.yaml is invalid (with file:line).
 * @example
 * ```ts
 * const config = findProjectConfig(process.cwd());
 * const storage = await openStorage(config.storage);
 * ```
 */
export function findProjectConfig(cwd: string, env: NodeJS.ProcessEnv = process.env): ProjectConfig {
  const start = resolve(cwd);
  const configFile = findUp(start, CONFIG_FILE_NAME);
  if (configFile) return configFromFile(configFile, env);

  const entryFile = DEFAULT_ENTRY_FILES.map((name) => join(start, name)).find(isFile);
  if (!entryFile) {
    throw new MissingEntryError(`No Tributary project in ${start}: no ${CONFIG_FILE_NAME} here or in a parent folder, and no ${DEFAULT_ENTRY_FILES.join(" or ")}`, {
      hint: "Run `tributary init` to create a project here, or cd into your project's folder.",
    });
  }
  return finish({ projectDir: start, configFile: null, entryFile, contents: {}, env });
}

/** Resolves the configuration of a project whose tributary.yaml is `configFile`. */
export function configFromFile(configFile: string, env: NodeJS.ProcessEnv = process.env): ProjectConfig {
  const contents = readConfigFile(configFile, env);
  const projectDir = dirname(configFile);
  let entryFile: string;
  if (contents.entry !== undefined) {
    entryFile = resolve(projectDir, contents.entry);
    if (!isFile(entryFile)) {
      const location = locateSetting(configFile, "entry");
      const message = `entry "${contents.entry}" does not exist (${entryFile})`;
      throw new MissingEntryError(location ? message : `${configFile}: ${message}`, {
        hint: "Point `entry:` at the .ts file whose default export is definitions(...), relative to tributary.yaml.",
        ...(location ? { location } : {}),
      });
    }
  } else {
    const found = DEFAULT_ENTRY_FILES.map((name) => join(projectDir, name)).find(isFile);
    if (!found) {
      throw new MissingEntryError(`no entry file: \`entry:\` is not set and there is no ${DEFAULT_ENTRY_FILES.join(" or ")} next to it`, {
        hint: "Add `entry: path/to/definitions.ts` to tributary.yaml.",
        location: { file: configFile, line: 1, column: 1 },
      });
    }
    entryFile = found;
  }
  return finish({ projectDir, configFile, entryFile, contents, env });
}

function finish(input: {
  projectDir: string;
  configFile: string | null;
  entryFile: string;
  contents: ReturnType<typeof readConfigFile>;
  env: NodeJS.ProcessEnv;
}): ProjectConfig {
  const { projectDir, configFile, entryFile, env } = input;
  const { entry: _entry, storage: written, executor, ...sections } = input.contents;
  const storageDir = join(projectDir, STATE_DIR_NAME);
  let storage: StorageConfig = { kind: "sqlite", path: join(storageDir, "tributary.db") };
  let storageSource: StorageSource = "default";
  const override = env[DATABASE_URL_ENV];
  if (override !== undefined && override.trim() !== "") {
    storage = withSchema(resolveStorage(override, projectDir, DATABASE_URL_ENV), undefined);
    storageSource = DATABASE_URL_ENV;
  } else if (written) {
    storage = withSchema(resolveStorage(written.url, projectDir, "storage.url", configFile ?? undefined), written.schema);
    storageSource = "tributary.yaml";
  }
  return {
    ...sections,
    projectDir,
    configFile,
    entryFile,
    storage,
    storageSource,
    storageDir,
    executor: { ...executor },
  };
}

/** Relative SQLite paths are relative to the project folder, wherever the command runs from. */
function resolveStorage(url: string, projectDir: string, where: string, configFile?: string): StorageConfig {
  let parsed: StorageConfig;
  try {
    parsed = storageConfigFromUrl(url);
  } catch (error) {
    if (error instanceof ConfigError) {
      // Written in tributary.yaml: point at the value (`tributary validate` reports it there).
      const location = configFile ? locateSetting(configFile, where) : undefined;
      const message = `${where}: ${error.message}`;
      throw new ConfigError(location || !configFile ? message : `${configFile}: ${message}`, {
        ...(error.hint !== undefined ? { hint: error.hint } : {}), cause: error, ...(location ? { location } : {}),
      });
    }
    throw error;
  }
  if (parsed.kind === "sqlite" && parsed.path !== ":memory:" && !isAbsolute(parsed.path)) {
    return { kind: "sqlite", path: resolve(projectDir, parsed.path) };
  }
  return parsed;
}

function withSchema(storage: StorageConfig, schema: string | undefined): StorageConfig {
  if (schema === undefined || storage.kind !== "postgres") return storage;
  return { ...storage, schema };
}

/** Describes the storage in one line without credentials, for CLI output. */
export function describeStorage(config: ProjectConfig): string {
  const storage = config.storage;
  if (storage.kind === "sqlite") {
    const shown = storage.path === ":memory:" ? storage.path : relativeOrAbsolute(config.projectDir, storage.path);
    return `SQLite ${shown}`;
  }
  return `PostgreSQL ${redactConnectionString(storage.url)}${storage.schema ? ` (schema ${storage.schema})` : ""}`;
}

/** A path relative to `from` when it is inside it, absolute otherwise. */
export function relativeOrAbsolute(from: string, path: string): string {
  const rel = relative(from, path);
  return rel === "" || rel.startsWith("..") || isAbsolute(rel) ? path : rel;
}

function findUp(start: string, name: string): string | undefined {
  let dir = start;
  const { root } = parsePath(start);
  for (;;) {
    const candidate = join(dir, name);
    if (isFile(candidate)) return candidate;
    if (dir === root) return undefined;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function isFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile();
}
