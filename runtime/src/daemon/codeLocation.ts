/**
 * The code location: the project as the daemon sees it. In dev mode it reloads when source files
 * change (debounced), and keeps serving the last good project when a reload fails, reporting the
 * error. Runs are unaffected: each worker loads the code itself when its run starts.
 */
import { watch, type FSWatcher } from "node:fs";
import { relative, sep } from "node:path";
import { TributaryError, type SourceLocation } from "../errors";
import { createCompiler, loadProject, type EntryCompiler, type LoadedProject, type ProjectConfig } from "../loader";
import type { ProjectState } from "./services";

/** Folders whose changes never mean the definitions changed. */
const IGNORED = new Set([".tributary", "node_modules", "dist", ".git"]);

/** Holds the loaded project and (optionally) reloads it on change. */
export class CodeLocation {
  private state: ProjectState;
  private lastGood: LoadedProject | null = null;
  private compiler: EntryCompiler | undefined;
  private watcher: FSWatcher | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private loading: Promise<void> | undefined;
  private readonly listeners = new Set<() => void>();

  constructor(
    readonly config: ProjectConfig,
    private readonly options: { watch: boolean; debounceMs?: number; log?: (message: string) => void } = { watch: false },
  ) {
    this.state = { ok: false, error: { message: "the project is not loaded yet" }, failedAt: new Date().toISOString() };
  }

  /** The current state (a load error keeps the last good project usable through {@link project}). */
  get current(): ProjectState {
    return this.state;
  }

  /** The last project that loaded, or null. */
  get project(): LoadedProject | null {
    return this.lastGood;
  }

  /** Called after every (re)load, good or bad. */
  onReload(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Loads the project (and starts watching in dev mode). Never throws: see {@link current}. */
  async start(): Promise<void> {
    if (this.options.watch) {
      this.compiler = createCompiler(this.config, { incremental: true });
      try {
        this.watcher = watch(this.config.projectDir, { recursive: true }, (_event, file) => this.changed(file));
      } catch (error) {
        this.options.log?.(`[code] cannot watch ${this.config.projectDir} for changes: ${(error as Error).message}`);
      }
    }
    await this.reload();
  }

  async stop(): Promise<void> {
    this.watcher?.close();
    clearTimeout(this.debounce);
    await this.loading;
    await this.compiler?.dispose();
  }

  /** Loads the code again now. */
  reload(): Promise<void> {
    this.loading ??= this.load().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private changed(file: string | Buffer | null): void {
    const name = file === null ? "" : file.toString();
    const first = relative(".", name).split(sep)[0] ?? "";
    if (IGNORED.has(first) || !/\.(ts|tsx|mts|cts|js|mjs|cjs|json|ya?ml)$/.test(name)) return;
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => void this.reload(), this.options.debounceMs ?? 100);
  }

  private async load(): Promise<void> {
    try {
      const project = await loadProject(this.config, this.compiler ? { compiler: this.compiler } : {});
      this.lastGood = project;
      this.state = { ok: true, project, loadedAt: new Date().toISOString() };
    } catch (error) {
      const location = (error as { location?: SourceLocation }).location;
      this.state = {
        ok: false,
        error: {
          message: error instanceof Error ? error.message : String(error),
          ...(error instanceof TributaryError && error.hint ? { hint: error.hint } : {}),
          ...(location ? { file: location.file, line: location.line } : {}),
        },
        failedAt: new Date().toISOString(),
      };
      this.options.log?.(`[code] loading the project failed${this.lastGood ? " (still serving the previous definitions)" : ""}: ${this.state.error.message}`);
    }
    for (const listener of this.listeners) listener();
  }
}
