/**
 * A run page's failures: for each failed step, its message and the stack of what the user's code
 * threw, the frames in the user's project first and the others (installed packages, Tributary,
 * Node) folded under "N runtime frames". The frames are told apart by the wire's rule
 * (`splitStack`), the same the CLI uses to point at the user's line.
 */
import { useEffect, useRef } from "preact/hooks";
import { splitStack, userErrorChain, type RunEventJson, type SerializedError } from "tributary-ts/wire";
import { seg } from "../api";
import { AssetLink, ErrorNote } from "../components";
import { useApi } from "../hooks";

/** Failed steps shown at most: a run whose every step failed for one reason says it in the first few. */
const MAX_FAILURES = 20;

/** The failures of run `runId`, which has `failedSteps` failed steps so far (a new one reads them again). */
export function RunFailures({ runId, failedSteps }: { runId: string; failedSteps: number }) {
  const failures = useApi("GET /api/runs/:id/events", failedSteps > 0 ? `/api/runs/${seg(runId)}/events?type=STEP_FAILURE&limit=${MAX_FAILURES}` : null);
  // Another step failed since the failures were read: read them again (the first read is the path's).
  const { reload } = failures;
  const read = useRef(failedSteps);
  useEffect(() => {
    const before = read.current;
    read.current = failedSteps;
    if (before > 0 && failedSteps !== before) reload();
  }, [failedSteps, reload]);
  if (failedSteps === 0) return null;
  if (!failures.data) return <ErrorNote message={failures.error} />;
  return (
    <>
      {failures.data.events.map((event) => <Failure event={event} />)}
    </>
  );
}

/** One failed step: its name, its error and the error's causes, each with its frames. */
function Failure({ event }: { event: RunEventJson }) {
  const error = event.data?.["error"] as SerializedError | undefined;
  const partitions = event.data?.["partitionKeys"] as string[] | undefined;
  const reason = event.data?.["reason"];
  return (
    <section class="failure" data-testid="run-failure" data-step={event.stepKey ?? ""}>
      <h2>
        Failed: {event.stepKey ? <AssetLink assetKey={event.stepKey} /> : "the run"}
        {partitions?.length ? <span class="muted small"> · partition {partitions.join(", ")}</span> : null}
      </h2>
      {error ? (
        userErrorChain(error).map((item, index) => <ErrorWithFrames error={item} cause={index > 0} />)
      ) : (
        <pre class="failure-head error-text">{typeof reason === "string" ? reason : event.message}</pre>
      )}
    </section>
  );
}

/** An error's message, its user frames, and its other frames folded. */
function ErrorWithFrames({ error, cause }: { error: SerializedError; cause: boolean }) {
  const split = splitStack(error.stack ?? "");
  // V8's head is `Name: message`; an error without a stack has only its fields.
  const head = split.head || `${error.name}: ${error.message}`;
  const folded = split.runtimeFrames.length;
  return (
    <div class="failure-error">
      <pre class="failure-head error-text" data-testid="failure-message">{cause ? `Caused by ${head}` : head}</pre>
      {split.userFrames.length > 0 && (
        <ol class="frames" data-testid="user-frames">
          {split.userFrames.map((frame) => <li class="frame user-frame">{frame}</li>)}
        </ol>
      )}
      {folded > 0 && (
        <details class="runtime-frames" data-testid="runtime-frames">
          <summary>{folded} runtime frame{folded === 1 ? "" : "s"}</summary>
          <ol class="frames">
            {split.runtimeFrames.map((frame) => <li class="frame">{frame}</li>)}
          </ol>
        </details>
      )}
    </div>
  );
}
