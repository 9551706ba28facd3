import { checkAutomationProject, checkAutomationSyntax } from "./automation";
import { findCycles } from "./cycles";
import { InstigatorNames } from "./instigatorNames";
import { declareFile, type DefinitionsCallSummary, type FileDeclarations, FileLinkContext, type ProjectQueries, resolveDeps } from "./link";
import type { AnalysisDiagnostic, AssetNode, AssetReference, DefinitionFact, FileFacts } from "./model";
import type { ModuleResolver } from "./moduleResolver";
import type { DependencyEdge, ProjectModel } from "./projectModel";
import { CountedNames, SelectionVocabularyTable } from "./projectTables";
import { checkPartitions } from "./partitions";
import { checkRegistration, checkRules, type FileRuleResults, type Registration } from "./rules";
import { suggestName } from "./selection";
import { duplicateDiagnostics, FileIndex, type ProjectReadsShape, sortDiagnostics, surfaceOf } from "./linkSupport";
import { type ReadTracker, SymbolResolver } from "./symbols";

type ProjectReads = ProjectReadsShape;

/** Everything the linker keeps about one file. */
interface Unit {
  file: string;
  facts: FileFacts;
  /** What other files can see of this one (exports, definitions' keys...): readers relink when it changes. */
  surface: string;
  declarations: FileDeclarations;
  declarationReads: Set<string>;
  resolutionReads: Set<string>;
  reads: ProjectReads;
  edges: DependencyEdge[];
  edgeSignature: string;
  diagnostics: AnalysisDiagnostic[];
  references: AssetReference[];
  rules: FileRuleResults;
}

/** The outcome of one {@link ProjectLinker.link}: the model, and the files whose diagnostics changed. */
export interface LinkOutcome {
  /** The model without its SQL analysis, which runs on it afterwards (see ProjectIndex). */
  model: Omit<ProjectModel, "sql">;
  changedFiles: Set<string>;
}

/**
 * Links a project's file facts into a {@link ProjectModel}, incrementally. Each file is linked in
 * two phases (declarations, then resolution and rules) and every phase records what it read:
 * other files (through the resolver), keys, the owners of keys, job names, the selection
 * vocabulary. When files change, only the phases whose reads changed run again; project-wide rules
 * (duplicate keys, duplicate schedule and sensor names, registration in `definitions()`, cycles)
 * are recomputed for the keys and files they concern, cycles only when dependency edges changed. The result equals a link from scratch
 * of the same facts (test/server/incremental.test.ts checks that over random edits).
 */
export class ProjectLinker {
  private readonly units = new Map<string, Unit>();
  private readonly index = new FileIndex();
  /** Asset nodes per key, in file order: the first one owns the key, the others are duplicates. */
  private readonly owners = new Map<string, AssetNode[]>();
  private readonly assets = new Map<string, AssetNode>();
  private readonly keys = new CountedNames();
  private readonly jobs = new CountedNames();
  private readonly vocabulary = new SelectionVocabularyTable(this.keys, this.jobs);
  private readonly outKeys = new WeakMap<DefinitionFact, string[]>();
  private readonly registered = new CountedNames();
  /** Schedules and sensors by name (`duplicate-instigator-name`). */
  private readonly instigators = new InstigatorNames((file) => this.orderOf(file));
  private registrationSignature = "";
  private registration: Registration | undefined;
  private cyclic = new Set<string>();
  private cycleDiagnostics = new Map<string, AnalysisDiagnostic[]>();
  /** Project-wide automation diagnostics per file, and their JSON (recomputed on every link: they read jobs, schedules, sensors and deps' specs). */
  private automationDiagnostics = new Map<string, AnalysisDiagnostic[]>();
  private automationSignatures = new Map<string, string>();
  /** The asset nodes with an automation condition written (the only ones the automation rules judge). */
  private readonly automated = new Set<AssetNode>();
  private readonly diagnostics = new Map<string, AnalysisDiagnostic[]>();
  private readonly signatures = new Map<string, string>();
  private readonly references = new Map<string, AssetReference[]>();
  private readonly assetsByFile = new Map<string, AssetNode[]>();
  private unitOrder: Unit[] | undefined;

  constructor(private readonly root: string, private readonly files: ReadonlyMap<string, FileFacts>, private readonly modules: ModuleResolver,
    private readonly tracker: ReadTracker, private readonly orderOf: (file: string) => number) {}

  /** Forgets everything (tsconfig changed): the next link starts from scratch. */
  reset(): void {
    for (const file of [...this.units.keys()]) this.drop(file);
    this.cyclic = new Set();
    this.cycleDiagnostics = new Map();
  }

  /** Links again after `changed` files were updated, added or removed in `files`. */
  link(changed: Iterable<string>): LinkOutcome {
    const started = performance.now();
    const resolver = new SymbolResolver(this.files, this.modules, this.tracker);
    const touched = new Set<string>();
    // The first link touches every file and has no readers to notify: tracking owner changes
    // would only cost time (a tenth of a cold link of 10,000 assets).
    const cold = this.units.size === 0;
    const ownerChanges = new Map<string, string>();
    const noteOwners = (key: string): void => {
      if (!cold && !ownerChanges.has(key)) ownerChanges.set(key, ownerSignature(this.owners.get(key)));
    };

    // Phase 1: declarations of changed files, and of the files that looked into a changed surface.
    const declarationDirty = new Set<string>();
    const surfaceChanged = new Set<string>();
    for (const file of changed) {
      declarationDirty.add(file);
      touched.add(file);
      const facts = this.files.get(file);
      const old = this.units.get(file);
      if (!facts || !old || old.facts !== facts) {
        if (!facts || !old || surfaceOf(old.facts, undefined) !== surfaceOf(facts, undefined)) {
          for (const reader of this.index.fileReaders(file, "declarations")) declarationDirty.add(reader);
        }
      }
    }
    for (const file of declarationDirty) {
      const old = this.units.get(file);
      const facts = this.files.get(file);
      if (old) {
        for (const node of old.declarations.nodes) noteOwners(node.key);
        this.retractDeclarations(old);
        this.instigators.remove(old.declarations.definitions);
        for (const name of old.declarations.jobNames) this.jobs.remove(name);
      }
      if (!facts) {
        if (old) this.drop(file);
        surfaceChanged.add(file);
        continue;
      }
      const reads = this.tracker.begin();
      const declarations = declareFile(file, facts, resolver);
      this.tracker.end();
      const surface = surfaceOf(facts, declarations.definitions);
      if (!old || old.surface !== surface) surfaceChanged.add(file);
      const unit: Unit = old ?? {
        file, facts, surface, declarations, declarationReads: reads, resolutionReads: new Set(), reads: emptyReads(),
        edges: [], edgeSignature: "", diagnostics: [], references: [], rules: { checks: [], jobs: [], triggers: [], definitionsCalls: [] },
      };
      if (!old) {
        this.units.set(file, unit);
        this.unitOrder = undefined;
      }
      Object.assign(unit, { facts, surface, declarations });
      this.index.setFileReads(file, "declarations", unit.declarationReads, reads);
      unit.declarationReads = reads;
      for (const [definition, keys] of declarations.outKeys) this.outKeys.set(definition, keys);
      for (const node of declarations.nodes) noteOwners(node.key);
      this.assertDeclarations(unit);
      this.instigators.add(file, declarations.definitions);
      for (const name of declarations.jobNames) this.jobs.add(name);
    }
    // A schedule or sensor name taken or freed changes the diagnostics of every file that uses it.
    for (const file of this.instigators.takeTouchedFiles()) touched.add(file);

    // Which project-wide answers changed: keys (existence and owners), job names, vocabulary.
    const resolutionDirty = new Set<string>([...declarationDirty].filter((f) => this.units.has(f)));
    const keySetChanged = this.keys.takeChanges().length > 0;
    const jobsChanged = this.jobs.takeChanges();
    if (cold) for (const [key, list] of this.owners) this.assets.set(key, list[0] as AssetNode);
    for (const [key, before] of ownerChanges) {
      const list = this.owners.get(key);
      const after = ownerSignature(list);
      if (list && list.length > 0) this.assets.set(key, list[0] as AssetNode);
      else this.assets.delete(key);
      if ((before === "") !== (after === "")) {
        for (const reader of this.index.keyReaders(key, "keys")) resolutionDirty.add(reader);
      }
      if (before !== after) for (const reader of this.index.keyReaders(key, "firsts")) resolutionDirty.add(reader);
      // Duplicate reports and registration name every owner: all of them are re-assembled.
      if (before.includes("\n") || after.includes("\n") || before !== after) {
        for (const file of before.split("\n")) if (file) touched.add(file);
        for (const node of list ?? []) touched.add(node.location.file);
      }
    }
    for (const reader of this.index.setReaders("keySet", keySetChanged)) resolutionDirty.add(reader);
    for (const name of jobsChanged) for (const reader of this.index.keyReaders(name, "jobs")) resolutionDirty.add(reader);
    for (const reader of this.index.setReaders("jobSet", jobsChanged.length > 0)) resolutionDirty.add(reader);
    for (const reader of this.index.setReaders("vocabulary", this.vocabulary.takeChanged(keySetChanged, jobsChanged.length > 0))) resolutionDirty.add(reader);
    for (const file of surfaceChanged) for (const reader of this.index.fileReaders(file, "resolution")) resolutionDirty.add(reader);

    // Phase 2: resolution and per-file rules.
    let edgesChanged = false;
    let registrationInputsChanged = false;
    for (const file of resolutionDirty) {
      const unit = this.units.get(file);
      if (!unit) continue;
      touched.add(file);
      if (unit.rules.definitionsCalls.length > 0) registrationInputsChanged = true;
      for (const call of unit.rules.definitionsCalls) for (const key of call.registeredKeys) this.registered.remove(key);
      for (const node of unit.declarations.nodes) node.deps = [];
      const reads = emptyReads();
      const resolutionReads = this.tracker.begin();
      const context = new FileLinkContext(file, unit.facts, resolver, this.queries(reads));
      unit.edges = resolveDeps(context, unit.declarations);
      unit.rules = checkRules(context, unit.declarations.definitions);
      checkPartitions(context, unit.declarations);
      checkAutomationSyntax(context, unit.declarations);
      this.tracker.end();
      unit.diagnostics = context.diagnostics;
      unit.references = context.references;
      this.index.setFileReads(file, "resolution", unit.resolutionReads, resolutionReads);
      this.index.setProjectReads(file, unit.reads, reads);
      unit.resolutionReads = resolutionReads;
      unit.reads = reads;
      const edgeSignature = unit.edges.map((e) => `${e.from}\0${e.to}`).join("\n");
      if (edgeSignature !== unit.edgeSignature || unit.declarations.nodes.some((n) => this.cyclic.has(n.key))) edgesChanged = true;
      unit.edgeSignature = edgeSignature;
      if (unit.rules.definitionsCalls.length > 0) registrationInputsChanged = true;
      for (const call of unit.rules.definitionsCalls) for (const key of call.registeredKeys) this.registered.add(key);
    }
    // Removed files may have held edges or definitions() calls too.
    for (const file of changed) {
      if (!this.units.has(file)) {
        edgesChanged = true;
        registrationInputsChanged = true;
      }
    }

    // Project-wide rules: registration (only when some definitions() changed), cycles (only when edges did).
    if (registrationInputsChanged) this.updateRegistration(touched);
    // A key registered or unregistered changes the warnings of the files declaring it.
    for (const key of this.registered.takeChanges()) for (const node of this.owners.get(key) ?? []) touched.add(node.location.file);
    if (edgesChanged) this.updateCycles(touched);
    this.updateAutomation(touched);

    const changedFiles = new Set<string>();
    for (const file of touched) if (this.assemble(file)) changedFiles.add(file);
    return { model: this.model(performance.now() - started), changedFiles };
  }

  /** The questions a file's link may ask, each recorded in `reads`. */
  private queries(reads: ProjectReads): ProjectQueries {
    return {
      hasKey: (key) => {
        reads.keys.add(key);
        return this.assets.has(key);
      },
      isFirst: (node) => {
        reads.firsts.add(node.key);
        return this.owners.get(node.key)?.[0] === node;
      },
      ownerOf: (key) => {
        reads.firsts.add(key);
        return this.owners.get(key)?.[0];
      },
      suggestKey: (key) => {
        reads.keySet = true;
        return suggestName(key, this.keys.sorted());
      },
      outKeysOf: (definition) => this.outKeys.get(definition),
      selectionChecker: () => {
        reads.vocabulary = true;
        return this.vocabulary.selectionChecker();
      },
      hasJob: (name) => {
        reads.jobs.add(name);
        return this.jobs.has(name);
      },
      suggestJob: (name) => {
        reads.jobSet = true;
        return suggestName(name, this.jobs.sorted());
      },
    };
  }

  private assertDeclarations(unit: Unit): void {
    const order = this.orderOf(unit.file);
    for (const node of unit.declarations.nodes) {
      let list = this.owners.get(node.key);
      if (!list) this.owners.set(node.key, (list = []));
      // Keep file order: the node goes after every node of an earlier (or the same) file.
      let at = list.length;
      while (at > 0 && this.orderOf((list[at - 1] as AssetNode).location.file) > order) at--;
      list.splice(at, 0, node);
      this.keys.add(node.key);
      this.vocabulary.add(node);
      if (node.definition.automation || node.definition.outs.some((out) => out.automation)) this.automated.add(node);
    }
    if (unit.declarations.nodes.length > 0) this.assetsByFile.set(unit.file, unit.declarations.nodes);
    else this.assetsByFile.delete(unit.file);
  }

  private retractDeclarations(unit: Unit): void {
    for (const node of unit.declarations.nodes) {
      const list = this.owners.get(node.key);
      const at = list ? list.indexOf(node) : -1;
      if (list && at >= 0) list.splice(at, 1);
      if (list && list.length === 0) this.owners.delete(node.key);
      this.keys.remove(node.key);
      this.vocabulary.remove(node);
      this.automated.delete(node);
    }
    this.assetsByFile.delete(unit.file);
  }

  /** Forgets a removed file (its declarations are already retracted by the caller, or now). */
  private drop(file: string): void {
    const unit = this.units.get(file);
    if (!unit) return;
    if (this.assetsByFile.has(file)) this.retractDeclarations(unit);
    this.instigators.remove(unit.declarations.definitions);
    for (const name of unit.declarations.jobNames) this.jobs.remove(name);
    for (const call of unit.rules.definitionsCalls) for (const key of call.registeredKeys) this.registered.remove(key);
    this.index.setFileReads(file, "declarations", unit.declarationReads, new Set());
    this.index.setFileReads(file, "resolution", unit.resolutionReads, new Set());
    this.index.setProjectReads(file, unit.reads, emptyReads());
    this.units.delete(file);
    this.unitOrder = undefined;
  }

  private orderedUnits(): Unit[] {
    this.unitOrder ??= [...this.units.values()].sort((a, b) => this.orderOf(a.file) - this.orderOf(b.file));
    return this.unitOrder;
  }

  private updateRegistration(touched: Set<string>): void {
    const calls: DefinitionsCallSummary[] = this.orderedUnits().flatMap((u) => u.rules.definitionsCalls);
    const target = calls[0];
    let signature = "";
    if (target) {
      const provided = calls.every((c) => c.provided !== undefined) ? [...new Set(calls.flatMap((c) => c.provided ?? []))].sort() : undefined;
      this.registration = {
        target: { file: target.file, definition: target.definition }, assetsKnown: calls.every((c) => c.assetsKnown),
        ...(provided ? { provided } : {}),
        isRegistered: (key) => this.registered.has(key),
        isFirst: (node) => this.owners.get(node.key)?.[0] === node,
      };
      signature = JSON.stringify([target.file, target.definition.nameSpan, target.definition.assetsArrayEnd, target.definition.assets?.length ?? 0,
        this.registration.assetsKnown, provided]);
    } else this.registration = undefined;
    if (signature === this.registrationSignature) return;
    this.registrationSignature = signature;
    for (const file of this.assetsByFile.keys()) touched.add(file);
  }

  private updateCycles(touched: Set<string>): void {
    const { diagnostics, keys } = findCycles(this.assets, this.orderedUnits().flatMap((u) => u.edges));
    for (const file of this.cycleDiagnostics.keys()) touched.add(file);
    this.cycleDiagnostics = new Map();
    for (const diagnostic of diagnostics) {
      touched.add(diagnostic.file);
      const list = this.cycleDiagnostics.get(diagnostic.file);
      if (list) list.push(diagnostic);
      else this.cycleDiagnostics.set(diagnostic.file, [diagnostic]);
    }
    this.cyclic = keys;
  }

  /**
   * The project-wide automation rules, from scratch (they cost a pass over the assets with a
   * condition); the files whose automation diagnostics changed are touched.
   */
  private updateAutomation(touched: Set<string>): void {
    if (this.automated.size === 0 && this.automationSignatures.size === 0) return;
    const units = this.orderedUnits();
    // In file order, then source order: the same list whatever the order of the edits.
    const nodes = [...this.automated].sort((a, b) => this.orderOf(a.location.file) - this.orderOf(b.location.file)
      || a.location.span.start.line - b.location.span.start.line || a.location.span.start.character - b.location.span.start.character);
    const diagnostics = nodes.length > 0
      ? checkAutomationProject({ assets: this.assets, nodes, jobs: units.flatMap((u) => u.rules.jobs), triggers: units.flatMap((u) => u.rules.triggers) })
      : [];
    const byFile = new Map<string, AnalysisDiagnostic[]>();
    for (const diagnostic of diagnostics) {
      const list = byFile.get(diagnostic.file);
      if (list) list.push(diagnostic);
      else byFile.set(diagnostic.file, [diagnostic]);
    }
    const signatures = new Map<string, string>();
    for (const [file, list] of byFile) signatures.set(file, JSON.stringify(list));
    for (const file of new Set([...signatures.keys(), ...this.automationSignatures.keys()])) {
      if (signatures.get(file) !== this.automationSignatures.get(file)) touched.add(file);
    }
    this.automationDiagnostics = byFile;
    this.automationSignatures = signatures;
  }

  /** Recomputes one file's final diagnostics and references; true when its diagnostics changed. */
  private assemble(file: string): boolean {
    const unit = this.units.get(file);
    let diagnostics: AnalysisDiagnostic[] = [];
    if (unit) {
      const nodes = unit.declarations.nodes;
      diagnostics = [
        ...unit.declarations.diagnostics, ...unit.diagnostics,
        ...duplicateDiagnostics(nodes, (key) => this.owners.get(key) ?? []),
        ...this.instigators.diagnostics(unit.declarations.definitions),
        ...(this.registration ? checkRegistration(nodes, this.registration) : []),
        ...(this.cycleDiagnostics.get(file) ?? []),
        ...(this.automationDiagnostics.get(file) ?? []),
      ];
      const references = [...unit.declarations.references, ...unit.references];
      if (references.length > 0) this.references.set(file, references);
      else this.references.delete(file);
    } else this.references.delete(file);
    sortDiagnostics(diagnostics);
    const signature = diagnostics.length > 0 ? JSON.stringify(diagnostics) : "";
    if (diagnostics.length > 0) this.diagnostics.set(file, diagnostics);
    else this.diagnostics.delete(file);
    if ((this.signatures.get(file) ?? "") === signature) return false;
    if (signature) this.signatures.set(file, signature);
    else this.signatures.delete(file);
    return true;
  }

  /** A model over the current state; the lists it derives are computed on first use. */
  private model(linkMs: number): Omit<ProjectModel, "sql"> {
    const units = (): Unit[] => this.orderedUnits();
    const assets = this.assets;
    const lazy = <T>(compute: () => T): (() => T) => {
      let value: T | undefined;
      let done = false;
      return () => {
        if (!done) {
          value = compute();
          done = true;
        }
        return value as T;
      };
    };
    const allAssets = lazy(() => units().flatMap((u) => u.declarations.nodes));
    const downstream = lazy(() => {
      const map = new Map<string, string[]>();
      for (const node of assets.values()) {
        for (const dep of node.deps) {
          const list = map.get(dep);
          if (list) list.push(node.key);
          else map.set(dep, [node.key]);
        }
      }
      return map;
    });
    const edges = lazy(() => units().flatMap((u) => u.edges));
    const groups = lazy(() => this.vocabulary.groupNames());
    const checks = lazy(() => units().flatMap((u) => u.rules.checks));
    const jobs = lazy(() => units().flatMap((u) => u.rules.jobs));
    const triggers = lazy(() => units().flatMap((u) => u.rules.triggers));
    const definitionsCalls = lazy(() => units().flatMap((u) => u.rules.definitionsCalls));
    return {
      root: this.root, assets, diagnostics: this.diagnostics, references: this.references, assetsByFile: this.assetsByFile, linkMs,
      get allAssets() { return allAssets(); },
      get downstream() { return downstream(); },
      get edges() { return edges(); },
      get groups() { return groups(); },
      get checks() { return checks(); },
      get jobs() { return jobs(); },
      get triggers() { return triggers(); },
      get definitionsCalls() { return definitionsCalls(); },
    };
  }
}

function emptyReads(): ProjectReads {
  return { keys: new Set(), firsts: new Set(), keySet: false, jobs: new Set(), jobSet: false, vocabulary: false };
}

/** The files owning a key, in order ("" when none). */
function ownerSignature(list: AssetNode[] | undefined): string {
  return list ? list.map((n) => n.location.file).join("\n") : "";
}
