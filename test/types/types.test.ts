import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";

const fixture = path.join(__dirname, "fixtures", "inputs.ts");

let previousProgram: ts.Program | undefined;

function typeErrors(fileName: string, text?: string): string[] {
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.Node16,
    moduleResolution: ts.ModuleResolutionKind.Node16,
    skipLibCheck: true,
    types: ["node"],
  };
  const host = ts.createCompilerHost(options);
  if (text !== undefined) {
    const original = host.getSourceFile;
    host.getSourceFile = (name, languageVersion, ...rest) =>
      path.resolve(name) === path.resolve(fileName)
        ? ts.createSourceFile(name, text, languageVersion, true)
        : original.call(host, name, languageVersion, ...rest);
  }
  // Reusing the previous program re-checks only the changed fixture, not the whole runtime.
  const program = ts.createProgram([fileName], options, host, previousProgram);
  previousProgram = program;
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file && path.resolve(d.file.fileName) === path.resolve(fileName))
    .map((d) => {
      const { line } = d.file!.getLineAndCharacterOfPosition(d.start ?? 0);
      return `${line + 1}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
    });
}

describe("types of the public API", function () {
  this.timeout(120_000);

  it("types ctx.inputs from deps: every @ts-expect-error in the fixture is a real error and nothing else is", () => {
    assert.deepEqual(typeErrors(fixture), []);
  });

  it("makes a wrong input type a compile error (the fixture without its directives fails to compile)", () => {
    const text = readFileSync(fixture, "utf8").replace(/\/\/ @ts-expect-error.*$/gm, "//");
    const errors = typeErrors(fixture, text);
    const expected = (readFileSync(fixture, "utf8").match(/\/\/ @ts-expect-error/g) ?? []).length;
    assert.equal(errors.length, expected, errors.join("\n"));
    assert.ok(errors.some((e) => /Type 'number' is not assignable to type 'string'/.test(e)), errors.join("\n"));
  });
});
