/**
 * One evaluation of a sensor's user code, as a worker process runs it for the daemon (see
 * ./evaluations): the context the function gets, and its result turned into plain data the daemon
 * can launch runs from. It runs outside the daemon so that a sensor that blocks, hangs or crashes
 * cannot stall the daemon's loops and HTTP API.
 */
import type { Definitions } from "../definitions/definitions";
import type { Logger } from "../definitions/context";
import { selectionToString } from "../definitions/job";
import type { RunRequest, SensorContext, SensorInstance, SensorResult } from "../definitions/sensor";
import { TributaryError } from "../errors";
import type { Storage } from "../storage/port";
import type { EvaluationTools } from "./evaluations";

/** What the daemon knows before a sensor's evaluation. */
export interface SensorEvaluationInput {
  /** The cursor the previous evaluation stored, or null. */
  cursor: string | null;
  /** The tick time of the previous evaluation, or null. */
  lastTickTime: string | null;
}

/** A run request as plain data: the selection is a string already. */
export interface SensorRunRequest {
  runKey?: string;
  /** Overrides the sensor's selection for this run. */
  selection?: string;
  tags?: Record<string, string>;
  partitionKey?: string;
}

/** What a sensor's evaluation gave: run requests (or a skip reason) and the cursor after it. */
export interface SensorEvaluationOutput {
  requests: SensorRunRequest[];
  skip?: string;
  cursor: string | null;
}

/** Evaluates the sensor `name` of `definitions` once. Throws what the sensor threw. */
export async function evaluateSensor(definitions: Definitions, name: string, input: SensorEvaluationInput, tools: EvaluationTools): Promise<SensorEvaluationOutput> {
  const definition = definitions.sensors.find((sensor) => sensor.name === name);
  if (!definition) {
    throw new TributaryError(`the code loaded for evaluation defines no sensor named "${name}"`, {
      hint: "The definitions changed while the daemon was evaluating; the next evaluation uses the reloaded code.",
    });
  }
  let cursor = input.cursor;
  const context: SensorContext = {
    cursor: input.cursor,
    updateCursor: (value) => {
      cursor = value;
    },
    lastTickTime: input.lastTickTime,
    log: forwardingLogger(tools),
    signal: tools.signal,
    resources: {},
    sensorName: name,
    projectDir: tools.projectDir,
    instance: readOnlyInstance(tools.storage),
    notify: (message, details = {}) => tools.notify(message, details),
  };
  const result = await definition.evaluate(context);
  const { requests, skip } = normalizeResult(result);
  const what = `sensor "${name}"`;
  return {
    requests: requests.map((request) => plainRequest(request, what, definition.location)),
    ...(skip === undefined ? {} : { skip }),
    cursor,
  };
}

function normalizeResult(result: SensorResult): { requests: RunRequest[]; skip?: string } {
  if (result === null || result === undefined) return { requests: [] };
  if (Array.isArray(result)) return { requests: result };
  if (typeof result === "object" && "skip" in result && typeof result.skip === "string") return { requests: [], skip: result.skip };
  return { requests: [result as RunRequest] };
}

/** A request with only the fields the daemon uses, its selection as a string (it crosses processes). */
function plainRequest(request: RunRequest, what: string, location: Parameters<typeof selectionToString>[2]): SensorRunRequest {
  return {
    ...(request.runKey === undefined ? {} : { runKey: request.runKey }),
    ...(request.selection === undefined ? {} : { selection: selectionToString(request.selection, what, location) }),
    ...(request.tags === undefined ? {} : { tags: { ...request.tags } }),
    ...(request.partitionKey === undefined ? {} : { partitionKey: request.partitionKey }),
  };
}

/** The instance a sensor reads: the worker's storage, read-only. */
function readOnlyInstance(storage: Storage): SensorInstance {
  return {
    getLatestMaterializations: (keys) => storage.getLatestMaterializations(keys),
    getLatestCheckResults: (keys) => storage.getLatestCheckResults(keys),
    listRuns: (filter) => storage.listRuns(filter),
    getRun: (runId) => storage.getRun(runId),
    getRunEvents: (runId, options) => storage.getRunEvents(runId, options),
  };
}

/** ctx.log: lines go to the daemon's log (debug lines are dropped, as in the daemon). */
function forwardingLogger(tools: EvaluationTools): Logger {
  const line = (level: "info" | "warn" | "error") => (message: string, data?: Record<string, unknown>) =>
    tools.log(level, `${message}${data && Object.keys(data).length > 0 ? ` ${JSON.stringify(data)}` : ""}`);
  return { debug: () => undefined, info: line("info"), warn: line("warn"), error: line("error") };
}
