import * as fs from "node:fs";
import * as path from "node:path";
import { extractFileFacts } from "./extract";
import { linkProject } from "./link";
import type { FileFacts } from "./model";
import { ModuleResolver } from "./moduleResolver";
import type { ProjectModel } from "./projectModel";

/** Folders never indexed: dependencies and build output. */
export const SKIPPED_DIRECTORIES: ReadonlySet<string> = new Set(["node_modules", "dist", "out", "build", ".tributary", ".git"]);

/** Files larger than this are not parsed (generated bundles, data dumps): they cannot hold definitions worth the stall. */
export const MAX_FILE_BYTES = 2 * 1024 * 1024;

/** Whether a path names a source file the analysis reads. */
export function isSourceFile(file: string): boolean {
  return /\.(ts|tsx|mts|cts)$/.test(file) && !file.endsWith(".d.ts");
}

/**
 * The analysis of one workspace folder: per-file facts kept in memory (never syntax trees), linked
 * lazily into a {@link ProjectModel}. An edit re-parses only the edited file; the link over all
 * facts is cheap (no parsing) and runs on the next {@link model} call.
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
  private readonly modules: ModuleResolver;
  private cached: ProjectModel | undefined;

  constructor(root: string) {
    this.root = path.resolve(root);
    this.modules = new ModuleResolver(this.root, (file) => this.files.has(file));
  }

  /** Reads and parses every source file under the root. Returns the number of files indexed. */
  indexFromDisk(): number {
    for (const file of listSourceFiles(this.root)) {
      let text: string;
      try {
        text = fs.readFileSync(file, "utf8");
      } catch {
        continue; // vanished or unreadable: the watcher will tell us if it comes back
      }
      this.update(file, text);
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
    this.files.set(file, safeExtract(file, text));
    this.cached = undefined;
  }

  /** Forgets a deleted file. */
  remove(file: string): void {
    if (this.files.delete(file)) this.cached = undefined;
  }

  /** Forgets cached tsconfig `paths` (call when a tsconfig.json changes). */
  configurationChanged(): void {
    this.modules.reset();
    this.cached = undefined;
  }

  /** The facts of one file, if indexed. */
  facts(file: string): FileFacts | undefined {
    return this.files.get(file);
  }

  /** Every indexed file. */
  fileNames(): string[] {
    return [...this.files.keys()];
  }

  /** The linked model (recomputed after changes). */
  model(): ProjectModel {
    this.cached ??= linkProject(this.root, this.files, this.modules);
    return this.cached;
  }
}

/** Extraction never throws: a file the parser chokes on simply contributes nothing. */
function safeExtract(file: string, text: string): FileFacts {
  try {
    return extractFileFacts(file, text);
  } catch {
    return { file, imports: [], reexports: [], exports: {}, arrays: {}, definitions: [], lineStarts: [0] };
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
