/** The end-of-run summary: counts, wall time, why steps failed (at the user's line), where values landed. */
import { dirname, isAbsolute, relative } from "node:path";
import type { RunResult } from "../execution/api";
import { firstUserFrame } from "../loader/userFrames";
import { redactConnectionString } from "../redact";
import type { SerializedError } from "../types";
import { stylesFor, type CliStream } from "./context";
import { formatDuration, innermostMessage, type RunObservations } from "./progress";

/** What {@link printRunSummary} prints from. */
export interface SummaryInput {
  result: RunResult;
  wallMs: number;
  observed: RunObservations;
  projectDir: string;
  storageDescription: string;
  /** Counts and failures only (the `--json` mode's stderr). */
  brief: boolean;
  /** The run's console page, when a daemon serves this storage (consoleLink.ts). */
  consoleUrl?: string | undefined;
}

/** Prints the summary of a finished run. */
export function printRunSummary(stream: CliStream, env: NodeJS.ProcessEnv, input: SummaryInput): void {
  const { result, observed, projectDir } = input;
  const s = stylesFor(stream, env);
  const out = (line = "") => stream.write(`${line}\n`);
  const count = (status: string) => result.steps.filter((step) => step.status === status).length;
  const canceled = count("CANCELED");
  const paint = result.status === "SUCCESS" ? s.green : result.status === "FAILURE" ? s.red : s.yellow;

  const failedChecks = observed.failedChecks;
  // A run succeeds whatever its non-blocking checks say: say so plainly rather than a green SUCCESS alone.
  const headline = result.status === "SUCCESS" && failedChecks.length > 0
    ? s.yellow(s.bold(`SUCCESS with ${plural(failedChecks.length, "failed check")}`))
    : paint(s.bold(result.status));

  out();
  out(`${headline} in ${formatDuration(input.wallMs)}: ${count("SUCCESS")} succeeded, ${count("FAILURE")} failed, ${count("SKIPPED")} skipped${canceled ? `, ${canceled} canceled` : ""}`);
  if (result.error) out(`${s.red("Run error:")} ${result.error}`);
  const evaluated = observed.passedChecks + failedChecks.length;
  if (evaluated > 0) {
    out(`Checks: ${observed.passedChecks} passed, ${failedChecks.length} failed`);
    for (const check of failedChecks) {
      const checkPaint = check.severity === "ERROR" ? s.red : s.yellow;
      const severity = `${check.severity === "ERROR" ? "error" : "warning"}${check.blocking ? ", blocking" : ""}`;
      out(`  ${checkPaint(`${check.checkName} on ${check.assetKey}`)} (${severity})${check.description ? `: ${check.description}` : ""}`);
    }
  }

  const failed = result.steps.filter((step) => step.status === "FAILURE");
  if (failed.length > 0) {
    out(s.bold("Failed steps:"));
    for (const step of failed) {
      const recorded = observed.stepErrors.get(step.key);
      out(`  ${s.red(step.key)}: ${recorded ? innermostMessage(recorded) : step.error ?? "failed"}`);
      const frame = recorded ? userFrameOf(recorded, projectDir) : undefined;
      if (frame) out(`    ${s.dim("at")} ${frame}`);
    }
  }
  const console = input.consoleUrl ? `Console: ${input.consoleUrl}` : undefined;
  if (input.brief) {
    out(s.dim(`Run ${result.runId}`));
    if (console) out(console);
    return;
  }

  const landed = [...observed.materializations]
    .map(([key, metadata]) => [key, whereStoredAll(metadata, projectDir, observed.partitionCounts.get(key) ?? 0)] as const)
    .filter(([, where]) => where);
  if (landed.length > 0) {
    out(s.bold("Materialized:"));
    const width = Math.min(40, Math.max(...landed.map(([key]) => key.length)));
    for (const [key, where] of landed) out(`  ${key.padEnd(width)}  ${s.dim("→")} ${where}`);
  }
  out(s.dim(`Run ${result.runId} recorded in ${input.storageDescription}; details: tributary runs show ${result.runId}`));
  if (console) out(console);
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

/** The first frame of the user's code in a step's error (the innermost cause first). */
function userFrameOf(error: SerializedError, projectDir: string): string | undefined {
  const chain: SerializedError[] = [];
  for (let current: SerializedError | undefined = error; current; current = current.cause) chain.unshift(current);
  for (const item of chain) {
    const frame = firstUserFrame(item.stack, projectDir);
    if (frame) return `${displayPath(frame.file, projectDir)}:${frame.line}:${frame.column}`;
  }
  return undefined;
}

/**
 * Where the values of an asset landed: for several partitions, the folder of their files (or their
 * table) and how many, rather than the last partition's file alone.
 */
function whereStoredAll(metadata: Record<string, unknown>, projectDir: string, partitions: number): string | undefined {
  const where = whereStored(metadata, projectDir);
  if (!where || partitions <= 1) return where;
  const path = metadata["path"];
  const place = typeof path === "string" ? `${displayPath(dirname(path), projectDir)}/` : where;
  return `${place} (${partitions} partitions)`;
}

/** Where an I/O manager put a value, from its materialization metadata (`path`, or `table`). */
export function whereStored(metadata: Record<string, unknown>, projectDir: string): string | undefined {
  const path = metadata["path"];
  if (typeof path === "string") return displayPath(path, projectDir);
  const table = metadata["table"];
  if (typeof table === "string") {
    const schema = typeof metadata["schema"] === "string" ? `${metadata["schema"]}.` : "";
    const database = metadata["database"];
    const inside = typeof database === "string" ? ` in ${database.includes("://") ? redactConnectionString(database) : displayPath(database, projectDir)}` : "";
    return `table ${schema}${table}${inside}`;
  }
  return undefined;
}

function displayPath(path: string, projectDir: string): string {
  if (!isAbsolute(path)) return path;
  const rel = relative(projectDir, path);
  return rel.startsWith("..") || isAbsolute(rel) ? path : rel;
}
