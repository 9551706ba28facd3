import * as fs from "node:fs";
import * as path from "node:path";
import type { AnalysisDiagnostic, FileFacts } from "./model";
import { ModuleResolver, type ResolvedModule } from "./moduleResolver";
import type { ParseWorkerPool } from "./parseWorkers";
import { sortDiagnostics } from "./linkSupport";
import { ProjectLinker } from "./projectLinker";
import type { ProjectModel } from "./projectModel";
import { MAX_FILE_BYTES, readFileFacts, safeExtract } from "./readFacts";
import { SqlProjectAnalysis } from "./sqlAnalysis";
import { ReadTracker, SymbolResolver, type SymbolTarget } from "./symbols";

export { MAX_FILE_BYTES } from "./readFacts";

/** Folders never indexed: dependencies and build output. */
export const SKIPPED_DIRECTORIES: ReadonlySet<string> = new Set(["node_modules", "dist", "out", "build", ".tributary", ".git"]);

/** Whether a path names a source file the analysis reads. */
export function isSourceFile(file: string): boolean {
  return /\.(ts|tsx|mts|cts)$/.test(file) && !file.endsWith(".d.ts");
}

/**
 * The analysis of one workspace folder: per-file facts kept in memory (never syntax trees), linked
 * lazily into a {@link ProjectModel}. An edit re-parses only the edited file, and the next
 * {@link model} call links again only what the edit can affect (see {@link ProjectLinker}).
 *
 * @example
 * const project = new ProjectIndex("/ws");
 * project.indexFromDisk();
 * project.update("/ws/assets.ts", newText);
 * const { assets, diagnostics } = project.model();
 */
export class ProjectIndex {
  readonly root: string;
  private readonly files = new Map<string, FileFacts>();
  /** Each file's rank in the files map (insertion order): "first definition of a key" follows it. */
  private readonly order = new Map<string, number>();
  private nextOrder = 0;
  private readonly modules: ModuleResolver;
  private readonly linker: ProjectLinker;
  private readonly pending = new Set<string>();
  private readonly unpublished = new Set<string>();
  private cached: ProjectModel | undefined;
  private readonly sql = new SqlProjectAnalysis();
  /** Per file: the linker's diagnostics and the SQL analysis's, ordered by position. */
  private readonly diagnostics = new Map<string, AnalysisDiagnostic[]>();

  constructor(root: string) {
    this.root = path.resolve(root);
    const tracker = new ReadTracker();
    // Probes count as reads: a file appearing where an import looked for one relinks the importer.
    this.modules = new ModuleResolver(this.root, (file) => {
      tracker.read(file);
      return this.files.has(file);
    });
    this.linker = new ProjectLinker(this.root, this.files, this.modules, tracker, (file) => this.order.get(file) ?? Number.MAX_SAFE_INTEGER);
  }

  /** Reads and parses every source file under the root. Returns the number of files indexed. */
  indexFromDisk(): number {
    for (const file of listSourceFiles(this.root)) {
      const facts = readFileFacts(file);
      if (facts) this.setFacts(file, facts);
      else this.remove(file); // vanished since listed, or too large
    }
    return this.files.size;
  }

  /**
   * {@link indexFromDisk} with `workers` parsing side by side with this thread (the result is the
   * same: files are added in the same order, whoever parsed them).
   */
  async indexFromDiskInParallel(workers: ParseWorkerPool): Promise<number> {
    const files = listSourceFiles(this.root);
    const facts = await workers.parseAll(files, readFileFacts);
    for (let i = 0; i < files.length; i++) {
      const fileFacts = facts[i];
      if (fileFacts) this.setFacts(files[i] as string, fileFacts);
      else this.remove(files[i] as string);
    }
    return this.files.size;
  }

  /** Whether `file` lies in this project and would be indexed. */
  owns(file: string): boolean {
    const relative = path.relative(this.root, file);
    if (relative.startsWith("..") || path.isAbsolute(relative)) return false;
    return isSourceFile(file) && !relative.split(path.sep).some((part) => SKIPPED_DIRECTORIES.has(part));
  }

  /** Re-parses one file from its (possibly unsaved) text. */
  update(file: string, text: string): void {
    if (text.length > MAX_FILE_BYTES) {
      this.remove(file);
      return;
    }
    this.setFacts(file, safeExtract(file, text));
  }

  private setFacts(file: string, facts: FileFacts): void {
    if (!this.files.has(file)) this.order.set(file, this.nextOrder++);
    this.files.set(file, facts);
    this.pending.add(file);
    this.cached = undefined;
  }

  /** Forgets a deleted file. */
  remove(file: string): void {
    if (!this.files.delete(file)) return;
    this.order.delete(file);
    this.pending.add(file);
    this.cached = undefined;
  }

  /** Forgets cached tsconfig `paths` (call when a tsconfig.json changes): everything is linked again. */
  configurationChanged(): void {
    this.modules.reset();
    this.linker.reset();
    for (const file of this.files.keys()) this.pending.add(file);
    this.cached = undefined;
  }

  /**
   * The files whose diagnostics changed since the last call (links first if needed), for
   * publishing only what changed. The first call after indexing returns every file with problems.
   */
  takeChangedFiles(): Set<string> {
    this.model();
    const files = new Set(this.unpublished);
    this.unpublished.clear();
    return files;
  }

  /** The facts of one file, if indexed. */
  facts(file: string): FileFacts | undefined {
    return this.files.get(file);
  }

  /** Every indexed file, in indexing order. */
  fileNames(): string[] {
    return [...this.files.keys()];
  }

  /** How many files are indexed. */
  fileCount(): number {
    return this.files.size;
  }

  /** Resolves an import specifier written in `fromFile` (relative paths, tsconfig `paths`, `tributary`). */
  resolveModule(fromFile: string, specifier: string): ResolvedModule {
    return this.modules.resolve(fromFile, specifier);
  }

  /** What `file` exports as `name` (through re-exports), as far as the analysis can tell. */
  resolveExport(file: string, name: string): SymbolTarget {
    return new SymbolResolver(this.files, this.modules).resolveExport(file, name);
  }

  /** The linked model (linked again, incrementally, after changes). */
  model(): ProjectModel {
    if (!this.cached) {
      const changed = [...this.pending];
      this.pending.clear();
      const outcome = this.linker.link(changed);
      const started = performance.now();
      const sqlChanged = this.sql.update(outcome.model, (file) => this.files.get(file));
      for (const file of new Set([...outcome.changedFiles, ...sqlChanged])) {
        const diagnostics = [...outcome.model.diagnostics.get(file) ?? [], ...this.sql.diagnostics(file)];
        sortDiagnostics(diagnostics);
        if (diagnostics.length > 0) this.diagnostics.set(file, diagnostics);
        else this.diagnostics.delete(file);
        this.unpublished.add(file);
      }
      this.cached = Object.assign(outcome.model, { diagnostics: this.diagnostics, sql: this.sql, linkMs: outcome.model.linkMs + performance.now() - started });
    }
    return this.cached;
  }
}

/** Every source file under `root`, skipping dependencies, build output and hidden folders. */
export function listSourceFiles(root: string): string[] {
  const result: string[] = [];
  const pending = [root];
  while (pending.length > 0) {
    const directory = pending.pop() as string;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(directory, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRECTORIES.has(entry.name) && !entry.name.startsWith(".")) pending.push(path.join(directory, entry.name));
      } else if (entry.isFile() && isSourceFile(entry.name)) {
        result.push(path.join(directory, entry.name));
      }
    }
  }
  return result.sort();
}
