/**
 * Reading user frames out of stack traces, so errors point at the user's line instead of at
 * Tributary's or Node's internals.
 */
import { isAbsolute, sep } from "node:path";
import type { SourceLocation } from "../errors";

/** One parsed stack frame. */
export interface StackFrame extends SourceLocation {
  /** The function name V8 printed, if any. */
  functionName: string | undefined;
}

const FRAME_WITH_NAME = /^\s*at (?:async )?(.*?) \((.+):(\d+):(\d+)\)$/;
const FRAME_WITHOUT_NAME = /^\s*at (?:async )?(.+):(\d+):(\d+)$/;

/** Parses the `at ...` lines of a V8 stack trace (other lines are ignored). */
export function parseStack(stack: string): StackFrame[] {
  const frames: StackFrame[] = [];
  for (const line of stack.split("\n")) {
    const named = FRAME_WITH_NAME.exec(line);
    const match = named ?? FRAME_WITHOUT_NAME.exec(line);
    if (!match) continue;
    const [file, lineText, columnText] = named ? [match[2]!, match[3]!, match[4]!] : [match[1]!, match[2]!, match[3]!];
    frames.push({
      functionName: named ? match[1] : undefined,
      file: file.replace(/^file:\/\//, ""),
      line: Number(lineText),
      column: Number(columnText),
    });
  }
  return frames;
}

/** True for frames of Node, of installed packages, of Tributary itself and of compiled bundles. */
export function isInternalFrame(file: string): boolean {
  const normalized = file.split(sep).join("/");
  return (
    !isAbsolute(file) ||
    normalized.startsWith("node:") ||
    normalized.includes("/node_modules/") ||
    normalized.includes("/.tributary/") ||
    /\/runtime\/(src|dist)\//.test(normalized)
  );
}

/**
 * The first frame of `stack` in the user's code: under `projectDir` when given, and not internal.
 *
 * @example
 * firstUserFrame(error.stack, "/home/me/warehouse") // { file: "/home/me/warehouse/assets/raw.ts", line: 12, column: 9, ... }
 */
export function firstUserFrame(stack: string | undefined, projectDir?: string): StackFrame | undefined {
  if (!stack) return undefined;
  const frames = parseStack(stack).filter((frame) => !isInternalFrame(frame.file));
  if (projectDir) {
    const inside = frames.find((frame) => frame.file.startsWith(projectDir + sep) || frame.file.startsWith(projectDir + "/"));
    if (inside) return inside;
  }
  return frames[0];
}
