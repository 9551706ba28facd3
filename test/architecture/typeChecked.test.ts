/**
 * `npm run build` runs `tsc -b` on the root tsconfig: every TypeScript file of the repository must
 * belong to one of the projects it references, or esbuild and tsx (which strip types) would run it
 * unchecked. Fixtures are left out on purpose: some hold errors the tests expect.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import ts from "typescript";

const ROOT = resolve(__dirname, "..", "..");

function projectFiles(configPath: string, seen = new Set<string>()): Set<string> {
  const files = new Set<string>();
  if (seen.has(configPath)) return files;
  seen.add(configPath);
  const read = ts.readConfigFile(configPath, ts.sys.readFile);
  if (read.error) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, "\n"));
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, dirname(configPath), undefined, configPath);
  for (const file of parsed.fileNames) files.add(resolve(file));
  for (const reference of parsed.projectReferences ?? []) {
    const referenced = reference.path.endsWith(".json") ? reference.path : join(reference.path, "tsconfig.json");
    for (const file of projectFiles(resolve(referenced), seen)) files.add(file);
  }
  return files;
}

describe("type checking", () => {
  it("checks every TypeScript file of the repository in the root tsc -b, fixtures aside", () => {
    const checked = projectFiles(join(ROOT, "tsconfig.json"));
    const tracked = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "*.ts", "*.mts", "*.cts", "*.tsx"], { cwd: ROOT, encoding: "utf8" })
      .split("\n")
      .filter((file) => file !== "" && !/(^|\/)fixtures\//.test(file) && !file.endsWith(".d.ts"));
    assert.ok(tracked.length > 100, `found only ${tracked.length} TypeScript files: is this a git checkout?`);
    const unchecked = tracked.filter((file) => !checked.has(resolve(ROOT, file)));
    assert.deepEqual(unchecked, [], "files no project of the root tsconfig.json type-checks (add their folder to a project it references)");
  });
});
