import type { StorageConfig } from "../storage";
import type { Instigator, RunEvent, SerializedError } from "../types";
import type { RunResult } from "./api";

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
}

export type ParentMessage = StartMessage | { type: "cancel" };

/** What a worker tells its parent. `fatal` means the run could not even start. */
export type WorkerMessage =
  | { type: "events"; events: RunEvent[] }
  | { type: "heartbeat" }
  /** Sent the moment a step's attempt starts, not batched: a blocked worker can send nothing after. */
  | { type: "attempt"; stepKey: string; attempt: number; timeoutMs: number | undefined }
  | { type: "result"; result: RunResult }
  | { type: "fatal"; error: SerializedError & { hint?: string; usage?: boolean } };
