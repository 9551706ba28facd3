import type { RetryPolicy } from "../definitions/asset";
import type { AssetContext, Logger } from "../definitions/context";
import type { TimeWindow } from "../partitions/timeWindow";
import { RetryRequested, RunCanceledError, StepTimeoutError, UserCodeError } from "../errors";

/** What one attempt loop needs from the run. */
export interface AttemptOptions {
  stepKey: string;
  fn: (ctx: AssetContext<any, any>) => unknown;
  inputs: Record<string, unknown>;
  resources: Record<string, unknown>;
  log: Logger;
  runId: string;
  retry: Required<RetryPolicy>;
  timeoutMs: number | undefined;
  /** Aborted when the run is canceled. */
  runSignal: AbortSignal;
  onRetry: (attempt: number, delayMs: number, error: unknown) => void;
  onAttemptStart?: (attempt: number) => void;
  /** The partition computed, or null. */
  partitionKey?: string | null;
  partitionTimeWindow?: TimeWindow | null;
}

/** The outcome of running a step's function with its retries. */
export type AttemptOutcome =
  | { kind: "success"; value: unknown; metadata: Record<string, unknown>; attempts: number }
  | { kind: "failure"; error: unknown; attempts: number }
  | { kind: "canceled"; attempts: number };

/**
 * Calls the user's function with retries, a timeout and cancellation. This is the one boundary where
 * asset functions are called: whatever they throw comes back wrapped in a UserCodeError that keeps
 * the user's error (and its stack) as `cause`.
 */
export async function runWithRetries(options: AttemptOptions): Promise<AttemptOutcome> {
  const maxAttempts = options.retry.maxRetries + 1;
  for (let attempt = 1; ; attempt++) {
    if (options.runSignal.aborted) return { kind: "canceled", attempts: attempt - 1 };
    const metadata: Record<string, unknown> = {};
    options.onAttemptStart?.(attempt);
    const result = await runOneAttempt(options, attempt, metadata);
    if (result.ok) return { kind: "success", value: result.value, metadata, attempts: attempt };
    const error = result.error;
    if (error instanceof RunCanceledError || options.runSignal.aborted) return { kind: "canceled", attempts: attempt };
    const userError = unwrap(error);
    // By name, not instanceof: user code may load its own copy of the package (see brand.ts).
    const retryable = !isErrorNamed(userError, "Failure");
    if (!retryable || attempt >= maxAttempts) {
      return { kind: "failure", error, attempts: attempt };
    }
    const delayMs =
      isErrorNamed(userError, "RetryRequested") && typeof (userError as RetryRequested).delayMs === "number"
        ? (userError as RetryRequested).delayMs!
        : retryDelay(options.retry, attempt);
    options.onRetry(attempt + 1, delayMs, error);
    const canceled = await sleep(delayMs, options.runSignal);
    if (canceled) return { kind: "canceled", attempts: attempt };
  }
}

/** Delay before attempt n+1 after attempt n failed. */
export function retryDelay(policy: Required<RetryPolicy>, failedAttempt: number): number {
  const base =
    policy.backoff === "exponential"
      ? policy.delayMs * 2 ** (failedAttempt - 1)
      : policy.backoff === "linear"
        ? policy.delayMs * failedAttempt
        : policy.delayMs;
  return Math.round(base * (1 + policy.jitter * Math.random()));
}

async function runOneAttempt(
  options: AttemptOptions,
  attempt: number,
  metadata: Record<string, unknown>,
): Promise<{ ok: true; value: unknown } | { ok: false; error: unknown }> {
  const controller = new AbortController();
  const onRunAbort = () => controller.abort(new RunCanceledError("the run was canceled"));
  options.runSignal.addEventListener("abort", onRunAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const ctx: AssetContext<any, any> = {
    inputs: options.inputs,
    resources: options.resources,
    log: options.log,
    runId: options.runId,
    assetKey: options.stepKey,
    attempt,
    signal: controller.signal,
    partitionKey: options.partitionKey ?? null,
    partitionTimeWindow: options.partitionTimeWindow ?? null,
    addMetadata(extra) {
      Object.assign(metadata, extra);
    },
  };
  try {
    const call = Promise.resolve().then(() => options.fn(ctx));
    const stoppers: Promise<never>[] = [
      new Promise<never>((_, reject) => {
        controller.signal.addEventListener("abort", () => reject(controller.signal.reason), { once: true });
      }),
    ];
    if (options.timeoutMs !== undefined) {
      const timeoutMs = options.timeoutMs;
      stoppers.push(
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            const error = new StepTimeoutError(`step "${options.stepKey}" timed out after ${timeoutMs} ms`, {
              hint: "Raise timeoutMs in the asset's spec, or make the function honour ctx.signal.",
            });
            controller.abort(error);
            reject(error);
          }, timeoutMs);
        }),
      );
    }
    // A function that ignores ctx.signal keeps running in the background; the step stops waiting.
    // The losers of the race must not surface later as unhandled rejections.
    for (const pending of [call, ...stoppers]) pending.catch(() => undefined);
    const value = await Promise.race([call, ...stoppers]);
    return { ok: true, value };
  } catch (error) {
    if (error instanceof RunCanceledError || error instanceof StepTimeoutError) return { ok: false, error };
    return { ok: false, error: new UserCodeError(`asset "${options.stepKey}" failed`, error) };
  } finally {
    if (timer) clearTimeout(timer);
    options.runSignal.removeEventListener("abort", onRunAbort);
    controller.abort(); // releases listeners the user attached to ctx.signal
  }
}

function isErrorNamed(error: unknown, name: string): boolean {
  return error instanceof Error && error.name === name;
}

function unwrap(error: unknown): unknown {
  return error instanceof UserCodeError ? error.cause : error;
}

/** Sleeps; resolves true early when the signal aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve(false);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(true);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
