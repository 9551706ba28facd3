/**
 * Static analysis of Tributary definitions: a pure library (no LSP), shared by the language server
 * and `tributary validate`. It parses TypeScript (syntax only) and never executes user code.
 */
export { automationInWords, automationOf, cronsOf, describeAutomation, freshnessInWords, freshnessOf, writtenCronsOf } from "./automation";
export { cronProblem } from "./cron";
export { extractFileFacts, parseSourceFile } from "./extract";
export { loadDiagnostics, type LoadCheckOptions } from "./loadChecks";
export type * from "./model";
export { isAssetDefinition, positionAt, spanContains } from "./model";
export { ModuleResolver, type ResolvedModule } from "./moduleResolver";
export { defaultParseWorkerCount, PARSE_WORKER_FLAG, PARSE_WORKERS_ENV, ParseWorkerPool } from "./parseWorkers";
export { isSourceFile, listSourceFiles, MAX_FILE_BYTES, ProjectIndex, SKIPPED_DIRECTORIES } from "./projectIndex";
export {
  allDiagnostics,
  ancestors,
  checksOf,
  descendants,
  type CheckNode,
  type DependencyEdge,
  type JobNode,
  type ProjectModel,
  type TriggerNode,
} from "./projectModel";
export { type SelectionCheck, SelectionChecker, type SelectionCompletion, selectionCompletionsAt, suggestName } from "./selection";
export { Workspace } from "./workspace";
export { type SqlAssetInfo, type SqlColumnInfo, type SqlColumnRefInfo, SqlProjectAnalysis } from "./sqlAnalysis";
export { loadSqlParser } from "./sqlParser";
export { cursorContext, type CursorContext } from "./cursor";
