import type { AssetNode } from "./model";
import { SelectionChecker } from "./selection";

/**
 * A multiset of names that knows which names appeared or disappeared since the last
 * {@link takeChanges}: net changes only, since a file linked again removes then re-adds its names.
 */
export class CountedNames {
  private readonly counts = new Map<string, number>();
  private sortedCache: string[] | undefined;
  /** Names whose count crossed zero since the last take, with whether they existed before. */
  private readonly crossed = new Map<string, boolean>();

  /** Adds one occurrence. */
  add(name: string): void {
    const count = this.counts.get(name) ?? 0;
    this.counts.set(name, count + 1);
    if (count === 0) {
      this.sortedCache = undefined;
      if (!this.crossed.has(name)) this.crossed.set(name, false);
    }
  }

  /** Removes one occurrence. */
  remove(name: string): void {
    const count = this.counts.get(name) ?? 0;
    if (count <= 1) {
      this.counts.delete(name);
      if (count === 1) {
        this.sortedCache = undefined;
        if (!this.crossed.has(name)) this.crossed.set(name, true);
      }
      return;
    }
    this.counts.set(name, count - 1);
  }

  /** The names that appeared or disappeared (net) since the last call. */
  takeChanges(): string[] {
    const changes: string[] = [];
    for (const [name, existed] of this.crossed) if (this.counts.has(name) !== existed) changes.push(name);
    this.crossed.clear();
    return changes;
  }

  has(name: string): boolean {
    return this.counts.has(name);
  }

  /** The distinct names, sorted (so that "did you mean" never depends on the order of edits). */
  sorted(): string[] {
    this.sortedCache ??= [...this.counts.keys()].sort();
    return this.sortedCache;
  }
}

/**
 * The names selection strings can match (keys, groups, owners, kinds, tags, and job names),
 * counted over every asset node, with the {@link SelectionChecker} rebuilt only after one of them
 * appeared or disappeared.
 */
export class SelectionVocabularyTable {
  private readonly groups = new CountedNames();
  private readonly owners = new CountedNames();
  private readonly kinds = new CountedNames();
  /** `name\0value` pairs. */
  private readonly tags = new CountedNames();
  private checker: SelectionChecker | undefined;

  /** `keys` and `jobs` are counted, and their changes taken, by the linker. */
  constructor(private readonly keys: CountedNames, private readonly jobs: CountedNames) {}

  add(node: AssetNode): void {
    this.apply(node, (names, name) => names.add(name));
  }

  remove(node: AssetNode): void {
    this.apply(node, (names, name) => names.remove(name));
  }

  /**
   * Whether the vocabulary changed (net) since the last call; `keysChanged` and `jobsChanged` say
   * whether the key set and the job names did (the linker counts and takes those).
   */
  takeChanged(keysChanged: boolean, jobsChanged = false): boolean {
    let changed = keysChanged || jobsChanged;
    for (const names of [this.groups, this.owners, this.kinds, this.tags]) if (names.takeChanges().length > 0) changed = true;
    if (changed) this.checker = undefined;
    return changed;
  }

  /** The defined group names (without the implicit "default"), for completion. */
  groupNames(): Set<string> {
    return new Set(this.groups.sorted().filter((g) => g !== "\0default"));
  }

  selectionChecker(): SelectionChecker {
    if (!this.checker) {
      const tags = new Map<string, string[]>();
      for (const pair of this.tags.sorted()) {
        const [name, value] = pair.split("\0") as [string, string];
        const values = tags.get(name);
        if (values) values.push(value);
        else tags.set(name, [value]);
      }
      this.checker = new SelectionChecker({
        keys: this.keys.sorted(),
        groups: this.groups.sorted().map((g) => (g === "\0default" ? "default" : g)),
        owners: this.owners.sorted(),
        kinds: this.kinds.sorted(),
        tags,
        jobs: this.jobs.sorted(),
      });
    }
    return this.checker;
  }

  private apply(node: AssetNode, step: (names: CountedNames, name: string) => void): void {
    // A node without a group is in "default" for selections, but "default" is no group for completion.
    step(this.groups, node.group ?? "\0default");
    for (const owner of node.owners) step(this.owners, owner);
    for (const kind of node.kinds) step(this.kinds, kind);
    for (const [name, value] of Object.entries(node.tags)) step(this.tags, `${name}\0${value}`);
  }
}
