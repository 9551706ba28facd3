/**
 * Reading user frames out of stack traces, so errors point at the user's line instead of at
 * Tributary's or Node's internals. Which frames are the user's is the wire's rule (the run page
 * folds the others by it): wire/stackFrames.ts.
 */
import { sep } from "node:path";
import { isUserFrameFile, parseStackFrames, type StackFrame } from "../wire/stackFrames";

export type { StackFrame };

/** Parses the `at ...` lines of a V8 stack trace (other lines are ignored). */
export const parseStack = parseStackFrames;

/**
 * The first frame of `stack` in the user's code: under `projectDir` when given, and not internal.
 *
 * @example
 * firstUserFrame(error.stack, "/home/me/warehouse") // { file: "/home/me/warehouse/assets/raw.ts", line: 12, column: 9, ... }
 */
export function firstUserFrame(stack: string | undefined, projectDir?: string): StackFrame | undefined {
  if (!stack) return undefined;
  const frames = parseStack(stack).filter((frame) => isUserFrameFile(frame.file));
  if (projectDir) {
    const inside = frames.find((frame) => frame.file.startsWith(projectDir + sep) || frame.file.startsWith(projectDir + "/"));
    if (inside) return inside;
  }
  return frames[0];
}
