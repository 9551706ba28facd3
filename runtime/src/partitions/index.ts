/**
 * Partitions: how an asset is split into time windows or keyed slices, and how the partitions of
 * dependent assets map to each other. Pure definitions and key math; storage, execution and the
 * daemon build on it (see README-integration.md).
 */
export { PartitionKeyError, partitionKeyProblem, MAX_PARTITION_KEY_LENGTH, type PartitionsKind } from "./common";
export {
  isPartitionsDefinition,
  partitionKeysOf,
  hasPartitionKey,
  loadDynamicPartitionKeys,
  samePartitions,
  sameCalendar,
  type PartitionsDefinition,
  type PartitionContext,
} from "./definition";
export type { PartitionKeySequence } from "./sequence";
export {
  TimeWindowPartitionsDefinition,
  isTimeWindowPartitions,
  type TimeWindow,
  type TimeWindowPartitionsOptions,
  type WeeklyPartitionsOptions,
  type DayOfWeek,
} from "./timeWindow";
export type { Cadence } from "./calendar";
export { hourlyPartitions, dailyPartitions, weeklyPartitions, monthlyPartitions } from "./timeWindowFactories";
export { staticPartitions, type StaticPartitionsDefinition } from "./static";
export { dynamicPartitions, type DynamicPartitionsDefinition, type DynamicPartitionStore } from "./dynamic";
export {
  identityMapping,
  timeWindowMapping,
  allPartitionsMapping,
  lastPartitionMapping,
  staticMapping,
  isPartitionMapping,
  defaultPartitionMapping,
  upstreamKeysFor,
  downstreamKeysFor,
  type PartitionMapping,
  type IdentityPartitionMapping,
  type TimeWindowPartitionMapping,
  type AllPartitionsMapping,
  type LastPartitionMapping,
  type StaticPartitionMapping,
  type MappedPartitions,
} from "./mappings";
export { validateMapping, assertValidMapping, type MappingSide, type MappingProblem } from "./mappingValidation";
