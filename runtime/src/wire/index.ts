/**
 * `tributary-ts/wire`: the one contract of the daemon's HTTP API and event stream. Valibot schemas of
 * every request body and answer; the daemon validates request bodies with them, and the extension,
 * the lineage UI and the language server import their types instead of declaring copies. Pure: no
 * node: imports (the UI bundles it for the browser), nothing but valibot.
 *
 * @example
 * import { readEventStream, STREAM_EVENTS, type RunEventJson } from "tributary-ts/wire";
 */
export * from "./requests";
export * from "./responses";
export * from "./consoleUrls";
export * from "./routes";
export * from "./sse";
export * from "./stackFrames";
export * from "./statuses";
export * from "./strips";
export { FINAL_RUN_STATUSES, RUN_STATUSES, type RunStatus, type SerializedError } from "../types";
