/**
 * Writes docs/api.md from the TSDoc of every export of runtime/src/index.ts, so the API reference
 * cannot drift from the code. Run: `npx tsx scripts/gen-api-docs.ts`.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";

const root = path.join(__dirname, "..");
const entry = path.join(root, "runtime", "src", "index.ts");
const program = ts.createProgram([entry], {
  strict: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.Node16,
  moduleResolution: ts.ModuleResolutionKind.Node16,
  skipLibCheck: true,
  noEmit: true,
});
const checker = program.getTypeChecker();
const source = program.getSourceFile(entry)!;

interface Entry {
  name: string;
  kind: string;
  signature: string;
  doc: string;
  from: string;
}

const sections: { title: string; entries: Entry[] }[] = [];
let current = { title: "Exports", entries: [] as Entry[] };
sections.push(current);

for (const statement of source.statements) {
  const comment = ts
    .getLeadingCommentRanges(source.text, statement.pos)
    ?.map((range) => source.text.slice(range.pos, range.end))
    .find((text) => text.startsWith("// "));
  if (comment) {
    current = { title: comment.slice(3).replace(/\.$/, ""), entries: [] };
    sections.push(current);
  }
  if (!ts.isExportDeclaration(statement) || !statement.moduleSpecifier) continue;
  const from = (statement.moduleSpecifier as ts.StringLiteral).text;
  const clause = statement.exportClause;
  if (!clause || !ts.isNamedExports(clause)) {
    current.entries.push({ name: `* from "${from}"`, kind: "types", signature: "", doc: "Every type of the run and event vocabulary: see the module below.", from });
    continue;
  }
  for (const element of clause.elements) {
    let symbol = checker.getSymbolAtLocation(element.name);
    if (!symbol) continue;
    if (symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
    current.entries.push(describe(element.name.text, symbol, from));
  }
}

function describe(name: string, symbol: ts.Symbol, from: string): Entry {
  const declaration = symbol.declarations?.[0];
  const doc = [
    ts.displayPartsToString(symbol.getDocumentationComment(checker)),
    ...symbol
      .getJsDocTags(checker)
      .filter((tag) => ["example", "defaultValue", "throws"].includes(tag.name))
      .map((tag) => formatTag(tag)),
  ]
    .filter(Boolean)
    .join("\n\n");
  let kind = "value";
  let signature = "";
  if (declaration && ts.isFunctionDeclaration(declaration)) {
    kind = "function";
    const type = checker.getTypeOfSymbolAtLocation(symbol, declaration);
    signature = type
      .getCallSignatures()
      .map((sig) => `function ${name}${checker.signatureToString(sig, declaration, ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.WriteArrowStyleSignature)}`)
      .join("\n");
  } else if (declaration && ts.isClassDeclaration(declaration)) {
    kind = "class";
    signature = `class ${name}${declaration.heritageClauses ? " " + declaration.heritageClauses.map((h) => h.getText()).join(" ") : ""}`;
  } else if (declaration && (ts.isInterfaceDeclaration(declaration) || ts.isTypeAliasDeclaration(declaration))) {
    kind = ts.isInterfaceDeclaration(declaration) ? "interface" : "type";
    signature = declaration.getText().replace(/\/\*\*[\s\S]*?\*\/\s*/g, "");
    if (signature.length > 1800) signature = signature.slice(0, 1800) + "\n  // ...";
  } else if (declaration && ts.isVariableDeclaration(declaration)) {
    kind = "const";
    signature = `const ${name}: ${checker.typeToString(checker.getTypeOfSymbolAtLocation(symbol, declaration))}`;
  }
  return { name, kind, signature, doc, from };
}

function formatTag(tag: ts.JSDocTagInfo): string {
  const text = ts.displayPartsToString(tag.text);
  if (tag.name === "example") return text.includes("```") ? `Example:\n\n${text}` : `Example:\n\n\`\`\`ts\n${text}\n\`\`\``;
  if (tag.name === "defaultValue") return `Default: \`${text}\``;
  return `Throws: ${text}`;
}

const lines = [
  "# API reference",
  "",
  "Everything `import { ... } from \"tributary-ts\"` offers, generated from the TSDoc in the source by",
  "`npx tsx scripts/gen-api-docs.ts`. Concepts are explained in [concepts.md](concepts.md).",
  "",
];
for (const section of sections.filter((s) => s.entries.length > 0)) {
  lines.push(`## ${section.title}`, "");
  for (const entry of section.entries) {
    lines.push(`### \`${entry.name}\``, "", `*${entry.kind}* — from \`runtime/src/${entry.from.replace(/^\.\//, "")}\``, "");
    if (entry.signature) lines.push("```ts", entry.signature, "```", "");
    if (entry.doc) lines.push(entry.doc, "");
  }
}
writeFileSync(path.join(root, "docs", "api.md"), lines.join("\n"));
console.log(`docs/api.md: ${sections.reduce((n, s) => n + s.entries.length, 0)} exports`);
