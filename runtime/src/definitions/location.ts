import type { SourceLocation } from "../errors";

/**
 * Finds where user code called one of our definition functions, from a stack trace.
 *
 * Why a stack trace: definitions are plain function calls in user files; the file and line are
 * what makes a load-time error actionable ("raw.ts:12: unknown dep"). The loader enables source
 * maps, so positions point at the user's TypeScript, not at the compiled bundle.
 */
export function callerLocation(): SourceLocation | undefined {
  const holder: { stack?: string } = {};
  const previousLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 12;
  Error.captureStackTrace(holder, callerLocation);
  Error.stackTraceLimit = previousLimit;
  const lines = (holder.stack ?? "").split("\n").slice(1);
  for (const line of lines) {
    const match = /\(?((?:file:\/\/)?[^\s()]+):(\d+):(\d+)\)?\s*$/.exec(line.trim());
    if (!match) continue;
    const file = match[1]!.replace(/^file:\/\//, "");
    if (isInternalFrame(file)) continue;
    return { file, line: Number(match[2]), column: Number(match[3]) };
  }
  return undefined;
}

function isInternalFrame(file: string): boolean {
  return (
    file.startsWith("node:") ||
    /[\\/]runtime[\\/](src|dist)[\\/]/.test(file) ||
    /[\\/]node_modules[\\/]tributary[\\/]/.test(file)
  );
}
