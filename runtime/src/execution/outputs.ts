/**
 * What a step produced, written out: its value split into outputs (one, or one per output of a
 * multi-asset), each stored by the asset's I/O manager, recorded as a materialization (the I/O
 * manager's metadata, then the step's own), and checked by the asset's data-quality checks.
 * Dagster's `execution/plan/outputs.py` and its output handling. Which steps run when is not its
 * business (readyQueue.ts), nor where inputs come from (inputs.ts).
 */
import type { Logger } from "../definitions/context";
import { normalizeOutcome, type CheckSpec } from "../definitions/checks";
import { isMultiAsset } from "../definitions/multiAsset";
import { TributaryError, UserCodeError, describeThrown, serializeError } from "../errors";
import type { AssetGraph } from "../graph/assetGraph";
import type { CheckEvaluationData, LogLevel, MaterializationData } from "../types";
import type { AssetIOResolver } from "./assetIO";
import type { PlannedStep } from "./plan";
import type { RunEventLog } from "./runEvents";

/** What the writer writes with: the run's graph, its I/O choices and its event log. */
export interface OutputWriterContext {
  readonly graph: AssetGraph;
  readonly runId: string;
  readonly ioFor: AssetIOResolver;
  readonly events: Pick<RunEventLog, "emit" | "logger">;
  /** Told of each value once stored (the input loader holds it for the run's later steps). */
  readonly onStored?: (assetKey: string, partitionKey: string | null, value: unknown) => void;
}

/** What one execution of a step returned: its value and the metadata it added (`ctx.addMetadata`). */
export interface StepOutput {
  readonly value: unknown;
  readonly metadata: Record<string, unknown>;
  /** The partition it computed, or null for an unpartitioned step. */
  readonly partitionKey: string | null;
}

/** Writes the outputs of one run's steps: stored, recorded, checked. */
export class OutputWriter {
  constructor(private readonly context: OutputWriterContext) {}

  /**
   * Stores each output of the step, records its materialization and runs its checks.
   * @param resources the step's resources, which checks may use too.
   * @returns the blocking checks that failed (`"name on asset"`); the step fails when there is any.
   * @throws UserCodeError when an I/O manager fails to store a value; TributaryError when a
   * multi-asset's value lacks an output.
   */
  async write(step: PlannedStep, output: StepOutput, resources: Record<string, unknown>): Promise<string[]> {
    const { graph, runId, events } = this.context;
    const { partitionKey } = output;
    const blockingFailures: string[] = [];
    for (const [assetKey, value] of outputsOf(step, output.value)) {
      const node = graph.assets.get(assetKey)!;
      const log = events.logger(step.stepKey);
      const { manager, label } = await this.context.ioFor(assetKey);
      let stored: void | Record<string, unknown>;
      try {
        stored = await manager.handleOutput({ assetKey, runId, partitionKey, definitionMetadata: node.metadata, log }, value);
      } catch (error) {
        throw new UserCodeError(`storing "${assetKey}" with ${label}`, error);
      }
      const materialization: MaterializationData = {
        assetKey,
        metadata: { ...(stored ?? {}), ...output.metadata },
        partition: partitionKey,
        codeVersion: node.codeVersion ?? null,
      };
      const what = partitionKey === null ? assetKey : `${assetKey} (partition ${partitionKey})`;
      events.emit("ASSET_MATERIALIZATION", step.stepKey, "info", `Materialized ${what}`, { ...materialization });
      this.context.onStored?.(assetKey, partitionKey, value);

      for (const check of node.checks) {
        const evaluation = await evaluateCheck(check, { value, assetKey, runId, log, resources });
        const level: LogLevel = evaluation.passed ? "info" : check.severity === "ERROR" ? "error" : "warn";
        const verdict = evaluation.passed ? "passed" : "failed";
        events.emit("ASSET_CHECK_EVALUATION", step.stepKey, level, `Check ${check.name} on ${assetKey} ${verdict}`, { ...evaluation });
        if (isBlockingFailure(evaluation)) blockingFailures.push(`${check.name} on ${assetKey}`);
      }
    }
    return blockingFailures;
  }
}

/** Splits a step's return value into `[assetKey, value]` pairs; a multi-asset must return every output. */
export function outputsOf(step: PlannedStep, value: unknown): [string, unknown][] {
  if (!isMultiAsset(step.definition.definition)) return [[step.stepKey, value]];
  if (value === null || typeof value !== "object") {
    throw new TributaryError(`multiAsset "${step.stepKey}" must return an object with one entry per output (${step.outputKeys.join(", ")})`);
  }
  const missing = step.outputKeys.filter((key) => !(key in (value as object)));
  if (missing.length > 0) {
    throw new TributaryError(`multiAsset "${step.stepKey}" returned no value for ${missing.map((k) => `"${k}"`).join(", ")}`, {
      hint: "Return an object with every key of `outs`.",
    });
  }
  return step.outputKeys.map((key) => [key, (value as Record<string, unknown>)[key]]);
}

/** Runs one check on a value. A check that throws has failed (with the error in its metadata); it never fails the step itself. */
export async function evaluateCheck(
  check: CheckSpec<any>,
  context: { value: unknown; assetKey: string; runId: string; log: Logger; resources: Record<string, unknown> },
): Promise<CheckEvaluationData> {
  let verdict: { passed: boolean; description?: string; metadata: Record<string, unknown> };
  try {
    verdict = normalizeOutcome(await check.evaluate(context));
  } catch (error) {
    verdict = { passed: false, metadata: { error: serializeError(error) }, description: `the check threw: ${describeThrown(error)}` };
  }
  const evaluation: CheckEvaluationData = {
    assetKey: context.assetKey,
    checkName: check.name,
    passed: verdict.passed,
    severity: check.severity,
    blocking: check.blocking,
    metadata: verdict.metadata,
  };
  const description = verdict.description ?? check.description;
  if (description !== undefined) evaluation.description = description;
  return evaluation;
}

/** A failed check with severity ERROR on a blocking check stops the steps downstream. */
export function isBlockingFailure(evaluation: CheckEvaluationData): boolean {
  return !evaluation.passed && evaluation.blocking && evaluation.severity === "ERROR";
}
