/**
 * The project-wide table of schedule and sensor names, for `duplicate-instigator-name`. The runtime
 * keeps a schedule's or sensor's status, cursor and ticks by its name alone, so a schedule and a
 * sensor (or two of either) with one name would read, skip and stop each other's ticks; the daemon
 * refuses such a project, and the editor says so where the names are written.
 *
 * Kept incrementally like the owners of asset keys: the linker adds and removes the definitions of
 * the files it re-declares, then asks which files' diagnostics may have changed.
 */
import type { AnalysisDiagnostic, DefinitionFact, StringFact, TriggerDefinitionFact } from "./model";

type NamedTrigger = TriggerDefinitionFact & { name: StringFact };

interface Entry {
  file: string;
  definition: NamedTrigger;
}

/** Schedules and sensors by name, each list in file order (then source order). */
export class InstigatorNames {
  private readonly byName = new Map<string, Entry[]>();
  /** Names changed since the last {@link takeTouchedFiles}, with their entries before the first change. */
  private readonly before = new Map<string, Entry[]>();

  constructor(private readonly orderOf: (file: string) => number) {}

  /** Adds a file's schedules and sensors (its Tributary definitions, in source order). */
  add(file: string, definitions: readonly DefinitionFact[]): void {
    const order = this.orderOf(file);
    for (const definition of named(definitions)) {
      const list = this.noted(definition.name.value);
      let at = list.length;
      while (at > 0 && this.orderOf((list[at - 1] as Entry).file) > order) at--;
      list.splice(at, 0, { file, definition });
    }
  }

  /** Removes a file's schedules and sensors (those added with the same definition objects); idempotent. */
  remove(definitions: readonly DefinitionFact[]): void {
    for (const definition of named(definitions)) {
      const list = this.noted(definition.name.value);
      const at = list.findIndex((entry) => entry.definition === definition);
      if (at >= 0) list.splice(at, 1);
      if (list.length === 0) this.byName.delete(definition.name.value);
    }
  }

  /** The files whose `duplicate-instigator-name` diagnostics may differ since the last call. */
  takeTouchedFiles(): Set<string> {
    const files = new Set<string>();
    for (const [name, before] of this.before) {
      const after = this.byName.get(name) ?? [];
      if (before.length < 2 && after.length < 2) continue;
      if (signature(before) === signature(after)) continue;
      for (const entry of [...before, ...after]) files.add(entry.file);
    }
    this.before.clear();
    return files;
  }

  /** `duplicate-instigator-name` on each of these definitions whose name another schedule or sensor has. */
  diagnostics(definitions: readonly DefinitionFact[]): AnalysisDiagnostic[] {
    const diagnostics: AnalysisDiagnostic[] = [];
    for (const definition of named(definitions)) {
      const name = definition.name.value;
      const list = this.byName.get(name) ?? [];
      if (list.length < 2) continue;
      const self = list.find((entry) => entry.definition === definition);
      if (!self) continue;
      diagnostics.push({
        file: self.file, span: definition.name.span, severity: "error", code: "duplicate-instigator-name",
        message: `The name "${name}" is given to ${list.length} schedules and sensors; they share one namespace (status, cursor and ticks are kept by name), so each needs its own name: rename one`,
        related: list.filter((entry) => entry !== self).map((entry) => ({
          location: { file: entry.file, span: entry.definition.name.span },
          message: `${entry.definition.api} "${name}" is also defined here`,
        })),
      });
    }
    return diagnostics;
  }

  /** The list of `name`, its state before this round of changes remembered first. */
  private noted(name: string): Entry[] {
    let list = this.byName.get(name);
    if (!list) this.byName.set(name, (list = []));
    if (!this.before.has(name)) this.before.set(name, [...list]);
    return list;
  }
}

function named(definitions: readonly DefinitionFact[]): NamedTrigger[] {
  return definitions.filter((definition): definition is NamedTrigger => (definition.api === "schedule" || definition.api === "sensor") && definition.name !== undefined);
}

/** What the diagnostics of a name's files are made of: who has it, where. */
function signature(entries: readonly Entry[]): string {
  return JSON.stringify(entries.map((entry) => [entry.file, entry.definition.api, entry.definition.name.span]));
}
