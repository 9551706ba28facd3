/**
 * Snapshot tests of the injection grammars in syntaxes/: the fixtures under fixtures/ are tokenized
 * with VS Code's own TypeScript and SQL grammars (copied under grammars/ from VS Code 1.100) plus
 * ours, through vscode-textmate + vscode-oniguruma (the engine VS Code uses). Each token's scopes
 * are compared to snapshots/<fixture>.snap; a missing snapshot is written on a developer's machine
 * (review it, commit it) but fails under CI (CI=true), where nobody reviews it; UPDATE_SNAPSHOTS=1
 * rewrites them. A few assertions name the scopes that matter, so a snapshot
 * accepted by mistake still fails.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as oniguruma from "vscode-oniguruma";
import * as textmate from "vscode-textmate";

const here = __dirname;
const root = path.join(here, "..", "..");
const GRAMMARS: Record<string, string> = {
  "source.ts": path.join(here, "grammars", "TypeScript.tmLanguage.json"),
  "source.sql": path.join(here, "grammars", "sql.tmLanguage.json"),
  "inline.tributary.sql": path.join(root, "syntaxes", "tributary-sql.injection.json"),
  "inline.tributary.selection": path.join(root, "syntaxes", "tributary-selection.injection.json"),
};

/** Each line's tokens as `text => scopes` (the root scope omitted), one token per line. */
type Tokens = { line: number; text: string; scopes: string[] }[];

let registry: textmate.Registry;

async function tokenize(fixture: string): Promise<Tokens> {
  const grammar = await registry.loadGrammar("source.ts");
  assert.ok(grammar, "the TypeScript grammar loads");
  const lines = fs.readFileSync(path.join(here, "fixtures", fixture), "utf8").split("\n");
  const result: Tokens = [];
  let stack = textmate.INITIAL;
  lines.forEach((text, index) => {
    const { tokens, ruleStack } = grammar.tokenizeLine(text, stack);
    stack = ruleStack;
    for (const token of tokens) {
      const piece = text.slice(token.startIndex, token.endIndex);
      if (piece.trim() === "") continue;
      result.push({ line: index + 1, text: piece, scopes: token.scopes.slice(1) });
    }
  });
  return result;
}

function snapshot(tokens: Tokens): string {
  return tokens.map((t) => `${t.line}: ${JSON.stringify(t.text)} => ${t.scopes.join(" ")}`).join("\n") + "\n";
}

function matchSnapshot(name: string, tokens: Tokens): void {
  const file = path.join(here, "snapshots", `${name}.snap`);
  const actual = snapshot(tokens);
  const missing = !fs.existsSync(file);
  if (missing && process.env["CI"] === "true" && process.env["UPDATE_SNAPSHOTS"] !== "1") {
    assert.fail(`${path.relative(root, file)} is missing: run the grammar tests once outside CI, review the snapshot written and commit it`);
  }
  if (missing || process.env["UPDATE_SNAPSHOTS"] === "1") {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, actual);
    return;
  }
  assert.equal(actual, fs.readFileSync(file, "utf8"), `tokens of ${name} differ from ${path.relative(root, file)} (UPDATE_SNAPSHOTS=1 to accept)`);
}

function scopesOf(tokens: Tokens, line: number, text: string): string[] {
  const token = tokens.find((t) => t.line === line && t.text.trim() === text);
  assert.ok(token, `a token "${text}" on line ${line}; tokens there: ${tokens.filter((t) => t.line === line).map((t) => JSON.stringify(t.text)).join(" ")}`);
  return token.scopes;
}

describe("injection grammars (syntaxes/)", () => {
  before(async () => {
    const wasm = fs.readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm"));
    await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
    registry = new textmate.Registry({
      onigLib: Promise.resolve({
        createOnigScanner: (patterns: string[]) => new oniguruma.OnigScanner(patterns),
        createOnigString: (s: string) => new oniguruma.OnigString(s),
      }),
      loadGrammar: async (scopeName) => {
        const file = GRAMMARS[scopeName];
        return file ? textmate.parseRawGrammar(fs.readFileSync(file, "utf8"), file) : null;
      },
      // What package.json's contributes.grammars[].injectTo says.
      getInjections: (scopeName) => (scopeName === "source.ts" ? ["inline.tributary.sql", "inline.tributary.selection"] : undefined),
    });
  });

  it("highlights SQL inside sql`...` as embedded SQL, keeping ${...} TypeScript and ending at the backtick", async () => {
    const tokens = await tokenize("sqlTemplate.ts");
    assert.ok(scopesOf(tokens, 5, "sql").includes("entity.name.function.tagged-template.ts"));
    const select = scopesOf(tokens, 6, "SELECT");
    assert.ok(select.includes("meta.embedded.block.sql") && select.some((s) => s.startsWith("keyword.other.DML.sql")), select.join(" "));
    const from = scopesOf(tokens, 7, "FROM");
    assert.ok(from.some((s) => s.startsWith("keyword.other.DML.sql")), from.join(" "));
    const minimum = scopesOf(tokens, 8, "minimum");
    assert.ok(minimum.includes("meta.template.expression.ts") && !minimum.some((s) => s.endsWith(".sql") && s !== "meta.embedded.block.sql"), minimum.join(" "));
    assert.ok(scopesOf(tokens, 8, "--").some((s) => s.startsWith("comment.line.double-dash.sql") || s.startsWith("punctuation.definition.comment.sql")));
    assert.ok(!scopesOf(tokens, 11, "}").includes("meta.embedded.block.sql"), "the code after the template is TypeScript again");
    matchSnapshot("sqlTemplate", tokens);
  });

  it("marks ${asset} read as a table (after FROM or JOIN) as an asset reference, and other ${...} as plain TypeScript", async () => {
    const tokens = await tokenize("sqlTemplate.ts");
    assert.ok(scopesOf(tokens, 16, "rawNumbers").includes("variable.other.constant.asset-reference.tributary"));
    assert.ok(scopesOf(tokens, 16, "models.other").includes("variable.other.constant.asset-reference.tributary"));
    assert.ok(scopesOf(tokens, 16, "join").some((s) => s.startsWith("keyword.other.DML.sql")));
    const minimum = tokens.filter((t) => t.line === 16 && t.text === "minimum").flatMap((t) => t.scopes);
    assert.ok(minimum.length > 0 && !minimum.includes("variable.other.constant.asset-reference.tributary"), minimum.join(" "));
  });

  it("leaves other tagged templates alone and accepts sql<T> and db.sql", async () => {
    const tokens = await tokenize("sqlTemplate.ts");
    assert.ok(!tokens.filter((t) => t.line === 13).some((t) => t.scopes.includes("meta.embedded.block.sql")), "html`...` is not SQL");
    const one = tokens.find((t) => t.line === 14 && t.text.includes("SELECT"));
    assert.ok(one?.scopes.includes("meta.embedded.block.sql"), `db.sql<Row>\`SELECT\` is SQL: ${one?.scopes.join(" ")}`);
  });

  it("highlights selection strings in selection: properties and only there", async () => {
    const tokens = await tokenize("selection.ts");
    assert.ok(scopesOf(tokens, 3, "and").includes("keyword.operator.logical.selection.tributary"));
    assert.ok(scopesOf(tokens, 3, "not").includes("keyword.operator.logical.selection.tributary"));
    assert.ok(scopesOf(tokens, 3, "group").includes("entity.other.attribute-name.selection.tributary"));
    assert.ok(scopesOf(tokens, 3, "+").includes("keyword.operator.traversal.selection.tributary"));
    assert.ok(scopesOf(tokens, 4, "roots").includes("support.function.selection.tributary"));
    assert.ok(scopesOf(tokens, 4, "2+").includes("keyword.operator.traversal.selection.tributary"));
    assert.ok(scopesOf(tokens, 5, "*").includes("constant.language.all.selection.tributary"));
    assert.ok(!tokens.filter((t) => t.line === 6).some((t) => t.scopes.some((s) => s.endsWith(".selection.tributary"))), "a description string is not a selection");
    assert.ok(scopesOf(tokens, 3, "}").every((s) => !s.includes("selection")), "the code after the string is TypeScript again");
    matchSnapshot("selection", tokens);
  });
});
