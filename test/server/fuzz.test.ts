import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { cursorContext, extractFileFacts, listSourceFiles, ProjectIndex } from "../../server/src/analysis";
import { LspTestClient, uri } from "./lspClient";
import { seededRandom } from "../support/random";

const SEED = Number(process.env.FUZZ_SEED ?? 20240611);
const TOKENS = [
  "asset(", "multiAsset(", "assetCheck(", "defineAssetJob(", "schedule(", "sensor(", "definitions(", "{", "}", "[", "]", "(", ")",
  '"', "'", "`", "${", ",", "...", "deps: [", "key: ", "selection: \"", "cron: \"", "outs: {", "export * from \"./", "import * as x from \"",
  "export default ", "as const", "satisfies never", "\n", "/*", "*/", "//", "\u0000", "\ud800", "é", "=>", "async", "key:\"a\"", "+", "or", "not (",
];

function mutate(text: string, next: () => number): string {
  let result = text;
  const edits = 1 + Math.floor(next() * 6);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(next() * (result.length + 1));
    const choice = next();
    if (choice < 0.35) {
      result = result.slice(0, at) + result.slice(Math.min(result.length, at + Math.floor(next() * 40)));
    } else if (choice < 0.75) {
      result = result.slice(0, at) + TOKENS[Math.floor(next() * TOKENS.length)] + result.slice(at);
    } else if (choice < 0.9) {
      const from = Math.floor(next() * result.length);
      result = result.slice(0, at) + result.slice(from, from + Math.floor(next() * 200)) + result.slice(at);
    } else {
      let noise = "";
      for (let j = 0; j < 30; j++) noise += String.fromCharCode(Math.floor(next() * 0x3000));
      result = result.slice(0, at) + noise + result.slice(at);
    }
  }
  return result;
}

const fixtureFiles = ["warehouse", "broken", "clean"].flatMap((name) => listSourceFiles(path.join(__dirname, "fixtures", name)));

describe("fuzzing the analysis and the server", function () {
  this.timeout(60_000);

  it(`never throws on 400 mutated fixtures and random texts (seed ${SEED}), each within the test's timeout`, () => {
    const next = seededRandom(SEED);
    const workspace = fs.mkdtempSync(path.join(os.tmpdir(), "tributary-fuzz-"));
    fs.cpSync(path.join(__dirname, "fixtures", "warehouse"), workspace, { recursive: true });
    const project = new ProjectIndex(workspace);
    project.indexFromDisk();
    const targets = project.fileNames();
    for (let i = 0; i < 400; i++) {
      const source = fixtureFiles[Math.floor(next() * fixtureFiles.length)] as string;
      const text = next() < 0.1 ? mutate("", next).repeat(1 + Math.floor(next() * 50)) : mutate(fs.readFileSync(source, "utf8"), next);
      const target = targets[Math.floor(next() * targets.length)] as string;
      try {
        extractFileFacts(target, text);
        project.update(target, text);
        project.model();
        cursorContext(target, text, Math.floor(next() * (text.length + 1)));
      } catch (error) {
        throw new Error(`iteration ${i} (FUZZ_SEED=${SEED}) threw on ${JSON.stringify(text.slice(0, 300))}: ${(error as Error).stack}`);
      }
    }
    fs.rmSync(workspace, { recursive: true, force: true });
  });

  it("keeps the real server alive and answering through 150 random edits and requests over stdio", async () => {
    const next = seededRandom(SEED + 1);
    const workspace = fs.mkdtempSync(path.join(os.tmpdir(), "tributary-fuzz-lsp-"));
    fs.cpSync(path.join(__dirname, "fixtures", "warehouse"), workspace, { recursive: true });
    const client = await LspTestClient.start([workspace]);
    try {
      const file = path.join(workspace, "src/models/staging.ts");
      let text = await client.open(file);
      for (let i = 0; i < 150; i++) {
        text = next() < 0.2 ? fs.readFileSync(file, "utf8") : mutate(text, next);
        await client.change(file, text);
        if (i % 10 === 0) {
          const lines = text.split("\n");
          const line = Math.floor(next() * lines.length);
          const position = { line, character: Math.floor(next() * ((lines[line]?.length ?? 0) + 1)) };
          await Promise.all(["textDocument/hover", "textDocument/completion", "textDocument/definition", "textDocument/codeLens", "textDocument/documentSymbol"]
            .map((method) => client.request(method, { textDocument: { uri: uri(file) }, position })));
        }
      }
      assert.ok(client.alive());
      assert.doesNotMatch(client.stderr, /failed|Error/);
    } finally {
      await client.stop();
      fs.rmSync(workspace, { recursive: true, force: true });
    }
  });
});
