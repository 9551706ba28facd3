/**
 * The code location: the project as the daemon sees it, as numbered code versions. It compiles the
 * project once per (re)load; the daemon plans runs on that version, and its run workers load that
 * version's bundle, never the files on disk, so which code a run executes does not depend on when
 * a worker process happened to start. A failed reload keeps the last good version (and reports
 * the error).
 *
 * In dev mode it reloads when a file the definitions are built from changes (see SourceWatcher). A
 * change while a load is in progress triggers one more load once it ends: it is never lost.
 */
import { dirname, resolve } from "node:path";
import { existsSync } from "node:fs";
import { TributaryError, type SourceLocation } from "../errors";
import {
  configFromFile,
  createCompiler,
  loadCompiledProject,
  type CodeVersion,
  type CompiledEntry,
  type EntryCompiler,
  type LoadedProject,
  type ProjectConfig,
} from "../loader";
import type { ProjectState } from "./services";
import type { Logger } from "./logger";
import { PROJECT_FILES, SourceWatcher } from "./sourceWatcher";

/** How many past versions stay known, for runs planned on them that the new code cannot run. */
const KEPT_VERSIONS = 5;

/** Options of {@link CodeLocation}. */
export interface CodeLocationOptions {
  /** Reload when source files change (dev mode). */
  watch: boolean;
  /** Quiet time after a change before reloading. @defaultValue 100 */
  debounceMs?: number;
  /** Where failed loads and watch problems are logged (scoped `component: "code"` here). */
  logger?: Logger;
  /** Makes the compiler of a configuration (tests pause loads with it). @defaultValue the project's esbuild compiler */
  compilerFor?: (config: ProjectConfig, incremental: boolean) => EntryCompiler;
}

/** Holds the loaded project and its code version, and reloads them on request (or on change). */
export class CodeLocation {
  private state: ProjectState;
  private loaded: { project: LoadedProject; version: CodeVersion } | null = null;
  private readonly recent: CodeVersion[] = [];
  private generation = 0;
  private config: ProjectConfig;
  private compiler: EntryCompiler | undefined;
  private watcher: SourceWatcher | undefined;
  /** The files the last good build read: still the ones to watch while a build fails. */
  private sources: string[] = [];
  /** Set by a reload request; the load loop runs until it stays false. */
  private requested = false;
  private readonly changedSince = new Set<string>();
  private running: Promise<void> | undefined;
  private readonly listeners = new Set<(changed: string[]) => void>();

  constructor(
    config: ProjectConfig,
    private readonly options: CodeLocationOptions = { watch: false },
  ) {
    this.config = config;
    this.state = { ok: false, error: { message: "the project is not loaded yet" }, failedAt: new Date().toISOString(), codeVersion: null };
  }

  /** The current state (a load error keeps the last good project usable through {@link project}). */
  get current(): ProjectState {
    return this.state;
  }

  /** The last project that loaded, or null. */
  get project(): LoadedProject | null {
    return this.loaded?.project ?? null;
  }

  /** The code version of {@link project}: what runs planned now execute. */
  get version(): CodeVersion | null {
    return this.loaded?.version ?? null;
  }

  /** A version this process loaded recently (the current one, or one of the few before it). */
  versionById(id: string | undefined): CodeVersion | undefined {
    return id === undefined ? undefined : this.recent.find((version) => version.id === id);
  }

  /** Called after every (re)load, good or bad, with the changed files that caused it (none: start, or a request). */
  onReload(listener: (changed: string[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Loads the project (and starts watching in dev mode). Never throws: see {@link current}. */
  async start(): Promise<void> {
    if (this.options.watch) {
      this.watcher = new SourceWatcher({
        onChange: (files) => void this.reload(files),
        ...(this.options.debounceMs === undefined ? {} : { debounceMs: this.options.debounceMs }),
        ...(this.options.logger ? { logger: this.options.logger.scope({ component: "code" }) } : {}),
      });
    }
    await this.reload();
  }

  async stop(): Promise<void> {
    this.watcher?.close();
    await this.running;
    await this.compiler?.dispose();
  }

  /**
   * Loads the code again, and resolves once the new state is known. Asked while a load is in
   * progress (which may have read the files before the change), it loads once more after it.
   */
  reload(changed: readonly string[] = []): Promise<void> {
    for (const file of changed) this.changedSince.add(file);
    this.requested = true;
    this.running ??= this.loadUntilCurrent();
    return this.running;
  }

  private async loadUntilCurrent(): Promise<void> {
    try {
      while (this.requested) {
        this.requested = false;
        const changed = [...this.changedSince];
        this.changedSince.clear();
        await this.load(changed);
      }
    } finally {
      // In the same step as the last look at `requested`: a request from now on starts a new loop.
      this.running = undefined;
    }
  }

  private async load(changed: string[]): Promise<void> {
    let compiled: CompiledEntry | undefined;
    try {
      const config = this.readConfig();
      compiled = await this.compilerOf(config).compile();
      const project = loadCompiledProject(config, compiled);
      this.generation++;
      const version: CodeVersion = { id: `v${this.generation}-${compiled.hash.slice(0, 12)}`, config, compiled };
      this.loaded = { project, version };
      this.recent.unshift(version);
      this.recent.splice(KEPT_VERSIONS);
      this.state = { ok: true, project, loadedAt: new Date().toISOString(), codeVersion: version.id };
      this.sources = compiled.inputs;
      this.watchSources(compiled.inputs);
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
        codeVersion: this.loaded?.version.id ?? null,
      };
      this.watchAfterFailure(compiled, error, location);
      this.options.logger?.scope({ component: "code" }).error(`loading the project failed${this.loaded ? " (still serving the previous definitions)" : ""}: ${this.state.error.message}`, {
        event: "loadFailed",
        ...(this.state.error.file ? { file: this.state.error.file } : {}),
        ...(this.state.error.line ? { line: this.state.error.line } : {}),
        codeVersion: this.state.codeVersion,
      });
    }
    for (const listener of this.listeners) listener(changed);
  }

  /**
   * tributary.yaml again: its `entry` and `executor` apply from this load on. Storage, daemon and
   * notification settings keep the values the process started with (they need a restart), and so
   * does everything of a project without tributary.yaml.
   */
  private readConfig(): ProjectConfig {
    if (!this.config.configFile) return this.config;
    const fresh = configFromFile(this.config.configFile);
    this.config = { ...this.config, entryFile: fresh.entryFile, executor: fresh.executor };
    return this.config;
  }

  /** The compiler of the configuration's entry (a new one when the entry changed). */
  private compilerOf(config: ProjectConfig): EntryCompiler {
    if (this.compiler && this.compiler.entryFile === config.entryFile) return this.compiler;
    void this.compiler?.dispose();
    const incremental = this.options.watch;
    this.compiler = this.options.compilerFor?.(config, incremental) ?? createCompiler(config, { incremental });
    return this.compiler;
  }

  private watchSources(files: string[], looseFolders: string[] = []): void {
    if (!this.watcher) return;
    const projectFiles = PROJECT_FILES.map((name) => resolve(this.config.projectDir, name));
    this.watcher.watch([...files, ...projectFiles, this.config.entryFile, ...(this.config.configFile ? [this.config.configFile] : [])], looseFolders);
  }

  /**
   * What to watch when a load failed: the files of the build if it got that far, else those of the
   * last good build plus the file in error; for a missing import, also the closest existing folder
   * on its way, where the file that fixes it will appear.
   */
  private watchAfterFailure(compiled: CompiledEntry | undefined, error: unknown, location: SourceLocation | undefined): void {
    if (compiled) return this.watchSources(compiled.inputs);
    const files = [...this.sources, ...(location ? [location.file] : [])];
    const missing = location ? /Could not resolve "(\.{1,2}\/[^"]*)"/.exec(error instanceof Error ? error.message : "") : null;
    const loose: string[] = [];
    if (missing && location) {
      let folder = dirname(resolve(dirname(location.file), missing[1]!));
      while (!existsSync(folder) && dirname(folder) !== folder) folder = dirname(folder);
      loose.push(folder);
    }
    this.watchSources(files, loose);
  }
}
