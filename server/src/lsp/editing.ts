import * as path from "node:path";
import {
  type CodeAction,
  CodeActionKind,
  type CompletionItem,
  CompletionItemKind,
  type Diagnostic,
  type TextEdit,
} from "vscode-languageserver";
import { cursorContext, type Position, type ProjectModel, type SelectionCompletion, selectionCompletionsAt } from "../analysis";
import { DIAGNOSTIC_SOURCE } from "../protocol";
import { offsetAt, pathToUri, positionAt, uriToPath } from "./convert";

const MAX_ITEMS = 1000;

/** Completion of asset keys (deps, check targets, selections), group names and job names inside strings. */
export function completion(model: ProjectModel, file: string, text: string, position: Position): CompletionItem[] {
  const offset = offsetAt(text, position);
  const context = cursorContext(file, text, offset);
  if (!context) return [];
  const replace = (start: number, end: number, newText: string): TextEdit => ({
    range: { start: positionAt(text, start), end: positionAt(text, end) }, newText,
  });
  const keyItems = (start: number, end: number, prefix: string, format = (key: string) => key): CompletionItem[] => {
    const items: CompletionItem[] = [];
    for (const asset of model.assets.values()) {
      if (items.length >= MAX_ITEMS) break;
      if (prefix && !asset.key.includes(prefix)) continue;
      items.push({
        label: asset.key, kind: CompletionItemKind.Value,
        detail: asset.group ? `asset · ${asset.group}` : "asset",
        ...(asset.description ? { documentation: asset.description } : {}),
        textEdit: replace(start, end, format(asset.key)),
      });
    }
    return items;
  };
  switch (context.kind) {
    case "asset-key":
      return keyItems(context.start, context.end, context.prefix);
    case "group":
      return [...model.groups].map((group) => ({ label: group, kind: CompletionItemKind.EnumMember, detail: "group", textEdit: replace(context.start, context.end, group) }));
    case "job":
      return model.jobs.filter((j) => j.name).map((job) => ({ label: job.name as string, kind: CompletionItemKind.Function, detail: "job", textEdit: replace(context.start, context.end, job.name as string) }));
    case "selection":
      return selectionItems(model, context.text, context.offsetInText, context.start, replace);
  }
}

/**
 * Completion inside a selection string: the runtime's `completionsAt` says what is being typed
 * (a key, a group, an attribute, a keyword) and where it starts; the values come from the model.
 */
function selectionItems(model: ProjectModel, text: string, offsetInText: number, textStart: number,
  replace: (start: number, end: number, newText: string) => TextEdit): CompletionItem[] {
  let at: SelectionCompletion;
  try {
    at = selectionCompletionsAt(text, offsetInText);
  } catch {
    return [];
  }
  const start = textStart + at.replaceStart;
  const end = textStart + at.replaceEnd;
  const prefix = at.prefix.toLowerCase();
  const format = (value: string): string => (at.quoted || !/^[A-Za-z0-9_/.*-]+$/.test(value) ? JSON.stringify(value) : value);
  const items: CompletionItem[] = [];
  const values = (kind: CompletionItemKind, detail: string, candidates: Iterable<string>): void => {
    for (const value of candidates) {
      if (items.length >= MAX_ITEMS) return;
      if (prefix && !value.toLowerCase().includes(prefix)) continue;
      items.push({ label: value, kind, detail, textEdit: replace(start, end, format(value)) });
    }
  };
  const assets = [...model.assets.values()];
  switch (at.kind) {
    case "key": values(CompletionItemKind.Value, "asset", assets.map((a) => a.key)); break;
    case "group": values(CompletionItemKind.EnumMember, "group", model.groups); break;
    case "tag": values(CompletionItemKind.EnumMember, "tag", new Set(assets.flatMap((a) => Object.keys(a.tags)))); break;
    case "owner": values(CompletionItemKind.EnumMember, "owner", new Set(assets.flatMap((a) => a.owners))); break;
    case "kind": values(CompletionItemKind.EnumMember, "kind", new Set(assets.flatMap((a) => a.kinds))); break;
    case "job": values(CompletionItemKind.Function, "job", new Set(model.jobs.flatMap((j) => (j.name ? [j.name] : [])))); break;
    default: break;
  }
  for (const word of at.syntax) {
    if (prefix && !word.toLowerCase().startsWith(prefix)) continue;
    items.push({ label: word, kind: CompletionItemKind.Keyword, detail: "selection syntax", textEdit: replace(start, end, word) });
  }
  return items;
}

/** Quick fixes: did-you-mean replacements, and registering an asset in definitions(). */
export function codeActions(uri: string, diagnostics: Diagnostic[]): CodeAction[] {
  const actions: CodeAction[] = [];
  for (const diagnostic of diagnostics) {
    if (diagnostic.source !== DIAGNOSTIC_SOURCE) continue;
    const data = (diagnostic.data ?? {}) as { replacement?: string; variable?: string; definitionsFile?: string; insertAt?: Position; insertText?: string };
    if (data.replacement !== undefined) {
      actions.push({
        title: `Change to "${data.replacement}"`, kind: CodeActionKind.QuickFix, diagnostics: [diagnostic], isPreferred: true,
        edit: { changes: { [uri]: [{ range: diagnostic.range, newText: data.replacement }] } },
      });
    }
    if (diagnostic.code === "unregistered-asset" && data.variable && data.definitionsFile && data.insertAt) {
      const edits: Record<string, TextEdit[]> = {};
      const targetUri = pathToUri(data.definitionsFile);
      const definingFile = uriToPath(uri);
      const targetEdits: TextEdit[] = [];
      const insertText = data.insertText ?? `, ${data.variable}`;
      targetEdits.push({ range: { start: data.insertAt, end: data.insertAt }, newText: insertText });
      if (definingFile && definingFile !== data.definitionsFile) {
        let specifier = path.relative(path.dirname(data.definitionsFile), definingFile).replace(/\.(ts|tsx|mts|cts)$/, "").split(path.sep).join("/");
        if (!specifier.startsWith(".")) specifier = `./${specifier}`;
        targetEdits.unshift({ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, newText: `import { ${data.variable} } from "${specifier}";\n` });
      }
      edits[targetUri] = targetEdits;
      actions.push({ title: `Register ${data.variable} in definitions()`, kind: CodeActionKind.QuickFix, diagnostics: [diagnostic], edit: { changes: edits } });
    }
  }
  return actions;
}
