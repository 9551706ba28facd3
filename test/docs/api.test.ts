import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { renderApiDocs } from "../../scripts/gen-api-docs";

const root = path.join(__dirname, "..", "..");

describe("docs/api.md", function () {
  // The generator type-checks the package's entry with the TypeScript compiler (a few seconds).
  this.timeout(60_000);

  it("is what the TSDoc of the package's exports generates (regenerate with npx tsx scripts/gen-api-docs.ts)", () => {
    const expected = renderApiDocs();
    const actual = readFileSync(path.join(root, "docs", "api.md"), "utf8");
    if (actual === expected) return;
    const actualLines = actual.split("\n");
    const expectedLines = expected.split("\n");
    const first = expectedLines.findIndex((line, index) => actualLines[index] !== line);
    const at = first === -1 ? Math.min(actualLines.length, expectedLines.length) : first;
    assert.fail(
      `docs/api.md differs from the TSDoc from line ${at + 1}:\n  file:      ${JSON.stringify(actualLines[at])}\n  generated: ${JSON.stringify(expectedLines[at])}\n` +
        "Run `npx tsx scripts/gen-api-docs.ts` and commit docs/api.md.",
    );
  });
});
