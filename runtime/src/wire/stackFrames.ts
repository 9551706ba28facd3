/**
 * Which frames of a stack trace are the user's: the run page shows a failure's frames in the user's
 * project first and folds those of installed packages, of Tributary and of Node; the loader and the
 * CLI point at the first user frame by the same rules (loader/userFrames.ts). Pure, by the frame's
 * path alone (the console bundles it for the browser, where there is no project folder to compare).
 */
import type { SerializedError } from "../types";

/** One parsed `at ...` line of a V8 stack trace. */
export interface StackFrame {
  /** The function name V8 printed, if any. */
  functionName: string | undefined;
  /** The path as printed (a `file://` URL prefix removed). */
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
}

const FRAME_WITH_NAME = /^\s*at (?:async )?(.*?) \((.+):(\d+):(\d+)\)$/;
const FRAME_WITHOUT_NAME = /^\s*at (?:async )?(.+):(\d+):(\d+)$/;
const FRAME_LINE = /^\s*at /;

/** Parses one `at ...` line; undefined for other lines and for frames without a position (`at new Promise (<anonymous>)`). */
export function parseStackFrame(line: string): StackFrame | undefined {
  const named = FRAME_WITH_NAME.exec(line);
  const match = named ?? FRAME_WITHOUT_NAME.exec(line);
  if (!match) return undefined;
  const [file, lineText, columnText] = named ? [match[2]!, match[3]!, match[4]!] : [match[1]!, match[2]!, match[3]!];
  return { functionName: named ? match[1] : undefined, file: file.replace(/^file:\/\//, ""), line: Number(lineText), column: Number(columnText) };
}

/** Parses the `at ...` lines of a V8 stack trace that have a position (other lines are ignored). */
export function parseStackFrames(stack: string): StackFrame[] {
  return stack.split("\n").flatMap((line) => parseStackFrame(line) ?? []);
}

/**
 * True for a frame in the user's project: an absolute path that is not Node's (`node:`), not an
 * installed package's (`node_modules/`), not a compiled bundle's (`.tributary/`, when a source map
 * did not map it back) and not Tributary's own source (`runtime/src/`, `runtime/dist/`: the package
 * linked from a checkout). Windows paths count with either slash.
 *
 * @example
 * isUserFrameFile("/home/me/warehouse/assets/raw.ts") // true
 * isUserFrameFile("/home/me/warehouse/node_modules/pg/lib/client.js") // false
 * isUserFrameFile("node:internal/process/task_queues") // false
 */
export function isUserFrameFile(file: string): boolean {
  const normalized = file.replace(/\\/g, "/");
  const absolute = normalized.startsWith("/") || /^[A-Za-z]:\//.test(normalized);
  return (
    absolute &&
    !normalized.includes("/node_modules/") &&
    !normalized.includes("/.tributary/") &&
    !/\/runtime\/(src|dist)\//.test(normalized)
  );
}

/** A stack trace cut in three: its message lines, the frames of the user's code, the others. */
export interface SplitStack {
  /** The lines before the first frame (`Error: boom`, and the rest of a message of several lines). */
  head: string;
  /** The user's frames, trimmed, in the order of the trace (the innermost first). */
  userFrames: string[];
  /** Every other frame, trimmed, in the order of the trace: packages, Tributary, Node, `<anonymous>`. */
  runtimeFrames: string[];
}

/**
 * Splits a stack trace into its head, the user's frames and the rest ({@link isUserFrameFile}).
 *
 * @example
 * splitStack("Error: boom\n    at load (/p/assets/raw.ts:3:9)\n    at runOneAttempt (/p/node_modules/tributary-ts/dist/execution/stepRunner.js:80:20)")
 * // { head: "Error: boom", userFrames: ["at load (/p/assets/raw.ts:3:9)"], runtimeFrames: ["at runOneAttempt (...)"] }
 */
export function splitStack(stack: string): SplitStack {
  const lines = stack.split("\n");
  const first = lines.findIndex((line) => FRAME_LINE.test(line));
  const frames = first === -1 ? [] : lines.slice(first).filter((line) => FRAME_LINE.test(line)).map((line) => line.trim());
  const split: SplitStack = { head: (first === -1 ? lines : lines.slice(0, first)).join("\n").trimEnd(), userFrames: [], runtimeFrames: [] };
  for (const frame of frames) {
    const parsed = parseStackFrame(frame);
    (parsed && isUserFrameFile(parsed.file) ? split.userFrames : split.runtimeFrames).push(frame);
  }
  return split;
}

/**
 * The chain of a failure's error (`data.error` of STEP_FAILURE and STEP_RETRY) worth showing: what
 * the user's code threw and its causes, without the `UserCodeError` the runtime wrapped it in (its
 * stack is the runtime's); the error itself when it is no wrapper (a timeout, a missing upstream value).
 */
export function userErrorChain(error: SerializedError): SerializedError[] {
  const chain: SerializedError[] = [];
  for (let current: SerializedError | undefined = error; current && chain.length < 10; current = current.cause) chain.push(current);
  while (chain.length > 1 && chain[0]!.name === "UserCodeError") chain.shift();
  return chain;
}
