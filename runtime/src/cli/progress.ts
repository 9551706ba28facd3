/**
 * Live progress of a run in the terminal: one line per step as it starts and finishes, with
 * durations and a `[done/total]` counter. On an ANSI terminal a status line at the bottom shows
 * what is running and the elapsed time; elsewhere (CI logs, pipes, NO_COLOR) plain lines only.
 */
import type { CheckEvaluationData, MaterializationData, RunEvent, SerializedError } from "../types";
import { ansiAllowed, stylesFor, type CliStream, type Styles } from "./context";
import { formatDuration } from "../daemon/runLog";

export { formatDuration };

/** What the summary needs to know that only the events tell. */
export interface RunObservations {
  /** Where each materialized asset's value landed, from its materialization metadata. */
  materializations: Map<string, Record<string, unknown>>;
  /** How many partitions of each partitioned asset the run materialized. */
  partitionCounts: Map<string, number>;
  /** The error each failed step recorded, with stacks. */
  stepErrors: Map<string, SerializedError>;
  /** Checks that did not pass. */
  failedChecks: CheckEvaluationData[];
  /** How many check evaluations passed. */
  passedChecks: number;
}

/** Renders events as they arrive; `stop()` before printing anything else. */
export class RunProgress {
  readonly observed: RunObservations = { materializations: new Map(), partitionCounts: new Map(), stepErrors: new Map(), failedChecks: [], passedChecks: 0 };
  private readonly live: boolean;
  private readonly styles: Styles;
  private total = 0;
  private done = 0;
  private readonly running = new Map<string, number>();
  private readonly started = Date.now();
  private statusShown = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly stream: CliStream | null,
    env: NodeJS.ProcessEnv,
    private readonly options: { showInfoLogs: boolean },
  ) {
    this.live = stream !== null && ansiAllowed(stream, env);
    this.styles = stylesFor(stream ?? { write: () => undefined }, env);
    if (this.live) {
      this.timer = setInterval(() => this.drawStatus(), 250);
      this.timer.unref();
    }
  }

  /** Feeds one event (safe to pass as `onEvent`; never throws). */
  onEvent = (event: RunEvent): void => {
    try {
      this.handle(event);
    } catch {
      // Progress display must never break a run.
    }
  };

  /** Stops the live status line. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.clearStatus();
  }

  private handle(event: RunEvent): void {
    const data = event.data ?? {};
    const key = event.stepKey ?? "";
    const s = this.styles;
    switch (event.type) {
      case "RUN_START":
        this.total = Array.isArray(data["steps"]) ? (data["steps"] as unknown[]).length : 0;
        this.line(s.dim(`Run ${event.runId}: ${this.total} step${this.total === 1 ? "" : "s"}`));
        break;
      case "STEP_START":
        this.running.set(key, Date.parse(event.timestamp) || Date.now());
        this.line(`${this.counter()} ${s.cyan("▶")} ${key}`);
        break;
      case "STEP_SUCCESS":
        this.ended(key);
        this.line(`${this.counter()} ${s.green("✓")} ${key} ${s.dim(formatDuration(durationOf(data)))}`);
        break;
      case "STEP_FAILURE": {
        this.ended(key);
        const error = data["error"] as SerializedError | undefined;
        if (error) this.observed.stepErrors.set(key, error);
        const reason = error ? innermostMessage(error) : String(data["reason"] ?? event.message);
        this.line(`${this.counter()} ${s.red("✗")} ${key} ${s.dim(formatDuration(durationOf(data)))} ${s.red(reason)}`);
        break;
      }
      case "STEP_SKIPPED":
        this.ended(key);
        this.line(`${this.counter()} ${s.yellow("–")} ${key} ${s.dim(`skipped: ${String(data["reason"] ?? event.message)}`)}`);
        break;
      case "STEP_CANCELED":
        this.ended(key);
        this.line(`${this.counter()} ${s.yellow("■")} ${key} ${s.dim("canceled")}`);
        break;
      case "STEP_RETRY":
        this.line(`        ${s.yellow("↻")} ${key}: ${event.message}`);
        break;
      case "ASSET_MATERIALIZATION": {
        const materialization = data as unknown as MaterializationData;
        const assetKey = materialization.assetKey ?? key;
        this.observed.materializations.set(assetKey, materialization.metadata ?? {});
        if (typeof materialization.partition === "string") {
          this.observed.partitionCounts.set(assetKey, (this.observed.partitionCounts.get(assetKey) ?? 0) + 1);
        }
        break;
      }
      case "ASSET_CHECK_EVALUATION": {
        const check = data as unknown as CheckEvaluationData;
        if (check.passed) {
          this.observed.passedChecks += 1;
          break;
        }
        this.observed.failedChecks.push(check);
        const paint = check.severity === "ERROR" ? s.red : s.yellow;
        this.line(`        ${paint(`check ${check.checkName} on ${check.assetKey} failed (${check.severity}${check.blocking ? ", blocking" : ""})`)}${check.description ? s.dim(`: ${check.description}`) : ""}`);
        break;
      }
      case "LOG":
        if (event.level === "warn" || event.level === "error" || (event.level === "info" && this.options.showInfoLogs)) {
          const paint = event.level === "error" ? s.red : event.level === "warn" ? s.yellow : s.dim;
          this.line(`        ${paint(`${key ? `${key}: ` : ""}${event.message}`)}`);
        }
        break;
      case "RUN_CANCELING":
        this.line(s.yellow("Canceling: no new step starts; running steps are asked to stop (Ctrl-C again to quit now)."));
        break;
      default:
        break;
    }
  }

  private ended(key: string): void {
    this.running.delete(key);
    this.done++;
  }

  private counter(): string {
    const width = String(this.total || this.done).length;
    return this.styles.dim(`[${String(this.done).padStart(width)}/${this.total || "?"}]`);
  }

  private line(text: string): void {
    if (!this.stream) return;
    this.clearStatus();
    this.stream.write(`${text}\n`);
    this.drawStatus();
  }

  private drawStatus(): void {
    if (!this.live || !this.stream || this.running.size === 0) return;
    const names = [...this.running.keys()];
    const shown = names.slice(0, 3).join(", ") + (names.length > 3 ? ` +${names.length - 3}` : "");
    const elapsed = formatDuration(Date.now() - this.started);
    const columns = (this.stream as { columns?: number }).columns || 100;
    const text = `[${this.done}/${this.total || "?"}] running ${shown} · ${elapsed}`.slice(0, Math.max(20, columns - 1));
    this.stream.write(`\r\x1b[2K${this.styles.dim(text)}`);
    this.statusShown = true;
  }

  private clearStatus(): void {
    if (this.statusShown && this.stream) this.stream.write("\r\x1b[2K");
    this.statusShown = false;
  }
}

function durationOf(data: Record<string, unknown>): number {
  return typeof data["durationMs"] === "number" ? data["durationMs"] : 0;
}

/** The message of the innermost cause: the user's own error rather than our wrapper. */
export function innermostMessage(error: SerializedError): string {
  let current = error;
  while (current.cause) current = current.cause;
  return current === error ? error.message : `${current.name}: ${current.message}`;
}

