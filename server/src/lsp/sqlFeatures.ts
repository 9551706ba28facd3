/**
 * Editor features inside the query of a SQL asset (a sql`...` template): hover on a column (its
 * type when known and its lineage), go to the upstream column, completion of the upstreams'
 * columns. The answers come from the analysis' {@link SqlProjectAnalysis}; nothing is parsed here.
 */
import { type CompletionItem, CompletionItemKind, type Hover, type Location } from "vscode-languageserver";
import type { Position, ProjectModel } from "../analysis";
import type { ColumnLineageResult } from "../protocol";
import { offsetAt, pathToUri, positionAt, toRange } from "./convert";

/** Hover on a column reference or an output column of a SQL asset's query. */
export function sqlHover(model: ProjectModel, file: string, position: Position): Hover | null {
  const found = model.sql.at(file, position);
  if (!found) return null;
  if (found.ref) {
    const { ref } = found;
    const lines = [`**${ref.column}**${ref.type ? ` · \`${ref.type}\`` : ""} · column`, "", lineageLine(ref.from)];
    return { contents: { kind: "markdown", value: lines.join("\n") }, range: toRange(ref.span) };
  }
  const location = found.column?.location;
  if (found.column && location) {
    const { column, info } = found;
    const lines = [`**${column.name}**${column.type ? ` · \`${column.type}\`` : ""} · output column of \`${info.key}\``, "", lineageLine(column.from)];
    return { contents: { kind: "markdown", value: lines.join("\n") }, range: toRange(location.span) };
  }
  return null;
}

function lineageLine(from: readonly string[]): string {
  return from.length > 0 ? `Computed from: ${from.map((f) => `\`${f}\``).join(", ")}` : "Computed from: no upstream column";
}

/** Go to definition on a column reference: the upstream's output column (or the upstream asset when its columns are unknown). */
export function sqlDefinition(model: ProjectModel, file: string, position: Position): Location | null {
  const target = model.sql.at(file, position)?.ref?.target;
  if (!target) return null;
  const column = model.sql.asset(target.key)?.columns?.find((c) => c.name === target.column);
  const location = column?.location ?? model.assets.get(target.key)?.location;
  return location ? { uri: pathToUri(location.file), range: toRange(location.span) } : null;
}

/**
 * Completion inside a query: the columns of its upstreams (`${asset}`), each with its asset, type
 * and lineage. Undefined when the position is not inside a SQL asset's query.
 */
export function sqlCompletion(model: ProjectModel, file: string, text: string, position: Position): CompletionItem[] | undefined {
  const found = model.sql.at(file, position);
  if (!found) return undefined;
  const offset = offsetAt(text, position);
  let start = offset;
  while (start > 0 && /[\w$]/.test(text[start - 1] as string)) start--;
  const items: CompletionItem[] = [];
  const seen = new Set<string>();
  for (const key of found.info.upstreams) {
    for (const column of model.sql.asset(key)?.columns ?? []) {
      if (seen.has(`${key}.${column.name}`)) continue;
      seen.add(`${key}.${column.name}`);
      items.push({
        label: column.name, kind: CompletionItemKind.Field,
        detail: `${key}${column.type ? ` · ${column.type}` : ""}`,
        documentation: lineageLine(column.from),
        textEdit: { range: { start: positionAt(text, start), end: position }, newText: column.name },
      });
    }
  }
  return items;
}

/** `tributary/columnLineage`: a SQL asset's output columns and their lineage. */
export function columnLineage(model: ProjectModel, key: string): ColumnLineageResult {
  const info = model.sql.asset(key);
  if (!info) return null;
  const columns = info.columns?.map((column) => ({
    name: column.name, type: column.type ?? null, from: column.from,
    uri: pathToUri(column.location?.file ?? info.file), range: toRange(column.location?.span ?? info.span),
  }));
  return { key, columns: columns ?? null };
}
