import type { ProjectConfig } from "../loader/config";
import type { StorageConfig } from "../storage";
import type { RunUpdateRequest } from "../storage/port";
import type { Instigator, RunEvent, RunStatus, SerializedError } from "../types";
import type { RunResult } from "./api";
import type { EvaluationKind, EvaluationOutcome } from "./evaluations";

/**
 * Messages between a parent (the CLI, a daemon's coordinator) and a run worker process.
 *
 * A worker is either one-shot (`start` without `preload`: it loads the project, runs, exits) or
 * pooled (`preload` first: it loads the project and opens storage once, then executes the runs it
 * is given until told to `retire`). Every message about a run names it by `runId`.
 *
 * A preloaded worker also evaluates the user code of the daemon's loops (`evaluate`: a sensor's
 * tick), named by `evaluationId`; see ./evaluations.
 */

/** The environment variable that tells a worker its parent's pid (to notice being orphaned). */
export const PARENT_PID_ENV = "TRIBUTARY_WORKER_PARENT_PID";

/** The parent asks the worker to execute one run. */
export interface StartMessage {
  type: "start";
  runId: string;
  /** Folder to load the project from (tributary.yaml or definitions.ts is found from there). */
  projectDir: string;
  storage: StorageConfig;
  selection: string;
  tags: Record<string, string>;
  instigator: Instigator | null;
  runKey: string | null;
  maxConcurrency: number | undefined;
  /** See RunOptions.claimedAsStarted. */
  claimedAsStarted: boolean;
  /** See RunOptions.codeVersion. */
  codeVersion: string | undefined;
}

/** Loads the project and opens storage ahead of any run (warm pool workers). */
export interface PreloadMessage {
  type: "preload";
  projectDir: string;
  storage: StorageConfig;
  /** A compiled version of the code to load as is (a daemon's); without it, the project on disk is compiled. */
  code?: { id: string; bundleFile: string; config: ProjectConfig };
}

/** The parent asks a preloaded worker to evaluate user code (./evaluations). */
export interface EvaluateMessage {
  type: "evaluate";
  evaluationId: string;
  kind: EvaluationKind;
  /** The sensor's (or condition's) name in the loaded definitions. */
  name: string;
  input: unknown;
}

export type ParentMessage =
  | StartMessage
  | PreloadMessage
  | EvaluateMessage
  /** The parent gave up on an evaluation (its timeout passed): abort it, and answer at once. */
  | { type: "cancelEvaluation"; evaluationId: string }
  | { type: "cancel"; runId: string }
  /** The parent wrote the run's last batch (`endRun`), or could not: `conflict` when another process ended the run first. */
  | { type: "runEnded"; runId: string; conflict?: { status: RunStatus; reason: string | null }; error?: string }
  /** No more runs: finish the ones in progress, then exit. */
  | { type: "retire" };

/** A serialized error with what the parent needs to classify it. */
export type WorkerError = SerializedError & { hint?: string; usage?: boolean };

/** What a worker tells its parent. `fatal` means the run (or, without runId, the preload) failed to start. */
export type WorkerMessage =
  | { type: "ready"; assets: number }
  | { type: "events"; runId: string; events: RunEvent[] }
  /** `rssBytes`: the process's resident memory, which the pool watches for leaks. */
  | { type: "heartbeat"; rssBytes: number }
  /** Sent the moment a step's attempt starts, not batched: a blocked worker can send nothing after. */
  | { type: "attempt"; runId: string; stepKey: string; attempt: number; timeoutMs: number | undefined }
  | { type: "result"; runId: string; result: RunResult; rssBytes: number }
  /** The run's last batch of events with its final status, for the parent to write (RunOptions.endRun). */
  | { type: "endRun"; runId: string; events: RunEvent[]; runUpdate: RunUpdateRequest }
  | { type: "fatal"; runId: string | null; error: WorkerError }
  /** An evaluation ended (or was canceled: then its outcome is an error the parent ignores). */
  | { type: "evaluated"; evaluationId: string; outcome: EvaluationOutcome }
  /** A line user code logged during an evaluation, for the daemon's log. */
  | { type: "evaluationLog"; evaluationId: string; level: "info" | "warn" | "error"; message: string }
  /** A notification user code sent during an evaluation (ctx.notify), for the daemon's webhooks. */
  | { type: "evaluationNotify"; evaluationId: string; message: string; details: Record<string, unknown> };
