import type { SourceLocation } from "./errors";

/**
 * Finds where user code called one of our definition functions, from a stack trace.
 *
 * Why a stack trace: definitions are plain function calls in user files; the file and line are
 * what makes a load-time error actionable ("raw.ts:12: unknown dep"). The loader enables source
 * maps, so positions point at the user's TypeScript, not at the compiled bundle.
 */
export function callerLocation(): SourceLocation | undefined {
  return lazyCallerLocation(callerLocation)();
}

/**
 * Captures the call site now but formats it only when asked. V8 formats stacks lazily, and with
 * source maps enabled formatting costs ~0.15 ms: far too much to pay for each of 10,000 assets
 * whose location is only read when something is wrong with them.
 */
export function lazyCallerLocation(
  // eslint-disable-next-line @typescript-eslint/ban-types
  below: Function = lazyCallerLocation,
): () => SourceLocation | undefined {
  const holder: { stack?: string } = {};
  const previousLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 12;
  Error.captureStackTrace(holder, below);
  Error.stackTraceLimit = previousLimit;
  let parsed: SourceLocation | undefined | null = null;
  return () => {
    if (parsed === null) parsed = parseStack(holder.stack ?? "");
    return parsed;
  };
}

/** Defines `location` on a definition object as a memoized getter over a lazily captured call site. */
export function withLazyLocation<T extends object>(target: T, location: () => SourceLocation | undefined): T & { readonly location: SourceLocation | undefined } {
  Object.defineProperty(target, "location", { get: location, enumerable: true, configurable: true });
  return target as T & { readonly location: SourceLocation | undefined };
}

function parseStack(stack: string): SourceLocation | undefined {
  const lines = stack.split("\n").slice(1);
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
