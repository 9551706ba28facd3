/**
 * The automation evaluator: evaluates each asset's condition tree against a snapshot of storage
 * facts and the asset's state from its previous evaluation. Pure: no storage, no clock (the
 * snapshot carries `now`), so Dagster's scenarios translate into plain unit tests.
 *
 * Every node is evaluated for every candidate entity (an asset partition: `key|partition`, with
 * partition "" for an unpartitioned asset), never short-circuited, so the stateful nodes (since,
 * newlyTrue) see every transition, as Dagster's SinceCondition evaluates its children over the
 * full subset. Assets are evaluated parents first, so `willBeRequested` on a dep reads this tick's
 * decision for it.
 */
import type { AutomationCondition } from "../../definitions/automation";
import { TributaryError } from "../../errors";
import { partitionKeysOf, samePartitions, type PartitionContext, type PartitionsDefinition } from "../../partitions/definition";
import { upstreamKeysFor, type PartitionMapping } from "../../partitions/mappings";
import { parseCron, type CronSchedule } from "../../schedules";
import { resolveSelection, type SelectableGraph } from "../../selection";
import { explain, whyTrue } from "./explain";
import type { AutomationNodeJson } from "../../wire/responses";

/** What the evaluator needs of one asset of the graph. */
export interface AutomationAsset {
  key: string;
  deps: readonly string[];
  partitions: PartitionsDefinition | undefined;
  partitionMappings: Readonly<Record<string, PartitionMapping>>;
  codeVersion: string | undefined;
  automation: AutomationCondition | undefined;
}

/** The latest materialization of one asset partition. */
export interface MaterializationFact {
  eventId: number;
  /** Epoch ms. */
  at: number;
  runId: string;
}

/**
 * What storage says, read in a few set-based queries at the start of a tick (see facts.ts).
 * Partition key "" stands for an unpartitioned asset; in-progress partition "*" for a run of a
 * partitioned asset that names no partition (all of them).
 */
export interface AutomationFacts {
  /** Evaluation time, epoch ms. */
  now: number;
  /** Latest materialization per asset, per partition. */
  materializations: ReadonlyMap<string, ReadonlyMap<string, MaterializationFact>>;
  /** Partitions whose latest attempt failed after their latest materialization. */
  failed: ReadonlyMap<string, ReadonlySet<string>>;
  /** Partitions of runs queued or executing. */
  inProgress: ReadonlyMap<string, ReadonlySet<string>>;
  /** The asset keys planned by the runs of recent materializations (for executedWithRootTarget). */
  runAssetKeys: ReadonlyMap<string, ReadonlySet<string>>;
  /** The highest materialization event id seen: the next evaluation's "newly updated" cursor. */
  eventCursor: number;
  /** Stored keys of dynamic partitions by name. */
  dynamicKeys: ReadonlyMap<string, readonly string[]>;
}

/** What an asset's evaluation keeps for the next one (stored in automation_asset_state). */
export interface AutomationAssetState {
  tickId: number;
  /** Epoch ms of the evaluation. */
  evaluatedAt: number;
  /** Materialization events with a higher id are "newly updated" at the next evaluation. */
  eventCursor: number;
  /**
   * Event ids of the latest materializations of the asset and its deps written within
   * {@link LATE_COMMIT_GRACE_MS} before this evaluation. A materialization not among them, written
   * in that window, was not visible yet, even with an id below the cursor (a transaction that took
   * its id first and committed last): it is newly updated at the next evaluation. Absent in states
   * stored before it existed.
   */
  recentEventIds?: number[];
  /** The condition's shape: a changed condition starts again from an initial evaluation. */
  conditionHash: string;
  codeVersion: string | null;
  /** Partitions requested (["" ] for an unpartitioned asset requested). */
  requested: string[];
  /** True entities (`key|partition`) of each stateful node, by node path. */
  nodes: Record<string, string[]>;
  /** Why each true `since` node's trigger fired, by node path: explanations on later ticks. */
  notes?: Record<string, string>;
  /** The reason of the latest stored evaluation: an unchanged one is not stored again. */
  storedReason?: string;
}

/**
 * One node of an evaluated tree, as stored and shown by `automation explain`: the wire contract's
 * shape (`GET /api/assets/:key/evaluations`), so the tree is stored as the API answers it.
 */
export type EvaluatedNode = AutomationNodeJson;

/** The evaluation of one asset. */
export interface AssetEvaluation {
  assetKey: string;
  /** Partitions requested: [""] for a requested unpartitioned asset; [] when nothing is. */
  requested: string[];
  reason: string;
  tree: EvaluatedNode | null;
  /** The state to keep; null when evaluation failed (the previous state is kept). */
  state: AutomationAssetState | null;
  /** The error's message when the condition could not be evaluated. */
  error?: string;
}

/**
 * How long after its writer stamped it a materialization may still become visible to a tick. Event
 * ids come from a sequence taken at insert, so on PostgreSQL a transaction can commit after one
 * with a higher id; the cursor alone would then skip its event for good. Generous: it covers long
 * transactions and clock skew between workers and the daemon, and costs a few ids per state.
 */
export const LATE_COMMIT_GRACE_MS = 5 * 60_000;

/** Options of {@link evaluateAutomation}. */
export interface EvaluateOptions {
  tickId: number;
  /** The assets in topological order (parents first). */
  assets: readonly AutomationAsset[];
  /** For `.allow()` / `.ignore()` selections. */
  graph: SelectableGraph;
  facts: AutomationFacts;
  /** Each asset's state from its previous evaluation. */
  previous: ReadonlyMap<string, AutomationAssetState>;
}

/** Evaluates every asset with a condition; one failing condition does not stop the others. */
export function evaluateAutomation(options: EvaluateOptions): AssetEvaluation[] {
  const byKey = new Map(options.assets.map((asset) => [asset.key, asset]));
  const requestedNow = new Map<string, Set<string>>();
  const shared = new SharedCaches(options);
  const results: AssetEvaluation[] = [];
  for (const asset of options.assets) {
    if (!asset.automation) continue;
    try {
      const evaluation = new AssetEvaluator(asset, byKey, requestedNow, options, shared).run();
      if (evaluation.requested.length > 0) requestedNow.set(asset.key, new Set(evaluation.requested));
      results.push(evaluation);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      results.push({
        assetKey: asset.key,
        requested: [],
        reason: `the condition could not be evaluated, so nothing was requested: ${message}`,
        tree: null,
        state: null,
        error: message,
      });
    }
  }
  return results;
}

/** A stable hash of a condition's shape. */
export function conditionHash(condition: AutomationCondition): string {
  const cached = hashes.get(condition);
  if (cached) return cached;
  const text = JSON.stringify(condition.toJSON());
  let hash = 2166136261;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 16777619);
  }
  const result = (hash >>> 0).toString(16).padStart(8, "0");
  hashes.set(condition, result);
  return result;
}

/** Caches shared by the assets of one evaluation (parsed crons, resolved selections, keys). */
class SharedCaches {
  private readonly crons = new Map<string, CronSchedule>();
  private readonly selections = new Map<string, Set<string>>();
  readonly partitionContext: PartitionContext;
  private readonly keys = new Map<PartitionsDefinition, readonly string[]>();
  private readonly recent = new Map<string, number[]>();

  constructor(private readonly options: EvaluateOptions) {
    this.partitionContext = { now: new Date(options.facts.now), dynamicKeys: options.facts.dynamicKeys };
  }

  cron(expression: string, timezone: string): CronSchedule {
    const id = `${expression}\u0000${timezone}`;
    let cron = this.crons.get(id);
    if (!cron) this.crons.set(id, (cron = parseCron(expression, timezone)));
    return cron;
  }

  selection(text: string): Set<string> {
    let keys = this.selections.get(text);
    if (!keys) this.selections.set(text, (keys = resolveSelection(text, this.options.graph)));
    return keys;
  }

  /** The candidate partitions of an asset: the latest time window, or every key; [""] unpartitioned. */
  candidates(partitions: PartitionsDefinition | undefined): readonly string[] {
    if (!partitions) return [""];
    let keys = this.keys.get(partitions);
    if (!keys) {
      const all = partitionKeysOf(partitions, this.partitionContext);
      if (partitions.kind === "time") {
        const last = all.at(-1);
        keys = last === undefined ? [] : [last];
      } else keys = all.toArray();
      this.keys.set(partitions, keys);
    }
    return keys;
  }

  /**
   * The ids of `key`'s materializations written within {@link LATE_COMMIT_GRACE_MS} before now,
   * once per tick: a partitioned dep read by many assets is scanned once, not by each of them.
   */
  recentEventIds(key: string): readonly number[] {
    let ids = this.recent.get(key);
    if (!ids) {
      const since = this.options.facts.now - LATE_COMMIT_GRACE_MS;
      ids = [];
      for (const fact of this.options.facts.materializations.get(key)?.values() ?? []) if (fact.at >= since) ids.push(fact.eventId);
      this.recent.set(key, ids);
    }
    return ids;
  }

  isLatestTimeWindow(partitions: PartitionsDefinition | undefined, partition: string): boolean {
    if (!partitions || partitions.kind !== "time") return true;
    return partitionKeysOf(partitions, this.partitionContext).at(-1) === partition;
  }
}

/** One entity: an asset and one of its partitions ("" unpartitioned). */
interface Entity {
  key: string;
  partition: string;
}

const entityId = (entity: Entity) => `${entity.key}|${entity.partition}`;

/** What one node recorded over the entities it was evaluated for. */
interface NodeRecord {
  trueRoots: Set<string>;
  matched: Set<string>;
  unmatched: Set<string>;
  detail?: string;
}

class AssetEvaluator {
  private readonly state: AutomationAssetState | undefined;
  private readonly hash: string;
  private readonly records = new Map<string, NodeRecord>();
  private readonly nodeStates: Record<string, Set<string>> = {};
  /**
   * When each true event node's event happened (epoch ms), by `path#entity`: a since whose trigger
   * and reset are both true on one evaluation keeps the later of the two (see docs/automation.md).
   */
  private readonly eventAt = new Map<string, number>();
  /** The previous state's {@link AutomationAssetState.recentEventIds}, as a set once asked. */
  private seenRecently: Set<number> | undefined;
  /** The root partition being evaluated (for recording per root partition). */
  private root: Entity = { key: "", partition: "" };

  constructor(
    private readonly asset: AutomationAsset,
    private readonly assets: ReadonlyMap<string, AutomationAsset>,
    private readonly requestedNow: ReadonlyMap<string, ReadonlySet<string>>,
    private readonly options: EvaluateOptions,
    private readonly shared: SharedCaches,
  ) {
    this.hash = conditionHash(asset.automation!);
    const previous = options.previous.get(asset.key);
    // A changed condition starts again: its nodes' states meant something else.
    this.state = previous && previous.conditionHash === this.hash ? previous : undefined;
  }

  run(): AssetEvaluation {
    const condition = this.asset.automation!;
    const requested: string[] = [];
    for (const partition of this.shared.candidates(this.asset.partitions)) {
      this.root = { key: this.asset.key, partition };
      if (this.evaluate(condition, "0", this.root)) requested.push(partition);
    }
    const notes: Record<string, string> = {};
    const tree = this.tree(condition, "0", notes);
    const facts = this.options.facts;
    const nodes: Record<string, string[]> = {};
    for (const [path, entities] of Object.entries(this.nodeStates)) nodes[path] = [...entities];
    const state: AutomationAssetState = {
      tickId: this.options.tickId,
      evaluatedAt: facts.now,
      eventCursor: facts.eventCursor,
      recentEventIds: this.recentEventIds(),
      conditionHash: this.hash,
      codeVersion: this.asset.codeVersion ?? null,
      requested,
      nodes,
      ...(Object.keys(notes).length > 0 ? { notes } : {}),
    };
    return { assetKey: this.asset.key, requested, reason: explain(tree, requested, this.asset), tree, state };
  }

  /** The ids of the asset's and its deps' materializations written within the grace before now. */
  private recentEventIds(): number[] {
    return [this.asset.key, ...this.asset.deps].flatMap((key) => this.shared.recentEventIds(key));
  }

  /** Whether `fact` is newer than the previous evaluation saw: above its cursor, or committed late. */
  private isNewSinceLastEvaluation(fact: MaterializationFact): boolean {
    const state = this.state!;
    if (fact.eventId > state.eventCursor) return true;
    if (!state.recentEventIds || fact.at < state.evaluatedAt - LATE_COMMIT_GRACE_MS) return false;
    this.seenRecently ??= new Set(state.recentEventIds);
    return !this.seenRecently.has(fact.eventId);
  }

  private record(path: string): NodeRecord {
    let record = this.records.get(path);
    if (!record) this.records.set(path, (record = { trueRoots: new Set(), matched: new Set(), unmatched: new Set() }));
    return record;
  }

  private readonly previousSets = new Map<string, ReadonlySet<string>>();

  /** The node's stored true entities from the previous evaluation. */
  private previousTrue(path: string): ReadonlySet<string> {
    let set = this.previousSets.get(path);
    if (!set) this.previousSets.set(path, (set = new Set(this.state?.nodes[path] ?? [])));
    return set;
  }

  /** Remembers whether a stateful node is true for an entity (others keep their previous state). */
  private remember(path: string, entity: Entity, value: boolean): void {
    let set = this.nodeStates[path];
    if (!set) set = this.nodeStates[path] = new Set(this.state?.nodes[path] ?? []);
    if (value) set.add(entityId(entity));
    else set.delete(entityId(entity));
  }

  private atOf(path: string, entity: Entity): number | undefined {
    return this.eventAt.get(`${path}#${entityId(entity)}`);
  }

  private setAt(path: string, entity: Entity, at: number | undefined): void {
    if (at !== undefined) this.eventAt.set(`${path}#${entityId(entity)}`, at);
  }

  /** The latest event instant of the true children evaluated for `entity`. */
  private latestOf(paths: string[], entity: Entity): number | undefined {
    let latest: number | undefined;
    for (const path of paths) {
      const at = this.atOf(path, entity);
      if (at !== undefined && (latest === undefined || at > latest)) latest = at;
    }
    return latest;
  }

  private evaluate(node: AutomationCondition, path: string, entity: Entity): boolean {
    this.eventAt.delete(`${path}#${entityId(entity)}`);
    const value = this.evaluateNode(node, path, entity);
    if (!value) this.eventAt.delete(`${path}#${entityId(entity)}`);
    // A node under a dep condition counts as true for the root partition whose deps made it true.
    if (value) this.record(path).trueRoots.add(this.root.partition);
    return value;
  }

  private evaluateNode(node: AutomationCondition, path: string, entity: Entity): boolean {
    const facts = this.options.facts;
    switch (node.kind) {
      case "and": {
        let all = true;
        const trueChildren: string[] = [];
        node.children.forEach((child, i) => {
          if (!this.evaluate(child, `${path}.${i}`, entity)) all = false;
          else trueChildren.push(`${path}.${i}`);
        });
        this.setAt(path, entity, this.latestOf(trueChildren, entity));
        return all;
      }
      case "or": {
        let any = false;
        const trueChildren: string[] = [];
        node.children.forEach((child, i) => {
          if (this.evaluate(child, `${path}.${i}`, entity)) {
            any = true;
            trueChildren.push(`${path}.${i}`);
          }
        });
        this.setAt(path, entity, this.latestOf(trueChildren, entity));
        return any;
      }
      case "not":
        return !this.evaluate(node.children[0]!, `${path}.0`, entity);
      case "since": {
        const trigger = this.evaluate(node.children[0]!, `${path}.0`, entity);
        const reset = this.evaluate(node.children[1]!, `${path}.1`, entity);
        // (previous ∪ trigger) − reset, as Dagster's SinceCondition; but on an evaluation where both
        // are true, the trigger wins when its event is the later one (a dep updated after the
        // asset's own run is not lost; Dagster lets the reset win whatever the order).
        const triggerAt = this.atOf(`${path}.0`, entity);
        const resetAt = this.atOf(`${path}.1`, entity);
        const triggerLater = trigger && reset && triggerAt !== undefined && resetAt !== undefined && triggerAt > resetAt;
        const value = triggerLater || ((this.previousTrue(path).has(entityId(entity)) || trigger) && !reset);
        if (triggerLater) this.setAt(path, entity, triggerAt);
        this.remember(path, entity, value);
        return value;
      }
      case "newlyTrue": {
        const now = this.evaluate(node.children[0]!, `${path}.0`, entity);
        const before = this.previousTrue(path).has(entityId(entity));
        this.remember(path, entity, now);
        // Nothing is "newly" true on an initial evaluation's missing history: Dagster compares with
        // an empty previous subset, so a status true at the first evaluation is newly true then.
        return now && !before;
      }
      case "anyDeps":
      case "allDeps":
        return this.evaluateDeps(node, path, entity);
      case "missing":
        return this.isMissing(entity);
      case "inProgress":
        return this.isInProgress(entity);
      case "executionFailed":
        return facts.failed.get(entity.key)?.has(entity.partition) ?? false;
      case "newlyUpdated": {
        if (!this.state) return false;
        const fact = facts.materializations.get(entity.key)?.get(entity.partition);
        const value = fact !== undefined && this.isNewSinceLastEvaluation(fact);
        if (value) {
          this.noteDetail(path, new Date(fact.at).toISOString());
          this.setAt(path, entity, fact.at);
        }
        return value;
      }
      case "newlyRequested": {
        if (!this.state) return false;
        const other = entity.key === this.asset.key ? this.state : this.options.previous.get(entity.key);
        const value = other !== undefined && other.tickId === this.state.tickId && other.requested.includes(entity.partition);
        if (value) this.setAt(path, entity, other.evaluatedAt);
        return value;
      }
      case "codeVersionChanged": {
        if (!this.state) return false;
        // A dep's code version is compared with the dep's own previous evaluation, when it has one.
        const before = entity.key === this.asset.key ? this.state : this.options.previous.get(entity.key);
        const current = this.assets.get(entity.key)?.codeVersion ?? null;
        return before !== undefined && before.codeVersion !== current;
      }
      case "cronTickPassed": {
        if (!this.state) return false;
        const cron = this.shared.cron(node.params.cron!, node.params.timezone!);
        const next = cron.nextAfter(this.state.evaluatedAt);
        const value = next !== null && next <= facts.now;
        if (value) {
          const tickAt = latestFireBefore(cron, this.state.evaluatedAt, facts.now);
          this.noteDetail(path, new Date(tickAt).toISOString());
          this.setAt(path, entity, tickAt);
        }
        return value;
      }
      case "inLatestTimeWindow":
        return this.shared.isLatestTimeWindow(this.assets.get(entity.key)?.partitions, entity.partition);
      case "initialEvaluation":
        if (this.state === undefined) this.setAt(path, entity, facts.now);
        return this.state === undefined;
      case "willBeRequested": {
        // Only a dep that can share the root's run counts (Dagster: executable with the root):
        // another run could start the root before the dep's run ends.
        const other = this.assets.get(entity.key);
        const together = entity.key === this.asset.key || (other !== undefined && canRunTogether(this.asset, other));
        const value = together && (this.requestedNow.get(entity.key)?.has(entity.partition) ?? false);
        // It updates after this evaluation: later than anything that reset before it.
        if (value) this.setAt(path, entity, facts.now);
        return value;
      }
      case "executedWithRootTarget": {
        const fact = facts.materializations.get(entity.key)?.get(entity.partition);
        return fact !== undefined && (facts.runAssetKeys.get(fact.runId)?.has(this.asset.key) ?? false);
      }
    }
  }

  private noteDetail(path: string, detail: string): void {
    const record = this.record(path);
    if (!record.detail || detail > record.detail) record.detail = detail;
  }

  private isMissing(entity: Entity): boolean {
    const partitions = this.options.facts.materializations.get(entity.key);
    if (!partitions?.has(entity.partition)) return true;
    // A partition whose latest attempt failed counts as missing (see docs/automation.md).
    return entity.partition !== "" && (this.options.facts.failed.get(entity.key)?.has(entity.partition) ?? false);
  }

  private isInProgress(entity: Entity): boolean {
    const running = this.options.facts.inProgress.get(entity.key);
    return running !== undefined && (running.has(entity.partition) || running.has("*"));
  }

  /**
   * A dep condition: per dep, true when the child is true for any of the dep partitions that the
   * entity's partition reads (Dagster maps the dep's true subset downstream); then any / all deps.
   */
  private evaluateDeps(node: AutomationCondition, path: string, entity: Entity): boolean {
    const asset = this.assets.get(entity.key);
    if (!asset) return false;
    const record = this.record(path);
    let deps = asset.deps.filter((dep) => this.assets.has(dep));
    if (node.params.allow) {
      const allowed = this.shared.selection(node.params.allow);
      deps = deps.filter((dep) => allowed.has(dep));
    }
    if (node.params.ignore) {
      const ignored = this.shared.selection(node.params.ignore);
      deps = deps.filter((dep) => !ignored.has(dep));
    }
    const child = node.children[0]!;
    const isRoot = entity.key === this.root.key;
    let any = false;
    let all = true;
    let latest: number | undefined;
    for (const dep of deps) {
      const upstream = this.assets.get(dep)!;
      let depTrue = false;
      for (const partition of this.depPartitions(asset, entity.partition, upstream)) {
        // Every dep partition is evaluated: the stateful nodes below see every transition.
        const depEntity = { key: dep, partition };
        if (this.evaluate(child, `${path}.0`, depEntity)) {
          depTrue = true;
          const at = this.atOf(`${path}.0`, depEntity);
          if (at !== undefined && (latest === undefined || at > latest)) latest = at;
        }
      }
      if (depTrue) any = true;
      else all = false;
      if (isRoot) (depTrue ? record.matched : record.unmatched).add(dep);
    }
    this.setAt(path, entity, latest);
    return node.kind === "anyDeps" ? any : all;
  }

  private depPartitions(asset: AutomationAsset, partition: string, upstream: AutomationAsset): readonly string[] {
    if (!upstream.partitions) return [""];
    const mapped = upstreamKeysFor(
      asset.partitionMappings[upstream.key],
      asset.partitions,
      asset.partitions ? partition : undefined,
      upstream.partitions,
      this.shared.partitionContext,
    );
    return mapped.partitioned ? mapped.keys : [""];
  }

  private tree(node: AutomationCondition, path: string, notes: Record<string, string>): EvaluatedNode {
    const record = this.records.get(path);
    const partitioned = this.asset.partitions !== undefined;
    const result: EvaluatedNode = {
      kind: node.kind,
      name: describeOnce(node),
      result: (record?.trueRoots.size ?? 0) > 0,
    };
    if (partitioned) result.partitions = [...(record?.trueRoots ?? [])];
    if (record && (node.kind === "anyDeps" || node.kind === "allDeps")) {
      result.matched = [...record.matched];
      result.unmatched = [...record.unmatched];
    }
    if (record?.detail) result.detail = record.detail;
    if (node.children.length > 0) result.children = node.children.map((child, i) => this.tree(child, `${path}.${i}`, notes));
    if (node.kind === "since" && result.result) {
      // Why the trigger fired: now, or as noted on the evaluation where it did.
      const trigger = result.children![0]!;
      const note = trigger.result ? whyTrue(trigger).filter((part) => part !== "").join(" and ") : this.state?.notes?.[path];
      if (note) {
        notes[path] = note;
        result.detail = note;
      }
    }
    return result;
  }
}

const descriptions = new WeakMap<AutomationCondition, string>();

/** A node's description, computed once per condition object (describe() walks the subtree). */
function describeOnce(node: AutomationCondition): string {
  let text = descriptions.get(node);
  if (text === undefined) descriptions.set(node, (text = node.describe()));
  return text;
}

const hashes = new WeakMap<AutomationCondition, string>();

/** The latest fire of `cron` in (after, until]. */
function latestFireBefore(cron: CronSchedule, after: number, until: number): number {
  let latest = after;
  for (let next = cron.nextAfter(after), guard = 0; next !== null && next <= until && guard < 10_000; next = cron.nextAfter(next), guard++) latest = next;
  return latest;
}

/** Whether two assets can share a run for one partition key (the same partitions, or neither partitioned). */
export function canRunTogether(a: AutomationAsset, b: AutomationAsset): boolean {
  if (!a.partitions && !b.partitions) return true;
  if (!a.partitions || !b.partitions) return false;
  return samePartitions(a.partitions, b.partitions);
}

/** Thrown for a graph the evaluator cannot work with. */
export class AutomationEvaluationError extends TributaryError {}
