import { type AnalysisDiagnostic, type AssetNode, type DefinitionFact, type FileFacts, isAssetDefinition, type RefFact } from "./model";

type FileReadPhase = "declarations" | "resolution";
type KeyReadKind = "keys" | "firsts" | "jobs";
type SetReadKind = "keySet" | "jobSet" | "vocabulary";

/** What one file's link asked about the project (see ProjectLinker). */
export interface ProjectReadsShape {
  keys: Set<string>;
  firsts: Set<string>;
  keySet: boolean;
  jobs: Set<string>;
  jobSet: boolean;
  vocabulary: boolean;
}

/**
 * Reverse indexes from what was read to who read it: file -> readers per link phase, key -> readers,
 * and the readers of project-wide sets. Each reader's entries are replaced when it links again.
 */
export class FileIndex {
  private readonly fileReads = { declarations: new Map<string, Set<string>>(), resolution: new Map<string, Set<string>>() };
  private readonly keyReads = { keys: new Map<string, Set<string>>(), firsts: new Map<string, Set<string>>(), jobs: new Map<string, Set<string>>() };
  private readonly setReads = { keySet: new Set<string>(), jobSet: new Set<string>(), vocabulary: new Set<string>() };

  setFileReads(reader: string, phase: FileReadPhase, before: ReadonlySet<string>, after: ReadonlySet<string>): void {
    replace(this.fileReads[phase], reader, before, after);
  }

  setProjectReads(reader: string, before: ProjectReadsShape, after: ProjectReadsShape): void {
    for (const kind of ["keys", "firsts", "jobs"] as const) replace(this.keyReads[kind], reader, before[kind], after[kind]);
    for (const kind of ["keySet", "jobSet", "vocabulary"] as const) {
      if (after[kind]) this.setReads[kind].add(reader);
      else this.setReads[kind].delete(reader);
    }
  }

  fileReaders(file: string, phase: FileReadPhase): Iterable<string> {
    return this.fileReads[phase].get(file) ?? [];
  }

  keyReaders(key: string, kind: KeyReadKind): Iterable<string> {
    return this.keyReads[kind].get(key) ?? [];
  }

  /** The readers of a project-wide set when it `changed` (none otherwise). */
  setReaders(kind: SetReadKind, changed: boolean): Iterable<string> {
    return changed ? [...this.setReads[kind]] : [];
  }
}

function replace(index: Map<string, Set<string>>, reader: string, before: ReadonlySet<string>, after: ReadonlySet<string>): void {
  for (const item of before) {
    if (after.has(item)) continue;
    const readers = index.get(item);
    readers?.delete(reader);
    if (readers && readers.size === 0) index.delete(item);
  }
  for (const item of after) {
    let readers = index.get(item);
    if (!readers) index.set(item, (readers = new Set()));
    readers.add(reader);
  }
}

/**
 * What other files can see of a file: imports, exports, re-exports, constant arrays and, per
 * definition, its API, variable, keys and name (never spans or descriptions, which other files'
 * results do not contain). `tributary` is the file's Tributary definitions, when known. Two equal
 * surfaces mean an edit cannot change any other file's resolution.
 */
export function surfaceOf(facts: FileFacts, tributary: readonly DefinitionFact[] | undefined): string {
  const refText = (ref: RefFact): string => ref.kind === "key" ? `"${ref.value}` : ref.kind === "dynamic" ? "?" : `${ref.kind}:${ref.name}.${ref.member ?? ""}`;
  const arrays: Record<string, string[]> = {};
  for (const [name, refs] of Object.entries(facts.arrays)) arrays[name] = refs.map(refText);
  const definitions = facts.definitions.map((d) => [
    d.api, d.apiModule, d.variable ?? null, tributary ? tributary.includes(d) : null,
    isAssetDefinition(d) ? d.outs.map((o) => o.key?.value ?? null) : null,
    "name" in d ? d.name?.value ?? null : null,
    // Partitions are read by the files of downstream assets (mapping checks): their values, not their places.
    isAssetDefinition(d) && (d.partitions || d.partitionMappings) ? withoutSpans([d.partitions, d.partitionMappings]) : null,
  ]);
  const partitionConsts = facts.partitionConsts ? withoutSpans(facts.partitionConsts) : null;
  // Conditions held by constants are read by the files of the assets using them (hover, project rules).
  const automationConsts = facts.automationConsts ? withoutSpans(facts.automationConsts) : null;
  return JSON.stringify([facts.imports, facts.reexports, facts.exports, arrays, definitions, partitionConsts, automationConsts]);
}

const SPAN_KEYS = new Set(["span", "nameSpan", "keySpan"]);

/** A value's JSON without its source positions: the same after an edit that only moves it. */
function withoutSpans(value: unknown): string {
  return JSON.stringify(value, (key, inner: unknown) => (SPAN_KEYS.has(key) ? undefined : inner));
}

/** `duplicate-key` for the nodes of one file whose key has other owners. */
export function duplicateDiagnostics(nodes: readonly AssetNode[], ownersOf: (key: string) => readonly AssetNode[]): AnalysisDiagnostic[] {
  const diagnostics: AnalysisDiagnostic[] = [];
  for (const node of nodes) {
    const owners = ownersOf(node.key);
    if (owners.length < 2) continue;
    diagnostics.push({
      file: node.location.file, span: node.location.span, severity: "error", code: "duplicate-key",
      message: `Asset key "${node.key}" is defined ${owners.length} times; keys must be unique in a project (rename one of them)`,
      related: owners.filter((other) => other !== node).map((other) => ({ location: other.location, message: `"${node.key}" is also defined here` })),
    });
  }
  return diagnostics;
}

/** Orders a file's diagnostics by position, then code and message: the same whatever the link order. */
export function sortDiagnostics(diagnostics: AnalysisDiagnostic[]): void {
  diagnostics.sort((a, b) => a.span.start.line - b.span.start.line || a.span.start.character - b.span.start.character
    || a.span.end.line - b.span.end.line || a.span.end.character - b.span.end.character
    || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0) || (a.message < b.message ? -1 : a.message > b.message ? 1 : 0));
}
