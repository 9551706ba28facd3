/**
 * Vocabulary of the static analysis.
 *
 * - A **file fact** is what one parse of one source file yields: its imports, exports and the
 *   Tributary definitions it contains (`asset(...)`, `schedule(...)`, ...). Syntax trees are
 *   dropped after extraction; only these facts are kept, which is what keeps a 10,000-asset
 *   workspace in a few hundred MB.
 * - A **reference** is a place in user code that points at a definition: a key string
 *   (`"raw_orders"`), an identifier (`rawOrders`) or a namespace member (`models.rawOrders`).
 * - The **project model** is the linked result over all file facts of one workspace folder: the
 *   asset graph with source locations, jobs, schedules, sensors and the diagnostics.
 *
 * Positions are 0-based (line, character in UTF-16 code units), like LSP; the CLI adds 1.
 */

/** A 0-based position in a file. */
export interface Position {
  line: number;
  character: number;
}

/** A range in a file, end exclusive. */
export interface Span {
  start: Position;
  end: Position;
}

/** A span in a given file (absolute path). */
export interface SourceLocation {
  file: string;
  span: Span;
}

/** A string literal as written in user code. */
export interface StringFact {
  value: string;
  span: Span;
}

/**
 * A place that points at a definition.
 * - `key`: a string literal naming an asset key (or a job name).
 * - `ref`: an identifier, or `namespace.member`, to be resolved through imports.
 * - `spread`: `...name` inside an array (a constant array of definitions).
 * - `dynamic`: anything else (a call, a computed value): not analyzable, never guessed.
 */
export type RefFact =
  | { kind: "key"; value: string; span: Span }
  | { kind: "ref"; name: string; member?: string; span: Span }
  | { kind: "spread"; name: string; member?: string; span: Span }
  | { kind: "dynamic"; span: Span };

/** How a selection was given to a job, schedule or sensor. */
export type SelectionFact =
  | { kind: "string"; text: string; span: Span; /** offset of the text's first char in the file */ textOffset: number }
  | { kind: "assets"; refs: RefFact[]; span: Span }
  | { kind: "dynamic"; span: Span };

/** The Tributary API functions the analysis understands. */
export type ApiName = "asset" | "sqlAsset" | "multiAsset" | "assetCheck" | "defineAssetJob" | "schedule" | "sensor" | "definitions";

/** Every {@link ApiName}, for import matching. */
export const API_NAMES: ReadonlySet<string> = new Set<ApiName>([
  "asset",
  "sqlAsset",
  "multiAsset",
  "assetCheck",
  "defineAssetJob",
  "schedule",
  "sensor",
  "definitions",
]);

interface DefinitionBase {
  /** Module specifier the API function was imported from ("tributary-ts" or a barrel). */
  apiModule: string;
  /** The variable the definition is assigned to (`export const rawOrders = asset(...)`). */
  variable?: string;
  /** Span of the whole call, for document symbols. */
  span: Span;
  /** Span of the callee name, for CodeLens and symbols' selection range. */
  nameSpan: Span;
}

/** Partition factories of "tributary-ts" the analysis reads (`dailyPartitions({ start: "2024-01-01" })`). */
export const PARTITIONS_FACTORIES: ReadonlySet<string> = new Set([
  "hourlyPartitions", "dailyPartitions", "weeklyPartitions", "monthlyPartitions", "staticPartitions", "dynamicPartitions",
]);

/** Partition mapping factories of "tributary-ts" the analysis reads (`timeWindowMapping({ startOffset: -6 })`). */
export const MAPPING_FACTORIES: ReadonlySet<string> = new Set([
  "identityMapping", "timeWindowMapping", "allPartitionsMapping", "lastPartitionMapping", "staticMapping",
]);

/**
 * A value written in user code, read as far as it is a literal: `value` for strings, numbers,
 * booleans and null, `items` for arrays, `props` for object literals, `dynamic` for anything else
 * (a call, an identifier, a spread): such values are never guessed, only left unchecked.
 */
export interface LiteralFact {
  span: Span;
  value?: string | number | boolean | null;
  items?: LiteralFact[];
  props?: Record<string, LiteralFact & { keySpan: Span }>;
  dynamic?: true;
}

/** A call of a partition or mapping factory (`dailyPartitions({...})`, `staticMapping({...})`). */
export interface PartitionCallFact {
  /** The factory's exported name (`dailyPartitions`), whatever the local alias. */
  factory: string;
  /** Module specifier the factory was imported from ("tributary-ts" or a barrel). */
  apiModule: string;
  span: Span;
  nameSpan: Span;
  /** The call's arguments as literals. */
  args: LiteralFact[];
}

/** How an asset names its partitions or one mapping: a factory call, a reference to a constant, or neither. */
export type PartitionValueFact = { kind: "call"; call: PartitionCallFact; span: Span } | RefFact;

/** One entry of `partitionMappings: { raw_orders: timeWindowMapping(...) }`. */
export interface PartitionMappingEntryFact {
  /** The upstream key, as written (span of the property name, quotes excluded). */
  key: StringFact;
  value: PartitionValueFact;
}

/** One asset produced by an `asset()` call or one `outs` entry of a `multiAsset()` call. */
export interface AssetOutFact {
  key?: StringFact;
  description?: string;
  /** A multiAsset output's own `automation` (it wins over the spec's). */
  automation?: AutomationFact;
  /** A multiAsset output's own `freshness` (it wins over the spec's). */
  freshness?: FreshnessFact;
}

/**
 * An automation condition as written (`AutomationCondition.eager()`, `.onCron("0 6 * * *")`,
 * compositions), read from the syntax without running it. `unknown` stands for anything else (a
 * call of a user function, an import from another file): never guessed, never reported on.
 */
export type AutomationFact =
  | {
    kind: "factory";
    /** The factory of AutomationCondition: `eager`, `onCron`, `missing`, `anyDepsUpdated`, ... */
    name: string;
    span: Span;
    /** `onCron`, `cronTickPassed`, `allDepsUpdatedSinceCron`: the cron when a string literal. */
    cron?: StringFact;
    /** The `timezone` option when a string literal. */
    timezone?: StringFact;
    /** The cron or the time zone is given by something other than a literal. */
    dynamic?: true;
    /** `anyDepsMatch(c)` / `allDepsMatch(c)`: their condition. */
    children?: AutomationFact[];
  }
  | { kind: "and" | "or"; children: AutomationFact[]; span: Span }
  | { kind: "not" | "newlyTrue" | "sinceLastHandled"; children: [AutomationFact]; span: Span }
  | { kind: "since"; children: [AutomationFact, AutomationFact]; span: Span }
  /** `.withLabel("x")`, `.allow(...)`, `.ignore(...)`: the same condition, relabelled or with a dep filter. */
  | { kind: "label"; label?: string; filter?: string; children: [AutomationFact]; span: Span }
  /** An identifier (or `ns.member`) that is no condition of this file: resolved at link time through imports. */
  | { kind: "ref"; name: string; member?: string; span: Span }
  | { kind: "unknown"; span: Span };

/** `freshness: { maxLag, warnAfter }` as written. */
export interface FreshnessFact {
  span: Span;
  maxLag?: StringFact;
  warnAfter?: StringFact;
  /** A part is not a literal (a variable, a call): left unchecked. */
  dynamic?: true;
  /** maxLag is absent from a literal object. */
  missingMaxLag?: true;
  /** Properties other than maxLag and warnAfter (the runtime refuses them), with the span of their name. */
  unknownKeys?: StringFact[];
}

/**
 * The query of a `sqlAsset()`: a sql`...` template as written. Each `${expression}` of the template
 * is replaced in `text` by a placeholder identifier of the same length (see {@link sqlPlaceholder}),
 * so that an offset in `text` is the same offset in the file minus `offset`: the SQL parser's
 * positions need no mapping, and the parser sees a table name where an asset is interpolated.
 */
export interface SqlTemplateFact {
  /** The template's raw text between the backquotes, substitutions replaced by placeholders. */
  text: string;
  /** Offset in the file of the template's first character (after the opening backquote). */
  offset: number;
  /** The `${...}` substitutions, in order; placeholder `i` stands for `substitutions[i]`. */
  substitutions: SqlSubstitutionFact[];
}

/** One `${expression}` of a sql`...` template. */
export interface SqlSubstitutionFact {
  /** What the expression references (an asset makes it an upstream; anything else is a bound parameter). */
  ref: RefFact;
  /** The placeholder identifier written in {@link SqlTemplateFact.text} in its place. */
  placeholder: string;
  /** Offset of `${` in the template text. */
  start: number;
}

/**
 * The identifier standing for substitution `index` in a template text, exactly `length` characters
 * long (`${a}` is 4 characters, so the shortest is `_0__`); undefined when `${...}` is too short to
 * hold the index (never for fewer than 100 substitutions).
 */
export function sqlPlaceholder(index: number, length: number): string | undefined {
  const core = `_${index}_`;
  if (core.length > length) return undefined;
  return core + "_".repeat(length - core.length);
}

/** `asset({...})`, `sqlAsset({...})` or `multiAsset({...})`. */
export interface AssetDefinitionFact extends DefinitionBase {
  api: "asset" | "sqlAsset" | "multiAsset";
  /** sqlAsset's `query`, when it is a sql`...` template written in place. */
  sql?: SqlTemplateFact;
  /** sqlAsset's `query` given some other way (a variable, a call): not analyzed. */
  sqlDynamic?: Span;
  /** For `asset`: the key. Missing or not a literal -> `keyProblem`. */
  outs: AssetOutFact[];
  /** Why the key is not statically readable, with the span to report. */
  keyProblem?: { span: Span; reason: "missing" | "not-static" };
  /** multiAsset's `name`. */
  name?: StringFact;
  group?: StringFact;
  description?: string;
  tags: Record<string, string>;
  owners: string[];
  kinds: string[];
  deps: RefFact[];
  resources: StringFact[];
  /** Names of inline checks (`checks: [notNull("id")]`), shown in hovers. */
  inlineChecks: string[];
  /** `partitions: ...`, when given. */
  partitions?: PartitionValueFact;
  /** `partitionMappings: {...}` entries, when an object literal. */
  partitionMappings?: PartitionMappingEntryFact[];
  /** `automation: ...`, when given. */
  automation?: AutomationFact;
  /** `freshness: {...}`, when given. */
  freshness?: FreshnessFact;
}

/** `assetCheck({...})`. */
export interface CheckDefinitionFact extends DefinitionBase {
  api: "assetCheck";
  name?: StringFact;
  target?: RefFact;
  blocking: boolean;
}

/** `defineAssetJob({...})`. */
export interface JobDefinitionFact extends DefinitionBase {
  api: "defineAssetJob";
  name?: StringFact;
  selection?: SelectionFact;
}

/** `schedule({...})` or `sensor({...})`. */
export interface TriggerDefinitionFact extends DefinitionBase {
  api: "schedule" | "sensor";
  name?: StringFact;
  cron?: StringFact;
  /** A cron given by something other than a string literal. */
  cronDynamic?: Span;
  /** `timezone`, when a string literal (the cron hover shows ticks on its wall clock). */
  timezone?: StringFact;
  job?: RefFact;
  selection?: SelectionFact;
}

/** `definitions({...})`. */
export interface DefinitionsFact extends DefinitionBase {
  api: "definitions";
  assets?: RefFact[];
  /** Span of the `assets` array, to offer "register this asset". */
  assetsArrayEnd?: Position;
  checks?: RefFact[];
  jobs?: RefFact[];
  schedules?: RefFact[];
  sensors?: RefFact[];
  /** Keys of the `resources` object; undefined when the object is not a literal. */
  resources?: StringFact[];
}

/** Any definition found in a file. */
export type DefinitionFact =
  | AssetDefinitionFact
  | CheckDefinitionFact
  | JobDefinitionFact
  | TriggerDefinitionFact
  | DefinitionsFact;

/** `import { a as b } from "m"` -> { local: "b", imported: "a", module: "m" }. */
export interface ImportFact {
  local: string;
  /** Imported name; `*` for namespace imports; `default` for default imports. */
  imported: string;
  module: string;
}

/** `export * from "m"` (names undefined) or `export { a as b } from "m"`. */
export interface ReexportFact {
  module: string;
  /** exported name -> imported name. Undefined for `export *`. */
  names?: Record<string, string>;
  /** `export * as ns from "m"`. */
  namespace?: string;
}

/** A module a file loads when it runs: `import ... from "m"`, `export ... from "m"`, `import x = require("m")`. */
export interface ModuleRequestFact {
  module: string;
  /** The specifier's text, quotes excluded. */
  span: Span;
}

/** A syntax error the TypeScript parser reported. */
export interface SyntaxErrorFact {
  span: Span;
  message: string;
}

/** Everything the analysis keeps about one source file. */
export interface FileFacts {
  file: string;
  imports: ImportFact[];
  reexports: ReexportFact[];
  /** exported name -> local name (`default` for `export default X`). */
  exports: Record<string, string>;
  /** Local constant arrays of references (`const staging = [a, b]`), for `...staging` spreads. */
  arrays: Record<string, RefFact[]>;
  /** Top-level constants bound to a partition or mapping factory call (`const daily = dailyPartitions(...)`). */
  partitionConsts?: Record<string, PartitionCallFact>;
  /** Top-level constants holding an automation condition (`const nightly = AutomationCondition.onCron(...)`). */
  automationConsts?: Record<string, AutomationFact>;
  definitions: DefinitionFact[];
  /** Line start offsets, to turn selection-string offsets into positions. */
  lineStarts: number[];
  /** Modules loaded at run time (not type-only), for `tributary validate`'s load checks. */
  moduleRequests?: ModuleRequestFact[];
  /** Whether the file has `export = value` (a default export of another shape). */
  exportAssigned?: true;
  /** Syntax errors, when the file has any (the rest of the facts come from the recovered tree). */
  syntaxErrors?: SyntaxErrorFact[];
}

/** Severity as in the CLI's JSON. */
export type Severity = "error" | "warning" | "info";

/** A problem found by the analysis, with a stable kebab-case code (see docs/diagnostics.md). */
export interface AnalysisDiagnostic {
  file: string;
  span: Span;
  severity: Severity;
  code: string;
  message: string;
  related?: { location: SourceLocation; message: string }[];
  /** Machine-readable data for quick fixes (e.g. `{ replacement: "raw_orders" }`). */
  data?: Record<string, unknown>;
}

/** A resolved asset in the project graph. */
export interface AssetNode {
  key: string;
  group?: string;
  description?: string;
  tags: Record<string, string>;
  owners: string[];
  kinds: string[];
  /** Upstream keys, resolved (unknown deps are left out). */
  deps: string[];
  resources: string[];
  inlineChecks: string[];
  /** Where the key is written (or the call, when the key is not a literal). */
  location: SourceLocation;
  definition: AssetDefinitionFact;
  /** Name of the multiAsset producing it, if any. */
  multiAsset?: string;
  /**
   * For a sqlAsset: what each `${...}` of its query resolved to, by substitution index (set when
   * its file is linked).
   */
  sqlSubstitutions?: SqlSubstitutionResolution[];
  /**
   * Its partitions as the analysis read them (set when its file is linked): a description such as
   * "daily partitions from 2024-01-01 (UTC)", or what could not be read statically.
   */
  partitions?: string;
  /**
   * Its automation condition with references to constants of other files replaced by what they
   * hold (set when its file is linked; `unknown` where they cannot be followed).
   */
  automation?: AutomationFact;
}

/**
 * What one `${...}` of a sql`...` template stands for: an upstream asset, something that is not an
 * asset although written where a name is (`missing`, `not-asset`: an unknown upstream when the
 * query reads it as a table), or a value (a bound parameter).
 */
export type SqlSubstitutionResolution =
  | { kind: "asset"; key: string }
  | { kind: "missing" | "not-asset"; name: string }
  | { kind: "value" };

/** A resolved reference: who points at which asset from where (for references and rename). */
export interface AssetReference {
  key: string;
  location: SourceLocation;
  /** `key` references are string literals (renamable); `ref` ones are identifiers. */
  kind: "key" | "ref" | "declaration" | "selection";
}

/** Whether a definition declares assets (`asset`, `sqlAsset` or `multiAsset`). */
export function isAssetDefinition(definition: DefinitionFact): definition is AssetDefinitionFact {
  return definition.api === "asset" || definition.api === "sqlAsset" || definition.api === "multiAsset";
}

/** The position of a file offset, from the file's line start offsets ({@link FileFacts.lineStarts}). */
export function positionAt(lineStarts: readonly number[], offset: number): Position {
  let low = 0;
  let high = lineStarts.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if ((lineStarts[middle] as number) <= offset) low = middle;
    else high = middle - 1;
  }
  return { line: low, character: offset - (lineStarts[low] as number) };
}

/** Whether `position` lies in `span`, both ends included (a cursor right after a word is on it). */
export function spanContains(span: Span, position: Position): boolean {
  const afterStart = position.line > span.start.line || (position.line === span.start.line && position.character >= span.start.character);
  const beforeEnd = position.line < span.end.line || (position.line === span.end.line && position.character <= span.end.character);
  return afterStart && beforeEnd;
}
