/**
 * User code the daemon's loops evaluate, besides runs: a sensor's function now, an automation
 * condition next. It runs in a worker process (./evaluationWorker on the daemon's side, workerMain
 * on the other), never on the daemon's event loop: code that blocks there would stop the HTTP API,
 * the heartbeats of runs and every other loop, and a timeout could not interrupt it.
 *
 * A kind of evaluation is a name, its input and output (plain data: they cross processes), and a
 * function the worker calls with the loaded project. Adding one is adding an entry to
 * {@link Evaluations} and {@link EVALUATORS}.
 */
import { describeThrown } from "../errors";
import type { LoadedProject } from "../loader";
import type { Storage } from "../storage/port";
import { evaluateSensor, type SensorEvaluationInput, type SensorEvaluationOutput } from "./sensorEvaluation";

/** Each kind of evaluation: what it takes and what it gives. */
export interface Evaluations {
  sensor: { input: SensorEvaluationInput; output: SensorEvaluationOutput };
}

/** The name of a kind of evaluation. */
export type EvaluationKind = keyof Evaluations;

/** How an evaluation ended: its output, or why there is none (what the code threw, a timeout, a crash). */
export type EvaluationOutcome<Output = unknown> = { ok: true; output: Output } | { ok: false; error: string };

/** What the worker gives an evaluation besides its input. */
export interface EvaluationTools {
  /** The worker's storage (user code reads it through a read-only view). */
  storage: Storage;
  projectDir: string;
  /** Aborted when the daemon gives up on the evaluation (its timeout passed). */
  signal: AbortSignal;
  /** A line for the daemon's log. */
  log(level: "info" | "warn" | "error", message: string): void;
  /** A message for the daemon's notification webhooks. */
  notify(message: string, details: Record<string, unknown>): void;
}

type Evaluator<K extends EvaluationKind> = (project: LoadedProject, name: string, input: Evaluations[K]["input"], tools: EvaluationTools) => Promise<Evaluations[K]["output"]>;

const EVALUATORS: { [K in EvaluationKind]: Evaluator<K> } = {
  sensor: (project, name, input, tools) => evaluateSensor(project.definitions, name, input, tools),
};

/** Evaluates `name` of `kind` in the worker; never throws (what user code threw is the outcome's error). */
export async function evaluateHere(project: LoadedProject, kind: EvaluationKind, name: string, input: unknown, tools: EvaluationTools): Promise<EvaluationOutcome> {
  const evaluator = EVALUATORS[kind] as Evaluator<EvaluationKind> | undefined;
  if (!evaluator) return { ok: false, error: `this worker cannot evaluate a ${String(kind)}` };
  try {
    return { ok: true, output: await evaluator(project, name, input as Evaluations[EvaluationKind]["input"], tools) };
  } catch (error) {
    return { ok: false, error: describeThrown(error) };
  }
}
