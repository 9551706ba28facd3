/**
 * Watches the files a project's definitions are built from, and only those: the entry's import
 * graph (as esbuild read it), tributary.yaml, package.json, the lockfiles and tsconfig.json. Data
 * files, `.tributary/`, node_modules and editors' scratch files never reload anything.
 *
 * It watches folders and matches names, never the files themselves: a file replaced by a rename
 * (`sed -i`, an editor's atomic save) is a new inode, which a watch on the old one never sees.
 */
import { watch, type FSWatcher } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { Logger } from "./logger";

/** Files of the project folder that change what the code builds to, or the packages it runs with. */
export const PROJECT_FILES = [
  "tributary.yaml",
  "package.json",
  "package-lock.json",
  "npm-shrinkwrap.json",
  "yarn.lock",
  "pnpm-lock.yaml",
  "bun.lock",
  "bun.lockb",
  "tsconfig.json",
] as const;

/** What a missing import may resolve to once it exists (or a folder on the way to it). */
const CODE_FILE = /\.(ts|tsx|mts|cts|js|jsx|mjs|cjs|json)$/;
/** Editors' scratch files: vim's swap files and `4913` probe, backups (`name~`), emacs locks. */
const SCRATCH_FILE = /^4913$|\.sw[a-px]$|~$|^\.#|^#.*#$/;
/** Folders whose contents never make the definitions (ours, packages, version control). */
const NEVER_SOURCE = new Set([".tributary", "node_modules", ".git"]);

/** Options of {@link SourceWatcher}. */
export interface SourceWatcherOptions {
  /** Told which watched files changed, once changes have been quiet for `debounceMs`. */
  onChange: (files: string[]) => void;
  /** @defaultValue 100 */
  debounceMs?: number;
  /** Where a folder that cannot be watched is reported. */
  logger?: Logger;
}

/** Watches a set of files by path (see the file comment). */
export class SourceWatcher {
  private readonly folders = new Map<string, FSWatcher>();
  private files = new Set<string>();
  private looseFolders = new Set<string>();
  private readonly changed = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: SourceWatcherOptions) {}

  /**
   * Watches `files` from now on, in place of the previous ones. In `looseFolders` any new code file
   * or folder counts as well: after a build failed on a missing import, the file that fixes it
   * does not exist yet.
   */
  watch(files: Iterable<string>, looseFolders: Iterable<string> = []): void {
    if (this.closed) return;
    this.files = new Set(files);
    this.looseFolders = new Set(looseFolders);
    const wanted = new Set([...this.files].map((file) => dirname(file)).concat([...this.looseFolders]));
    for (const [folder, watcher] of this.folders) {
      if (wanted.has(folder)) continue;
      watcher.close();
      this.folders.delete(folder);
    }
    for (const folder of wanted) if (!this.folders.has(folder)) this.watchFolder(folder);
  }

  /** The folders watched now (tests, diagnostics). */
  get watchedFolders(): string[] {
    return [...this.folders.keys()];
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    for (const watcher of this.folders.values()) watcher.close();
    this.folders.clear();
  }

  private watchFolder(folder: string): void {
    try {
      const watcher = watch(folder, { persistent: false }, (_event, name) => this.noticed(folder, name));
      // The folder went away (deleted, renamed): the load this triggers watches what exists then.
      watcher.on("error", () => {
        watcher.close();
        if (this.folders.get(folder) === watcher) this.folders.delete(folder);
        this.report(folder);
      });
      this.folders.set(folder, watcher);
    } catch (error) {
      // A folder that does not exist (any more): the next load watches what the code uses then.
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
        this.options.logger?.warn(`cannot watch ${folder} for changes: ${(error as Error).message}`, { folder });
      }
    }
  }

  private noticed(folder: string, name: string | Buffer | null): void {
    if (this.closed) return;
    // Without a name (some platforms, overflowed queues), anything in the folder may have changed.
    if (name === null) return this.report(folder);
    const file = join(folder, name.toString());
    if (this.matters(folder, file)) this.report(file);
  }

  private matters(folder: string, file: string): boolean {
    const name = basename(file);
    if (SCRATCH_FILE.test(name) || NEVER_SOURCE.has(name)) return false;
    if (this.files.has(file)) return true;
    return this.looseFolders.has(folder) && (CODE_FILE.test(name) || !name.includes("."));
  }

  private report(file: string): void {
    this.changed.add(file);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      const files = [...this.changed];
      this.changed.clear();
      this.options.onChange(files);
    }, this.options.debounceMs ?? 100);
  }
}
