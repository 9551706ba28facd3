/**
 * Reads and checks `tributary.yaml`. The whole file is validated once against the one schema
 * (configSchema.ts); every problem is a {@link ConfigError} that names the file, the line and column
 * of the offending node, the field, what it expects and a way out, because a config typo should
 * take seconds to fix.
 */
import { readFileSync } from "node:fs";
import * as v from "valibot";
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parse as parseYaml, parseDocument, type Document, type Node, type Pair } from "yaml";
import { ConfigError, type SourceLocation } from "../errors";
import { suggest } from "../selection/suggest";
import { ConfigFileSchema, type ConfigFileContents } from "./configSchema";
import { interpolateEnv, MissingVariableError } from "./interpolate";

export type { ConfigFileContents } from "./configSchema";

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

type Fail = (offset: number | undefined, message: string, hint: string) => never;

/**
 * Parses tributary.yaml text. Interpolation applies to every string value (not to keys), after
 * parsing, so positions in error messages stay those of the file as written.
 *
 * @throws ConfigError at the first problem in the file (further ones are listed in its message).
 */
export function parseConfigText(text: string, file: string, env: NodeJS.ProcessEnv): ConfigFileContents {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const locate = (offset: number): SourceLocation => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col };
  };
  const fail: Fail = (offset, message, hint) => {
    if (offset === undefined) throw new ConfigError(`${file}: ${message}`, { hint });
    throw new ConfigError(message, { hint, location: locate(offset) });
  };

  const syntaxError = document.errors[0];
  if (syntaxError) {
    const firstLine = syntaxError.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
    fail(syntaxError.pos[0], `invalid YAML: ${firstLine}`, "Fix the YAML syntax (indent with spaces, quote values that contain ': ' or '#').");
  }
  if (document.contents === null) return {};

  const plain = toPlain(document.contents, [], document, env, fail);
  // `daemon:` with every setting commented out means the defaults, not "a mapping expected".
  if (plain !== null && typeof plain === "object" && !Array.isArray(plain)) {
    for (const [section, value] of Object.entries(plain)) if (value === null) delete (plain as Record<string, unknown>)[section];
  }
  const result = v.safeParse(ConfigFileSchema, plain);
  if (result.success) return result.output;

  const described = result.issues.map((issue) => describeIssue(issue, document));
  const problems = described
    .filter((problem, index) => described.findIndex((other) => other.offset === problem.offset && other.message === problem.message) === index)
    .sort((a, b) => (a.offset ?? 0) - (b.offset ?? 0));
  const [first, ...others] = problems;
  const more = others.map((problem) => {
    const at = problem.offset === undefined ? file : `${file}:${locate(problem.offset).line}:${locate(problem.offset).column}`;
    return `\n  also ${at}: ${problem.message}`;
  });
  return fail(first!.offset, `${first!.message}${more.join("")}`, first!.hint);
}

/**
 * The document as plain values with `${VAR}` interpolated in every string. An unquoted `${N}`
 * stands for what N would have been if written in place: a number, a boolean.
 */
function toPlain(node: unknown, path: readonly (string | number)[], document: Document, env: NodeJS.ProcessEnv, fail: Fail): unknown {
  if (isAlias(node)) return toPlain(node.resolve(document), path, document, env, fail);
  if (isMap(node)) {
    const entries: [string, unknown][] = [];
    for (const pair of node.items as Pair[]) {
      const name = keyName(pair, fail);
      entries.push([name, toPlain(pair.value, [...path, name], document, env, fail)]);
    }
    return Object.fromEntries(entries);
  }
  if (isSeq(node)) return node.items.map((item, index) => toPlain(item, [...path, index], document, env, fail));
  if (!isScalar(node)) return node === null ? null : (node as Node).toJSON();
  if (typeof node.value !== "string") return node.value;
  let replaced: string;
  try {
    replaced = interpolateEnv(node.value, env);
  } catch (error) {
    if (!(error instanceof MissingVariableError)) throw error;
    return fail(node.range?.[0], `${dotted(path)}: environment variable ${error.variable} is not set`,
      `Set ${error.variable}, or give a default: \${${error.variable}:-value}.`);
  }
  if (replaced !== node.value && node.type === "PLAIN") {
    try {
      return parseYaml(replaced) as unknown;
    } catch {
      return replaced;
    }
  }
  return replaced;
}

function keyName(pair: Pair, fail: Fail): string {
  const key = pair.key as Node | null;
  if (isScalar(key) && (typeof key.value === "string" || typeof key.value === "number")) return String(key.value);
  return fail(key?.range?.[0], "setting names must be plain words", "Write settings as `name: value`.");
}

/** `daemon.tagConcurrencyLimits[0].limit` */
function dotted(path: readonly (string | number)[]): string {
  return path.map((key, index) => (typeof key === "number" ? `[${key}]` : index === 0 ? key : `.${key}`)).join("") || "tributary.yaml";
}

interface Problem {
  offset: number | undefined;
  message: string;
  hint: string;
}

/** A valibot issue as the line, the message and the hint a user reads. */
function describeIssue(issue: v.BaseIssue<unknown>, document: Document): Problem {
  const path = (issue.path ?? []).map((item) => item.key as string | number);
  const field = dotted(path);
  const { node, pair } = nodeAt(document, path);
  const valueOffset = (node as Node | undefined)?.range?.[0];
  const keyOffset = (pair?.key as Node | undefined)?.range?.[0];
  const parentPath = path.slice(0, -1);
  const name = path[path.length - 1];

  // valibot takes a list for an object whose keys are "0", "1"...: say what it is instead.
  if (issue.type === "strict_object" && Array.isArray(issue.path?.[issue.path.length - 1]?.input)) {
    const list = nodeAt(document, parentPath).node as Node | undefined;
    return {
      offset: list?.range?.[0],
      message: `${dotted(parentPath)}: expected ${issue.message}, got a list`,
      hint: parentPath.length === 0 ? `For example:\n${EXAMPLE}` : "See docs/configuration.md.",
    };
  }
  if (issue.type === "strict_object" && issue.expected === "never" && typeof name === "string") {
    const known = knownKeys(parentPath);
    const guess = suggest(name, known);
    const where = parentPath.length === 0 ? "" : ` in ${dotted(parentPath)}`;
    return {
      offset: keyOffset ?? valueOffset,
      message: `unknown setting "${field}"`,
      hint: guess ? `Did you mean "${dotted([...parentPath, guess])}"?` : `Known settings${where}: ${known.join(", ")}.`,
    };
  }
  const schema = unwrap(schemaAt(path));
  const example = schema && typeof name === "string" ? (v.getExamples(schema) as readonly unknown[] | undefined)?.[0] : undefined;
  const description = schema ? [v.getDescription(schema), example === undefined ? undefined : `For example: ${name}: ${String(example)}`].filter(Boolean).join(" ") || undefined : undefined;
  if (path.length > 0 && pair === undefined && node === undefined && issue.input === undefined) {
    // A required key that is not written: point at its section's key.
    const parent = nodeAt(document, parentPath);
    return {
      offset: (parent.pair?.key as Node | undefined)?.range?.[0] ?? (parent.node as Node | undefined)?.range?.[0],
      message: `${field} is missing`,
      hint: `Add ${String(name)}: ${description ?? ""}`.trim(),
    };
  }
  // A check of the whole section (both spellings of a renamed key) names the key it is about.
  const got = issue.type === "raw_transform" ? issue.path?.[issue.path.length - 1]?.value : issue.input;
  return {
    offset: valueOffset ?? keyOffset,
    message: `${field}: expected ${issue.message}, got ${describeValue(got)}`,
    hint: path.length === 0 ? `For example:\n${EXAMPLE}` : description ?? "See docs/configuration.md.",
  };
}

/** The node at `path` (aliases followed) and the pair whose value it is, when it exists. */
function nodeAt(document: Document, path: readonly (string | number)[]): { node: unknown; pair: Pair | undefined } {
  let node: unknown = document.contents;
  let pair: Pair | undefined;
  for (const key of path) {
    if (isAlias(node)) node = node.resolve(document);
    if (isMap(node)) {
      pair = (node.items as Pair[]).find((item) => isScalar(item.key) && String(item.key.value) === String(key));
      node = pair?.value ?? undefined;
    } else if (isSeq(node) && typeof key === "number") {
      pair = undefined;
      node = node.items[key];
    } else {
      return { node: undefined, pair: undefined };
    }
    if (node === undefined && pair === undefined) return { node: undefined, pair: undefined };
  }
  if (isPair(node)) return { node: node.value, pair: node };
  return { node, pair };
}

/** The schema of the value at `path` (for its description and its keys), looking through optional and pipes. */
function schemaAt(path: readonly (string | number)[]): v.GenericSchema | undefined {
  let schema: v.GenericSchema | undefined = ConfigFileSchema;
  for (const key of path) {
    schema = unwrap(schema);
    if (schema === undefined) return undefined;
    if ("entries" in schema) schema = (schema.entries as Record<string, v.GenericSchema>)[key];
    else if ("item" in schema) schema = schema.item as v.GenericSchema;
    else if ("value" in schema && typeof schema.value === "object") schema = schema.value as v.GenericSchema;
    else return undefined;
  }
  return schema;
}

function unwrap(schema: v.GenericSchema | undefined): v.GenericSchema | undefined {
  let current = schema;
  while (current !== undefined && "wrapped" in current) current = current.wrapped as v.GenericSchema;
  return current;
}

/** The keys a mapping takes, for "did you mean" (deprecated spellings left out). */
function knownKeys(path: readonly (string | number)[]): string[] {
  const schema = unwrap(schemaAt(path));
  if (schema === undefined || !("entries" in schema)) return [];
  return Object.entries(schema.entries as Record<string, v.GenericSchema>)
    .filter(([, entry]) => v.getMetadata(unwrap(entry) as v.GenericSchema)?.["deprecated"] !== true)
    .map(([key]) => key);
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return `${typeof value === "string" ? "string " : ""}${JSON.stringify(value)}`;
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
