import { validateMapping, type PartitionMapping, type PartitionsDefinition } from "tributary-ts/partitions";
import type { FileDeclarations, FileLinkContext } from "./link";
import { type AssetDefinitionFact, isAssetDefinition, type PartitionCallFact, type PartitionValueFact, type Span } from "./model";
import { isRuntimeSpecifier } from "./moduleResolver";
import { buildPartitionCall } from "./partitionModel";
import { suggestName } from "./selection";

/**
 * What an asset's `partitions` (or one mapping) is, as far as the analysis can tell:
 * - `none`: not given (an unpartitioned asset, or a dep with the default mapping);
 * - `known`: a Tributary factory call whose arguments are literals, built by the runtime;
 * - `unknown`: anything else (a computed value, another package, invalid arguments): never checked.
 */
type Resolved<T> = { state: "none" } | { state: "known"; value: T; description: string } | { state: "unknown"; description: string };

/**
 * The partition rules of one file: problems with the partition and mapping calls written in it
 * (`invalid-partition-start`, `unknown-timezone`, `duplicate-partition-key`, `invalid-partitions`),
 * then per asset `partition-mapping-unknown-dep` and `incompatible-partition-mapping` with the
 * runtime's own mapping validation against each upstream's partitions. Sets each asset node's
 * `partitions` description for hovers. Everything read about other files goes through the
 * resolver and `ownerOf`, so the incremental link knows when to run this again.
 */
export function checkPartitions(context: FileLinkContext, declarations: FileDeclarations): void {
  const { file, facts } = context;
  for (const call of Object.values(facts.partitionConsts ?? {})) reportCallProblems(context, call);
  for (const definition of declarations.definitions) {
    if (!isAssetDefinition(definition)) continue;
    if (definition.partitions?.kind === "call") reportCallProblems(context, definition.partitions.call);
    for (const entry of definition.partitionMappings ?? []) if (entry.value.kind === "call") reportCallProblems(context, entry.value.call);
  }
  for (const definition of declarations.definitions) {
    if (!isAssetDefinition(definition)) continue;
    if (!definition.partitions && !definition.partitionMappings) continue;
    const own = resolveValue<PartitionsDefinition>(context, file, definition.partitions, "partitions");
    if (own.state !== "none") {
      for (const node of declarations.nodes) if (node.definition === definition) node.partitions = own.description;
    }
    checkDeps(context, definition, own);
  }
}

function isTributaryCall(context: FileLinkContext, file: string, call: PartitionCallFact): boolean {
  return isRuntimeSpecifier(call.apiModule) || context.resolver.isTributaryApi(file, call.apiModule, call.factory);
}

function reportCallProblems(context: FileLinkContext, call: PartitionCallFact): void {
  if (!isTributaryCall(context, context.file, call)) return;
  for (const problem of buildPartitionCall(call).problems) {
    context.report({
      file: context.file, span: problem.span, severity: "error", code: problem.code, message: problem.message,
      ...(problem.related ? { related: problem.related.map((r) => ({ location: { file: context.file, span: r.span }, message: r.message })) } : {}),
      ...(problem.data ? { data: problem.data } : {}),
    });
  }
}

/** Resolves `partitions: ...` or a mapping written in `file` (inline call, or a constant of any file). */
function resolveValue<T>(context: FileLinkContext, file: string, value: PartitionValueFact | undefined, what: "partitions" | "mapping"): Resolved<T> {
  if (!value) return { state: "none" };
  const notStatic = { state: "unknown" as const, description: `${what} not read statically (not a factory call or a constant bound to one)` };
  let call: PartitionCallFact;
  let callFile = file;
  if (value.kind === "call") call = value.call;
  else if (value.kind === "ref") {
    const target = context.resolver.resolveRef(file, value.name, value.member);
    if (target.kind !== "partitions") return notStatic;
    call = target.call;
    callFile = target.file;
  } else return notStatic;
  if (!isTributaryCall(context, callFile, call)) return notStatic;
  const built = buildPartitionCall(call);
  return built.value ? { state: "known", value: built.value as T, description: built.description } : { state: "unknown", description: built.description };
}

/** The partitions of the asset owning `key`, read from its file (recorded, so an edit there relinks us). */
function upstreamPartitions(context: FileLinkContext, key: string): Resolved<PartitionsDefinition> {
  const owner = context.project.ownerOf(key);
  if (!owner) return { state: "unknown", description: "" };
  context.resolver.tracker.read(owner.location.file);
  return resolveValue<PartitionsDefinition>(context, owner.location.file, owner.definition.partitions, "partitions");
}

function checkDeps(context: FileLinkContext, definition: AssetDefinitionFact, own: Resolved<PartitionsDefinition>): void {
  const { file } = context;
  const ownKeys = definition.outs.flatMap((o) => (o.key ? [o.key.value] : []));
  const downstreamKey = definition.api === "multiAsset" ? definition.name?.value ?? ownKeys[0] : ownKeys[0];
  if (downstreamKey === undefined) return;
  const depSpans = new Map<string, Span>();
  let depsComplete = true;
  for (const dep of definition.deps) {
    const resolution = context.resolveAssets(file, dep);
    if (resolution.kind !== "keys") {
      depsComplete = false;
      continue;
    }
    for (const key of resolution.keys) if (!depSpans.has(key) && !ownKeys.includes(key)) depSpans.set(key, dep.span);
  }
  // A sqlAsset's upstreams are also the assets its query interpolates (link.ts makes them deps the
  // same way); any other `${...}` is a bound parameter, not a dep, so it leaves the deps complete.
  for (const substitution of definition.sql?.substitutions ?? []) {
    if (substitution.ref.kind !== "ref") continue;
    const resolution = context.resolveAssets(file, substitution.ref);
    if (resolution.kind !== "keys" || resolution.keys.length !== 1) continue;
    const key = resolution.keys[0] as string;
    if (!depSpans.has(key) && !ownKeys.includes(key)) depSpans.set(key, substitution.ref.span);
  }
  const entries = definition.partitionMappings ?? [];
  for (const entry of entries) {
    if (depSpans.has(entry.key.value) || !depsComplete || ownKeys.includes(entry.key.value)) continue;
    const suggestion = suggestName(entry.key.value, [...depSpans.keys()]);
    context.report({
      file, span: entry.key.span, severity: "error", code: "partition-mapping-unknown-dep",
      message: `partitionMappings names "${entry.key.value}", which is not one of the deps of "${downstreamKey}"${suggestion !== undefined ? `; did you mean "${suggestion}"?` : "; add it to deps or remove the mapping"}`,
      ...(suggestion !== undefined ? { data: { replacement: suggestion } } : {}),
    });
  }
  if (own.state === "unknown") return;
  const down = own.state === "known" ? own.value : undefined;
  for (const [key, depSpan] of depSpans) {
    const entry = entries.find((e) => e.key.value === key);
    // An unpartitioned asset reading with the default mapping always reads everything: nothing to check.
    if (!entry && !down) continue;
    let mapping: PartitionMapping | undefined;
    if (entry) {
      const resolved = resolveValue<PartitionMapping>(context, file, entry.value, "mapping");
      if (resolved.state !== "known") continue;
      mapping = resolved.value;
    }
    const up = upstreamPartitions(context, key);
    if (up.state === "unknown") continue;
    const problem = validateMapping(mapping, { key: downstreamKey, partitions: down }, { key, partitions: up.state === "known" ? up.value : undefined });
    if (!problem) continue;
    context.report({
      file, span: entry ? entry.value.span : depSpan, severity: "error", code: "incompatible-partition-mapping",
      message: `${capitalize(problem.message)}. ${problem.hint}`,
    });
  }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
