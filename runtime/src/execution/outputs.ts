/**
 * What a step produced, made into records: the outputs of its value (one, or one per output of a
 * multi-asset) and the verdicts of data-quality checks. Pure of the run's bookkeeping, which stays
 * in the executor.
 */
import type { Logger } from "../definitions/context";
import { normalizeOutcome, type CheckSpec } from "../definitions/checks";
import { isMultiAsset } from "../definitions/multiAsset";
import { TributaryError, describeThrown, serializeError } from "../errors";
import type { CheckEvaluationData } from "../types";
import type { PlannedStep } from "./plan";

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
