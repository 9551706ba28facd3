import { DefinitionError, type LocationLike } from "../errors";
import { isKeyProblem } from "./calendar";
import { listForMessage, partitionKeyProblem } from "./common";
import { sameCalendar, type PartitionsDefinition } from "./definition";
import { defaultPartitionMapping, isPartitionMapping, type PartitionMapping, type StaticPartitionMapping } from "./mappings";

/**
 * Load-time checks of partition mappings: does a mapping (or the default) connect a downstream
 * asset's partitions to an upstream asset's? Problems come back as message + hint so the loader and
 * the language server can each report them at the dependency's location.
 */

/** One side of a dependency, for validation messages: the asset key and its partitions (if any). */
export interface MappingSide {
  key: string;
  partitions: PartitionsDefinition | undefined;
}

/** Why a mapping cannot connect two assets, ready for a DefinitionError. */
export interface MappingProblem {
  message: string;
  hint: string;
}

/**
 * Checks at load that `mapping` (or the default when undefined) can connect a downstream asset to
 * one upstream asset. Returns the problem, or undefined when the mapping is fine.
 */
export function validateMapping(
  mapping: PartitionMapping | undefined,
  downstream: MappingSide,
  upstream: MappingSide,
): MappingProblem | undefined {
  if (mapping !== undefined && !isPartitionMapping(mapping)) {
    return problem(`asset "${downstream.key}": the partition mapping for "${upstream.key}" is not a mapping`, "Use identityMapping(), timeWindowMapping(), allPartitionsMapping(), lastPartitionMapping() or staticMapping().");
  }
  const resolved = mapping ?? defaultPartitionMapping(downstream.partitions, upstream.partitions);
  const down = downstream.partitions;
  const up = upstream.partitions;
  const subject = `asset "${downstream.key}" depends on "${upstream.key}" with the ${mapping ? "" : "default "}${resolved.kind} mapping`;
  const sides = `"${downstream.key}" has ${describeSide(down)} and "${upstream.key}" has ${describeSide(up)}`;
  if (!up) {
    if (mapping === undefined || resolved.kind === "allPartitions") return undefined;
    return problem(`${subject}, but "${upstream.key}" is not partitioned`, `Remove the mapping: every partition of "${downstream.key}" reads all of "${upstream.key}".`);
  }
  if (!down && (resolved.kind === "identity" || resolved.kind === "timeWindow" || resolved.kind === "static")) {
    return problem(`${subject}, but "${downstream.key}" is not partitioned, so it has no key to map`, `Use allPartitionsMapping() (read every partition) or lastPartitionMapping() (read the latest), or partition "${downstream.key}".`);
  }
  switch (resolved.kind) {
    case "identity":
      return validateIdentity(subject, sides, down!, up, downstream.key);
    case "timeWindow":
      if (down!.kind !== "time" || up.kind !== "time") {
        return problem(`${subject}, but ${sides}; time-window mappings connect two time-partitioned assets`, down!.kind === "time" || up.kind === "time" ? "Use staticMapping() to list which keys read which, or allPartitionsMapping()." : "Use identityMapping() or staticMapping().");
      }
      return undefined;
    case "static":
      return validateStatic(subject, resolved, down!, up, downstream.key, upstream.key);
    case "allPartitions":
    case "lastPartition":
      return undefined;
  }
}

/** Throws a DefinitionError (at `location`) when {@link validateMapping} finds a problem. */
export function assertValidMapping(
  mapping: PartitionMapping | undefined,
  downstream: MappingSide,
  upstream: MappingSide,
  location?: LocationLike,
): void {
  const found = validateMapping(mapping, downstream, upstream);
  if (found) throw new DefinitionError(found.message, { hint: found.hint, location });
}

function validateIdentity(subject: string, sides: string, down: PartitionsDefinition, up: PartitionsDefinition, downstreamKey: string): MappingProblem | undefined {
  if (down.kind !== up.kind) {
    const hint = down.kind === "time" || up.kind === "time"
      ? "Use staticMapping() to say which keys read which, or allPartitionsMapping() to read every partition."
      : "Give both assets the same partitions, or use staticMapping().";
    return problem(`${subject}, but ${sides}; the identity needs the same partitions`, hint);
  }
  if (down.kind === "time" && up.kind === "time" && !sameCalendar(down, up)) {
    return problem(`${subject}, but ${sides}; their keys name different windows`, "Use timeWindowMapping() to read the upstream windows that overlap each downstream window.");
  }
  if (down.kind === "static" && up.kind === "static") {
    const missing = down.keyList.filter((key) => !up.contains(key));
    if (missing.length > 0) {
      return problem(`${subject}, but the partitions ${listForMessage(missing)} of "${downstreamKey}" do not exist upstream`, "Add them upstream, or use staticMapping() to say which upstream keys they read.");
    }
  }
  if (down.kind === "dynamic" && up.kind === "dynamic" && down.name !== up.name) {
    return problem(`${subject}, but ${sides}; the identity needs the same dynamic name`, `Use dynamicPartitions({ name: "${up.name}" }) on both, or staticMapping().`);
  }
  return undefined;
}

function validateStatic(subject: string, mapping: StaticPartitionMapping, down: PartitionsDefinition, up: PartitionsDefinition, downstreamKey: string, upstreamKey: string): MappingProblem | undefined {
  const table = mapping.upstreamKeysByDownstreamKey;
  const badDown = Object.keys(table).filter((key) => !acceptsKey(down, key));
  if (badDown.length > 0) {
    return problem(`${subject}, which lists ${listForMessage(badDown)}, not partitions of "${downstreamKey}" (${down.describe()})`, "Use keys of the downstream asset on the left of the mapping.");
  }
  const badUp = [...new Set(Object.values(table).flat())].filter((key) => !acceptsKey(up, key));
  if (badUp.length > 0) {
    return problem(`${subject}, which reads ${listForMessage(badUp)}, not partitions of "${upstreamKey}" (${up.describe()})`, "Use keys of the upstream asset in the lists of the mapping.");
  }
  return undefined;
}

/** Whether a key can belong to a definition, judged at load (dynamic keys are only known at run time). */
function acceptsKey(definition: PartitionsDefinition, key: string): boolean {
  if (definition.kind === "static") return definition.contains(key);
  if (definition.kind === "dynamic") return partitionKeyProblem(key) === undefined;
  const index = definition.calendar.indexOfKey(key);
  return !isKeyProblem(index) && definition.inRange(index);
}

function describeSide(definition: PartitionsDefinition | undefined): string {
  return definition ? definition.describe() : "no partitions";
}

function problem(message: string, hint: string): MappingProblem {
  return { message, hint };
}

