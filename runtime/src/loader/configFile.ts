/**
 * Reads and checks `tributary.yaml`. Every problem is a {@link ConfigError} that names the file,
 * the line and the field, with a hint, because a config typo should take seconds to fix.
 */
import { readFileSync } from "node:fs";
import { isMap, isScalar, LineCounter, parse as parseYaml, parseDocument, type Node, type Pair, type YAMLMap } from "yaml";
import { ConfigError, type SourceLocation } from "../errors";
import { suggest } from "../selection/suggest";
import { interpolateEnv, MissingVariableError } from "./interpolate";

/** The contents of tributary.yaml, checked and interpolated (paths still as written). */
export interface ConfigFileContents {
  /** Entry file, relative to the config file's folder. */
  entry?: string;
  storage?: { url: string; schema?: string };
  executor?: { maxConcurrency?: number };
  /** Passed through as written (interpolated) for the daemon's own settings. */
  daemon?: Record<string, unknown>;
  /** Passed through as written (interpolated) for notification settings. */
  notifications?: Record<string, unknown>;
}

type FieldKind = "string" | "positiveInteger" | "object";

/** The schema of tributary.yaml: section -> field -> kind. `daemon`/`notifications` are free-form. */
const SECTIONS = {
  entry: "string",
  storage: { url: "string", schema: "string" },
  executor: { maxConcurrency: "positiveInteger" },
  daemon: "object",
  notifications: "object",
} as const satisfies Record<string, FieldKind | Record<string, FieldKind>>;

const EXAMPLE = [
  "entry: src/definitions.ts",
  "storage:",
  "  url: ${TRIBUTARY_DATABASE_URL:-.tributary/tributary.db}",
  "executor:",
  "  maxConcurrency: 4",
].join("\n");

/** Reads, parses and checks a tributary.yaml file. */
export function readConfigFile(file: string, env: NodeJS.ProcessEnv): ConfigFileContents {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new ConfigError(`Cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
  return parseConfigText(text, file, env);
}

/**
 * Parses tributary.yaml text. Interpolation applies to every string value (not to keys), after
 * parsing, so positions in error messages stay those of the file as written.
 */
export function parseConfigText(text: string, file: string, env: NodeJS.ProcessEnv): ConfigFileContents {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const fail = (offset: number | undefined, message: string, hint: string): never => {
    if (offset === undefined) throw new ConfigError(`${file}: ${message}`, { hint });
    const { line, col } = lineCounter.linePos(offset);
    throw new ConfigError(message, { hint, location: { file, line, column: col } });
  };

  const syntaxError = document.errors[0];
  if (syntaxError) {
    const firstLine = syntaxError.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
    fail(syntaxError.pos[0], `invalid YAML: ${firstLine}`, "Fix the YAML syntax (indent with spaces, quote values that contain ': ' or '#').");
  }
  if (document.contents === null) return {};
  if (!isMap(document.contents)) {
    fail(document.contents.range?.[0], "tributary.yaml must be a mapping of settings", `For example:\n${EXAMPLE}`);
  }

  const toValue = (node: unknown, field: string): unknown => {
    // Resolve aliases and collections to plain JS first, then interpolate their strings.
    if (isScalar(node)) return interpolateScalar(node as Node & { value: unknown; type?: string }, field);
    const plain = (node as Node).toJSON() as unknown;
    return interpolateDeep(plain, field, (node as Node).range?.[0]);
  };
  const interpolateScalar = (node: Node & { value: unknown; type?: string }, field: string): unknown => {
    if (typeof node.value !== "string") return node.value;
    const replaced = interpolateOrFail(node.value, field, node.range?.[0]);
    // An unquoted `${N}` stands for what N would have been if written in place: a number, a boolean.
    if (replaced !== node.value && node.type === "PLAIN") {
      try {
        return parseYaml(replaced) as unknown;
      } catch {
        return replaced;
      }
    }
    return replaced;
  };
  const interpolateOrFail = (value: string, field: string, offset: number | undefined): string => {
    try {
      return interpolateEnv(value, env);
    } catch (error) {
      if (!(error instanceof MissingVariableError)) throw error;
      return fail(offset, `${field}: environment variable ${error.variable} is not set`,
        `Set ${error.variable}, or give a default: \${${error.variable}:-value}.`);
    }
  };
  const interpolateDeep = (value: unknown, field: string, offset: number | undefined): unknown => {
    if (typeof value === "string") return interpolateOrFail(value, field, offset);
    if (Array.isArray(value)) return value.map((item) => interpolateDeep(item, field, offset));
    if (value !== null && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, interpolateDeep(item, `${field}.${key}`, offset)]));
    }
    return value;
  };

  const result: Record<string, unknown> = {};
  for (const pair of (document.contents as YAMLMap).items as Pair[]) {
    const name = keyName(pair, fail);
    const keyOffset = (pair.key as Node | null)?.range?.[0];
    const schema = (SECTIONS as Record<string, FieldKind | Record<string, FieldKind>>)[name];
    if (schema === undefined) {
      const guess = suggest(name, Object.keys(SECTIONS));
      fail(keyOffset, `unknown setting "${name}"`, guess ? `Did you mean "${guess}"?` : `Known settings: ${Object.keys(SECTIONS).join(", ")}.`);
    }
    const valueNode = pair.value as Node | null;
    const valueOffset = valueNode?.range?.[0] ?? keyOffset;
    if (typeof schema === "string") {
      result[name] = checkKind(toValue(valueNode, name), schema, name, valueOffset, fail);
      continue;
    }
    if (!isMap(valueNode)) {
      fail(valueOffset, `${name} must be a mapping`, `For example:\n${EXAMPLE}`);
    }
    const section: Record<string, unknown> = {};
    for (const fieldPair of (valueNode as YAMLMap).items as Pair[]) {
      const fieldName = keyName(fieldPair, fail);
      const fieldOffset = (fieldPair.key as Node | null)?.range?.[0];
      const kind = (schema as Record<string, FieldKind>)[fieldName];
      if (kind === undefined) {
        const known = Object.keys(schema);
        const guess = suggest(fieldName, known);
        fail(fieldOffset, `unknown setting "${name}.${fieldName}"`, guess ? `Did you mean "${name}.${guess}"?` : `${name} takes: ${known.join(", ")}.`);
      }
      const fieldValueNode = fieldPair.value as Node | null;
      section[fieldName] = checkKind(toValue(fieldValueNode, `${name}.${fieldName}`), kind!, `${name}.${fieldName}`, fieldValueNode?.range?.[0] ?? fieldOffset, fail);
    }
    if (name === "storage" && section["url"] === undefined) {
      fail(valueOffset, "storage.url is missing", "Set storage.url to a postgres:// URL or a SQLite file path, or remove the storage section for the default (.tributary/tributary.db).");
    }
    result[name] = section;
  }
  return result as ConfigFileContents;
}

/**
 * Where the value of a top-level setting (`entry`) or a section's field (`storage.url`) is written
 * in tributary.yaml, for errors found after parsing (an entry file that does not exist).
 */
export function locateSetting(file: string, field: string): SourceLocation | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false });
  const node = document.getIn(field.split("."), true) as Node | undefined;
  const offset = node?.range?.[0];
  if (offset === undefined) return undefined;
  const { line, col } = lineCounter.linePos(offset);
  return { file, line, column: col };
}

function keyName(pair: Pair, fail: (offset: number | undefined, message: string, hint: string) => never): string {
  const key = pair.key as Node | null;
  if (isScalar(key) && (typeof key.value === "string" || typeof key.value === "number")) return String(key.value);
  return fail(key?.range?.[0], "setting names must be plain words", "Write settings as `name: value`.");
}

function checkKind(
  value: unknown,
  kind: FieldKind,
  field: string,
  offset: number | undefined,
  fail: (offset: number | undefined, message: string, hint: string) => never,
): unknown {
  switch (kind) {
    case "string":
      if (typeof value === "string" && value.trim() !== "") return value;
      return fail(offset, `${field} must be a non-empty string, not ${describe(value)}`, `Write ${field} as text, e.g. ${exampleFor(field)}.`);
    case "positiveInteger":
      if (typeof value === "number" && Number.isInteger(value) && value >= 1) return value;
      return fail(offset, `${field} must be a whole number >= 1, not ${describe(value)}`, `For example: ${field.split(".").pop()}: 4`);
    case "object":
      if (value === null || value === undefined) return {};
      if (typeof value === "object" && !Array.isArray(value)) return value;
      return fail(offset, `${field} must be a mapping, not ${describe(value)}`, `Write ${field}: followed by indented settings.`);
  }
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return "empty";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return `${typeof value} ${JSON.stringify(value)}`;
}

function exampleFor(field: string): string {
  switch (field) {
    case "entry":
      return "entry: src/definitions.ts";
    case "storage.url":
      return "url: postgres://user@localhost:5432/tributary";
    case "storage.schema":
      return "schema: tributary";
    default:
      return `${field}: value`;
  }
}
