/**
 * The import rules of docs/architecture.md, checked from the source (test/architecture/layers.test.ts):
 * runtime/src imports only downwards through its layers, no two runtime modules need each other
 * (an import cycle, type-only imports aside: they vanish at run time), the language server's
 * analysis has no LSP imports, and the server, the UI and the extension reach the runtime only
 * through its pure subpaths.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, posix, relative, resolve } from "node:path";
import ts from "typescript";

/**
 * runtime/src's layers, lowest first: a module may import its own layer and the ones listed before
 * it. Entries are folders or files under runtime/src; the longest entry that contains a file wins
 * (`daemon/http` before `daemon`).
 */
export const RUNTIME_LAYERS: readonly (readonly string[])[] = [
  ["types.ts", "errors.ts", "location.ts", "version.ts", "redact.ts"],
  ["selection", "wire"],
  ["partitions", "schedules"],
  ["definitions", "checks", "resources"],
  ["graph", "io", "sql"],
  ["loader", "storage"],
  ["execution"],
  ["services"],
  ["daemon"],
  ["daemon/http"],
  ["cli"],
  ["index.ts"],
];

/** What the runtime's neighbours may import of it: its pure subpaths. */
const PURE_RUNTIME_SUBPATHS = ["selection", "partitions", "schedules", "wire"];

/** One import of one module. */
export interface ImportEdge {
  /** Importing file, relative to the repository root, with `/`. */
  from: string;
  /** The specifier as written. */
  specifier: string;
  /** The imported file relative to the root, for relative specifiers that resolve to a .ts file. */
  to: string | undefined;
  /** True for `import type` / `export type` and imports whose every name is a type. */
  typeOnly: boolean;
  line: number;
}

/** Every import, re-export, `require()` and `import()` of a source text. */
export function importsOf(file: string, text: string, exists: (file: string) => boolean): ImportEdge[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const edges: ImportEdge[] = [];
  const add = (specifier: string, node: ts.Node, typeOnly: boolean) => {
    const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
    edges.push({ from: file, specifier, to: resolveRelative(file, specifier, exists), typeOnly, line });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const named = clause?.namedBindings && ts.isNamedImports(clause.namedBindings) ? clause.namedBindings.elements : undefined;
      const typeOnly = clause !== undefined && (clause.isTypeOnly || (clause.name === undefined && named !== undefined && named.length > 0 && named.every((element) => element.isTypeOnly)));
      add(node.moduleSpecifier.text, node, typeOnly);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const named = node.exportClause && ts.isNamedExports(node.exportClause) ? node.exportClause.elements : undefined;
      add(node.moduleSpecifier.text, node, node.isTypeOnly || (named !== undefined && named.length > 0 && named.every((element) => element.isTypeOnly)));
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference) && ts.isStringLiteral(node.moduleReference.expression)) {
      add(node.moduleReference.expression.text, node, node.isTypeOnly);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      add(node.argument.literal.text, node, true);
    } else if (
      ts.isCallExpression(node) &&
      node.arguments.length === 1 &&
      ts.isStringLiteral(node.arguments[0]!) &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === "require"))
    ) {
      add((node.arguments[0] as ts.StringLiteral).text, node, false);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return edges;
}

function resolveRelative(from: string, specifier: string, exists: (file: string) => boolean): string | undefined {
  if (!specifier.startsWith(".")) return undefined;
  const base = posix.normalize(posix.join(posix.dirname(from), specifier)).replace(/\.js$/, "");
  return [`${base}.ts`, `${base}/index.ts`, base].find(exists);
}

/** The index in {@link RUNTIME_LAYERS} of a file under runtime/src (path relative to runtime/src). */
export function layerOf(pathInRuntime: string): { layer: number; entry: string } | undefined {
  let best: { layer: number; entry: string } | undefined;
  RUNTIME_LAYERS.forEach((entries, layer) => {
    for (const entry of entries) {
      const contains = pathInRuntime === entry || pathInRuntime.startsWith(`${entry}/`);
      if (contains && (!best || entry.length > best.entry.length)) best = { layer, entry };
    }
  });
  return best;
}

/** A broken rule, in words that name the file and line. */
export type Violation = string;

/** Checks every rule on a set of files (path relative to the root with `/` → text). */
export function checkArchitecture(files: ReadonlyMap<string, string>): Violation[] {
  const exists = (file: string) => files.has(file);
  const violations: Violation[] = [];
  const runtimeEdges: ImportEdge[] = [];
  for (const [file, text] of files) {
    const edges = importsOf(file, text, exists);
    if (file.startsWith("runtime/src/")) {
      runtimeEdges.push(...edges);
      violations.push(...layerViolations(file, edges));
    } else if (/^(server|ui|client)\/src\//.test(file)) {
      violations.push(...neighbourViolations(file, edges));
    }
  }
  violations.push(...cycles(runtimeEdges.filter((edge) => !edge.typeOnly && edge.to?.startsWith("runtime/src/"))));
  return violations;
}

function layerViolations(file: string, edges: ImportEdge[]): Violation[] {
  const here = layerOf(file.slice("runtime/src/".length));
  if (!here) return [`${file}: belongs to no layer of RUNTIME_LAYERS (test/architecture/layers.ts): add its folder where it belongs`];
  const violations: Violation[] = [];
  for (const edge of edges) {
    if (!edge.to?.startsWith("runtime/src/")) continue;
    const there = layerOf(edge.to.slice("runtime/src/".length));
    if (there && there.layer > here.layer) {
      violations.push(`${file}:${edge.line}: ${here.entry} imports ${edge.to} of ${there.entry}, a higher layer (move the shared piece down, or the caller up)`);
    }
  }
  return violations;
}

function neighbourViolations(file: string, edges: ImportEdge[]): Violation[] {
  const violations: Violation[] = [];
  for (const edge of edges) {
    const runtimePath = edge.to?.startsWith("runtime/src/") ? edge.to.slice("runtime/src/".length) : undefined;
    const packagePath = edge.specifier === "tributary-ts" ? "" : edge.specifier.startsWith("tributary-ts/") ? edge.specifier.slice("tributary-ts/".length) : undefined;
    const reached = runtimePath ?? packagePath;
    if (reached !== undefined && !PURE_RUNTIME_SUBPATHS.some((pure) => reached === pure || reached.startsWith(`${pure}/`))) {
      violations.push(`${file}:${edge.line}: imports ${edge.specifier} of the runtime; only its pure subpaths ${PURE_RUNTIME_SUBPATHS.map((p) => `tributary-ts/${p}`).join(", ")} may be imported here`);
    }
    if (file.startsWith("server/src/analysis/") && /^vscode-languageserver/.test(edge.specifier)) {
      violations.push(`${file}:${edge.line}: the analysis library imports ${edge.specifier}; it must stay free of LSP (the server hosts it, validate reuses it)`);
    }
  }
  return violations;
}

/** Import cycles among runtime modules (Tarjan's strongly connected components, iterative). */
function cycles(edges: ImportEdge[]): Violation[] {
  const graph = new Map<string, Set<string>>();
  for (const edge of edges) {
    if (!graph.has(edge.from)) graph.set(edge.from, new Set());
    graph.get(edge.from)!.add(edge.to!);
    if (!graph.has(edge.to!)) graph.set(edge.to!, new Set());
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let next = 0;
  for (const root of graph.keys()) {
    if (index.has(root)) continue;
    const work: { node: string; children: Iterator<string> }[] = [];
    const enter = (node: string) => {
      index.set(node, next);
      low.set(node, next);
      next += 1;
      stack.push(node);
      onStack.add(node);
      work.push({ node, children: graph.get(node)!.values() });
    };
    enter(root);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const child = frame.children.next();
      if (!child.done) {
        if (!index.has(child.value)) enter(child.value);
        else if (onStack.has(child.value)) low.set(frame.node, Math.min(low.get(frame.node)!, index.get(child.value)!));
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        if (component.length > 1) components.push(component.sort());
      }
    }
  }
  return components.map((component) => `import cycle: ${component.join(" ↔ ")} (type-only imports aside, these modules need each other to load)`);
}

/** The repository's TypeScript sources that the rules speak of, read from disk. */
export function readSources(root: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) files.set(relative(root, path).split("\\").join("/"), readFileSync(path, "utf8"));
    }
  };
  for (const folder of ["runtime/src", "server/src", "ui/src", "client/src"]) walk(resolve(root, folder));
  return files;
}

/** The repository root (this file is test/architecture/layers.ts). */
export const REPOSITORY_ROOT = resolve(dirname(__filename), "..", "..");
