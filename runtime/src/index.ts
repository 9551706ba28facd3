/**
 * `tributary`: asset-based orchestration for data warehouses, in TypeScript.
 *
 * This file is the package's whole public surface; internals are not re-exported.
 *
 * @example
 * ```ts
 * import { asset, definitions } from "tributary-ts";
 *
 * export const rawOrders = asset({ key: "raw_orders", group: "raw" }, async () => loadCsv("orders.csv"));
 * export const stgOrders = asset(
 *   { key: "stg_orders", group: "staging", deps: [rawOrders] },
 *   async ({ inputs }) => inputs.raw_orders.map(cleanOrder),
 * );
 * export default definitions({ assets: [rawOrders, stgOrders] });
 * ```
 * @packageDocumentation
 */

// Definitions: what user code declares.
export {
  asset,
  DEFAULT_GROUP,
  DEFAULT_IO_MANAGER_KEY,
  type AssetDefinition,
  type AssetDep,
  type AssetFunction,
  type AssetMetadataSpec,
  type AssetSpec,
  type RetryPolicy,
} from "./definitions/asset";
export {
  evaluateFreshness,
  FRESHNESS_STATES,
  parseDuration,
  type Duration,
  type DurationUnit,
  type FreshnessEvaluation,
  type FreshnessPolicy,
  type FreshnessPolicySpec,
  type FreshnessState,
} from "./definitions/freshness";
export {
  type InputsOf,
  type InputValue,
  type PartitionMappingsOf,
  type PartitionsShape,
  type PartitionsShapeOf,
  type PartitionValues,
} from "./definitions/inputs";
export {
  multiAsset,
  type MultiAssetDefinition,
  type MultiAssetOut,
  type MultiAssetOutSpec,
  type MultiAssetSpec,
} from "./definitions/multiAsset";
export {
  assetCheck,
  type AssetCheckDefinition,
  type AssetLike,
  type CheckContext,
  type CheckOptions,
  type CheckOutcome,
  type CheckSpec,
} from "./definitions/checks";
export { acceptedValues, freshness, notNull, rowCountBetween, rowsSatisfy, unique } from "./checks/builtins";
export { sqlAsset, type SqlAssetSpec } from "./sql/sqlAsset";
export { sql, sqlPartition, type SqlTemplate } from "./sql/template";
export type { WarehouseTable } from "./checks/warehouseTable";
export { defineAssetJob, type JobDefinition, type SelectionInput } from "./definitions/job";
export { schedule, type CatchUpPolicy, type ScheduleDefinition } from "./definitions/schedule";
export {
  AutomationCondition,
  and,
  or,
  not,
  isAutomationCondition,
  type AutomationConditionJson,
  type AutomationConditionKind,
  type AutomationOperandKind,
} from "./definitions/automation";
export {
  sensor,
  type RunRequest,
  type SensorContext,
  type SensorDefinition,
  type SensorInstance,
  type SensorResult,
  type SkipReason,
} from "./definitions/sensor";
export {
  assetSensor,
  fileSensor,
  runFailureSensor,
  runStatusSensor,
  type AssetSensorSpec,
  type FileSensorSpec,
  type RunStatusCallback,
  type RunStatusSensorSpec,
  type WatchedRunStatus,
} from "./daemon/sensors/index";
export {
  EnvVar,
  resource,
  type ConfigValue,
  type EnvVarRef,
  type ResolvedConfig,
  type ResourceDefinition,
  type ResourceSetupContext,
} from "./definitions/resource";
export type { InputContext, IOManager, OutputContext } from "./definitions/ioManager";
export type { AssetContext, Logger, Resources, ResourcesOf, ResourceValue } from "./definitions/context";
export { definitions, type Definitions, type DefinitionsSpec, type ExecutorSettings } from "./definitions/definitions";

// Selections.
export { AssetSelection, parseSelection, resolveSelection } from "./selection";

// I/O managers and resources shipped with the package.
export {
  FilesystemIOManager,
  filesystemIOManager,
  MemoryIOManager,
  memoryIOManager,
  NeverMaterializedError,
  PostgresTableIOManager,
  postgresTableIOManager,
  SqliteTableIOManager,
  sqliteTableIOManager,
  UnsupportedValueError,
  type ColumnKind,
  type FilesystemIOManagerOptions,
  type PostgresTableIOManagerOptions,
  type SqliteTableIOManagerOptions,
} from "./io";
export {
  PostgresConnectionError,
  postgresResource,
  redactConnectionString,
  type PostgresResourceOptions,
} from "./resources";
export { embeddedWarehouse, type EmbeddedWarehouseOptions } from "./sql/warehouse";
export { WAREHOUSE_TABLES_IO_MANAGER_KEY } from "./sql/warehouseTables";

// Projects: configuration and code loading, as the CLI and the daemon do it.
export { findProjectConfig, loadProject, type LoadedProject, type LoadProjectOptions, type ConfigSections, type ProjectConfig } from "./loader";

// Graph, execution and storage, for tools and tests that drive runs from code.
export { AssetGraph, type AssetNode } from "./graph/assetGraph";
export { validateGraph, type DefinitionProblem } from "./graph/validate";
export { executeInProcess } from "./execution/executor";
export { launchRunInWorker, RunStartError, type WorkerRunOptions } from "./execution/worker";
export type { InProcessRunOptions, RunOptions, RunResult, StepResult } from "./execution/api";
export {
  BufferedEventWriter,
  EventWriteError,
  openStorage,
  RunConflictError,
  RunStatusConflictError,
  StorageConnectionError,
  storageConfigFromUrl,
  type StorageConfig,
} from "./storage";
export type { RunCountFilter, RunEventQuery, RunEventStats, RunFilter, RunUpdate, Storage, TickListOptions } from "./storage/port";
export { EmptySelectionError } from "./execution/plan";

// Errors users act on.
export {
  CodeLoadError,
  ConfigError,
  DefinitionError,
  Failure,
  RetryRequested,
  SelectionSyntaxError,
  StorageVersionError,
  TributaryError,
  UserCodeError,
} from "./errors";
export { SqlAssetError } from "./sql/errors";

// The vocabulary of runs and events.
export type * from "./types";

// Partitions: definitions, mappings, key math, status and backfills (docs/partitions.md, docs/backfills.md).
export * from "./partitions/index";
export { PartitionSelectionError } from "./execution/plan";
export {
  PARTITION_TAG,
  PARTITIONS_TAG,
  PARTITION_RANGE_START_TAG,
  PARTITION_RANGE_END_TAG,
  BACKFILL_TAG,
  partitionKeysFromTags,
} from "./partitions/runPartitions";
export { assetPartitionsStatus, type AssetPartitionsStatus, type PartitionStatusGroup } from "./services/partitionStatus";
export { createBackfill, BackfillRequestError, DEFAULT_BACKFILL_POLICY, type BackfillRequest } from "./services/backfillRequest";
export { backfillSummary, cancelBackfill, type BackfillSummary } from "./daemon/backfills";
export type {
  AssetPartitionRecord,
  AssetPartitionStatus,
  BackfillPartitionRecord,
  BackfillPartitionStatus,
  BackfillPolicy,
  BackfillProgress,
  BackfillRecord,
  BackfillStatus,
  NewBackfill,
} from "./storage/port";

// Embedding the daemon: its logger, its typed events and its loops' heartbeats (docs/operations.md)
export { Daemon, type DaemonOptions } from "./daemon/daemon";
export { startHttpServer, type HttpServer, type HttpServerOptions } from "./daemon/http/server";
export {
  // `Logger` is the asset context's logger (definitions/context.ts); this is the daemon's.
  Logger as DaemonLogger,
  createLogger,
  silentLogger,
  textSink,
  jsonSink,
  pinoSink,
  formatText,
  formatJson,
  logSettingsFrom,
  LOG_LEVELS,
  LOG_FORMATS,
  LOG_FORMAT_ENV,
  LOG_LEVEL_ENV,
  type LogLevel,
  type LogFormat,
  type LogFields,
  type LogEntry,
  type LogSink,
  type PinoLike,
  type PinoLogMethod,
  type LoggerSettings,
} from "./daemon/logger";
export { TypedEmitter, STATE_CHANGE_EVENTS, type DaemonEvents, type DaemonEventName, type DaemonEventSource, type EventSource } from "./daemon/events";
export { defaultUnhealthyAfterMs, type LoopHealth } from "./daemon/loopHealth";
export { systemClock, type Clock } from "./daemon/clock";
