import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type Diagnostic, DiagnosticSeverity, type Range } from "vscode-languageserver";
import type { AnalysisDiagnostic, Position, Span } from "../analysis";

export { spanContains } from "../analysis";
import { DIAGNOSTIC_SOURCE } from "../protocol";

/** A `file:` URI to an absolute path (undefined for other schemes: untitled documents are not analyzed). */
export function uriToPath(uri: string): string | undefined {
  if (!uri.startsWith("file:")) return undefined;
  try {
    return path.resolve(fileURLToPath(uri));
  } catch {
    return undefined;
  }
}

/** An absolute path to a `file:` URI. */
export function pathToUri(file: string): string {
  return pathToFileURL(file).toString();
}

export function toRange(span: Span): Range {
  return { start: { ...span.start }, end: { ...span.end } };
}

const SEVERITY = { error: DiagnosticSeverity.Error, warning: DiagnosticSeverity.Warning, info: DiagnosticSeverity.Information } as const;

/** An analysis diagnostic as LSP sends it (stable `code`, `source: "tributary"`, related locations). */
export function toLspDiagnostic(diagnostic: AnalysisDiagnostic): Diagnostic {
  return {
    range: toRange(diagnostic.span),
    severity: SEVERITY[diagnostic.severity],
    code: diagnostic.code,
    source: DIAGNOSTIC_SOURCE,
    message: diagnostic.message,
    ...(diagnostic.related && diagnostic.related.length > 0 ? {
      relatedInformation: diagnostic.related.map((r) => ({
        location: { uri: pathToUri(r.location.file), range: toRange(r.location.span) },
        message: r.message,
      })),
    } : {}),
    ...(diagnostic.data ? { data: diagnostic.data } : {}),
  };
}

/** Offset of a position in a text (clamped). */
export function offsetAt(text: string, position: Position): number {
  let line = 0;
  let offset = 0;
  while (line < position.line) {
    const next = text.indexOf("\n", offset);
    if (next < 0) return text.length;
    offset = next + 1;
    line++;
  }
  return Math.min(offset + position.character, text.length);
}

/** Position of an offset in a text. */
export function positionAt(text: string, offset: number): Position {
  let line = 0;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, character: offset - lineStart };
}
