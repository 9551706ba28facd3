import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";

const root = path.join(__dirname, "..", "..");

describe("docs/api.md", () => {
  it("documents every export of the tributary package (regenerate with npx tsx scripts/gen-api-docs.ts)", () => {
    const index = path.join(root, "runtime", "src", "index.ts");
    const source = ts.createSourceFile(index, readFileSync(index, "utf8"), ts.ScriptTarget.ES2022, true);
    const names: string[] = [];
    for (const statement of source.statements) {
      if (ts.isExportDeclaration(statement) && statement.exportClause && ts.isNamedExports(statement.exportClause)) {
        for (const element of statement.exportClause.elements) names.push(element.name.text);
      }
    }
    assert.ok(names.length > 50, `expected the package's exports, found ${names.length}`);
    const docs = readFileSync(path.join(root, "docs", "api.md"), "utf8");
    const missing = names.filter((name) => !docs.includes(`### \`${name}\``));
    assert.deepEqual(missing, [], `missing from docs/api.md: ${missing.join(", ")}`);
  });
});
