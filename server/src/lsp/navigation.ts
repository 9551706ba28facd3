import {
  type DocumentSymbol,
  type Location,
  type Range,
  ResponseError,
  SymbolKind,
  type TextEdit,
  type WorkspaceEdit,
  type WorkspaceSymbol,
} from "vscode-languageserver";
import type { Position, ProjectModel } from "../analysis";
import { pathToUri, toRange } from "./convert";
import { assetAt, assetsInFile, referencesTo } from "./state";

/** Go to definition: from any key string, reference or selection key to where the key is declared. */
export function definition(model: ProjectModel, file: string, position: Position): Location | null {
  const reference = assetAt(model, file, position);
  const asset = reference && model.assets.get(reference.key);
  if (!asset) return null;
  return { uri: pathToUri(asset.location.file), range: toRange(asset.location.span) };
}

/** Find references: every declaration, key string, identifier and selection naming the key. */
export function references(model: ProjectModel, file: string, position: Position, includeDeclaration: boolean): Location[] {
  const reference = assetAt(model, file, position);
  if (!reference) return [];
  return referencesTo(model, reference.key)
    .filter((r) => includeDeclaration || r.kind !== "declaration")
    .map((r) => ({ uri: pathToUri(r.location.file), range: toRange(r.location.span) }));
}

/** Rename is offered on key strings (declarations and references), not on identifiers (TypeScript renames those). */
export function prepareRename(model: ProjectModel, file: string, position: Position): { range: Range; placeholder: string } | null {
  const reference = assetAt(model, file, position);
  if (!reference || reference.kind === "ref") return null;
  if (!model.assets.has(reference.key)) return null;
  return { range: toRange(reference.location.span), placeholder: reference.key };
}

/** Renames an asset key: the declaration, every key string and every selection key naming it. */
export function rename(model: ProjectModel, file: string, position: Position, newName: string): WorkspaceEdit | null {
  const reference = assetAt(model, file, position);
  if (!reference || reference.kind === "ref") return null;
  if (!/^[^\s"'`]+$/.test(newName)) {
    throw new ResponseError(-32602, `"${newName}" is not a valid asset key: use letters, digits, _ and / (no spaces or quotes)`);
  }
  if (model.assets.has(newName) && newName !== reference.key) {
    throw new ResponseError(-32602, `An asset "${newName}" already exists; pick another key`);
  }
  const changes: Record<string, TextEdit[]> = {};
  for (const r of referencesTo(model, reference.key)) {
    if (r.kind === "ref") continue; // identifiers keep their names; only the key changes
    const uri = pathToUri(r.location.file);
    (changes[uri] ??= []).push({ range: toRange(r.location.span), newText: newName });
  }
  return { changes };
}

/** Document symbols: the assets, checks, jobs, schedules and sensors of a file. */
export function documentSymbols(model: ProjectModel, file: string): DocumentSymbol[] {
  const symbols: DocumentSymbol[] = [];
  for (const asset of assetsInFile(model, file)) {
    symbols.push({
      name: asset.key, detail: asset.group ? `asset · ${asset.group}` : "asset", kind: SymbolKind.Class,
      range: toRange(asset.definition.span), selectionRange: toRange(asset.location.span),
    });
  }
  const named = [
    ...model.checks.map((c) => ({ ...c, kind: SymbolKind.Event, detail: "check" })),
    ...model.jobs.map((j) => ({ ...j, kind: SymbolKind.Function, detail: "job" })),
    ...model.triggers.map((t) => ({ ...t, kind: t.definition.api === "schedule" ? SymbolKind.Method : SymbolKind.Interface, detail: t.definition.api })),
  ];
  for (const item of named) {
    if (item.file !== file) continue;
    const nameSpan = item.definition.name?.span ?? item.definition.nameSpan;
    symbols.push({
      name: item.name ?? item.definition.variable ?? item.detail, detail: item.detail, kind: item.kind,
      range: toRange(item.definition.span), selectionRange: toRange(nameSpan),
    });
  }
  return symbols.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
}

/** Workspace symbols: assets (and jobs, schedules, sensors) whose name contains the query's characters in order. */
export function workspaceSymbols(models: ProjectModel[], query: string, limit = 500): WorkspaceSymbol[] {
  const result: WorkspaceSymbol[] = [];
  const matches = fuzzyMatcher(query);
  for (const model of models) {
    for (const asset of model.allAssets) {
      if (result.length >= limit) return result;
      if (!matches(asset.key)) continue;
      result.push({
        name: asset.key, kind: SymbolKind.Class, ...(asset.group ? { containerName: asset.group } : {}),
        location: { uri: pathToUri(asset.location.file), range: toRange(asset.location.span) },
      });
    }
    for (const item of [...model.jobs, ...model.triggers]) {
      if (result.length >= limit) return result;
      if (!item.name || !matches(item.name)) continue;
      result.push({
        name: item.name, kind: SymbolKind.Function, containerName: item.definition.api,
        location: { uri: pathToUri(item.file), range: toRange(item.definition.name?.span ?? item.definition.nameSpan) },
      });
    }
  }
  return result;
}

function fuzzyMatcher(query: string): (name: string) => boolean {
  const needle = query.toLowerCase();
  return (name) => {
    const haystack = name.toLowerCase();
    let at = 0;
    for (const char of needle) {
      at = haystack.indexOf(char, at);
      if (at < 0) return false;
      at++;
    }
    return true;
  };
}
