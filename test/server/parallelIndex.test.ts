import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { extractFileFacts, listSourceFiles, ParseWorkerPool, ProjectIndex, type ProjectModel } from "../../server/src/analysis";
import { readFileFacts } from "../../server/src/analysis/readFacts";

/**
 * The cold index parses files in worker threads side by side with the main thread. Whoever parses
 * a file, the index must end up the same: same facts (a worker's reply travels as JSON), same files
 * in the same order, same model.
 */

const repository = path.resolve(__dirname, "../..");
/** The server's entry point runs the parse worker when started as one. */
const entry = path.join(repository, "server/src/main.ts");
const fixtures = path.join(__dirname, "fixtures");

/** A workspace of the warehouse fixture plus `count` generated modules, with duplicates and unknown deps. */
function writeWorkspace(root: string, count: number): void {
  fs.rmSync(root, { recursive: true, force: true });
  fs.cpSync(path.join(fixtures, "warehouse"), root, { recursive: true });
  fs.mkdirSync(path.join(root, "src/generated"), { recursive: true });
  for (let f = 0; f < count; f++) {
    const lines = [`import { asset, defineAssetJob } from "tributary-ts";`];
    if (f > 0) lines.push(`import { g${f - 1}_0 } from "./m${f - 1}";`);
    for (let a = 0; a < 3; a++) {
      // Every 7th module redefines a key of the previous one: which definition owns it follows file order.
      const key = f % 7 === 3 && a === 0 ? `g${f - 1}_1` : `g${f}_${a}`;
      const deps = [f > 0 ? `g${f - 1}_0` : "", a > 0 ? `"g${f}_${a - 1}"` : "", f % 11 === 5 ? `"no_such_${f}"` : ""].filter(Boolean);
      lines.push(`export const g${f}_${a} = asset({ key: "${key}", group: "gen_${f % 4}", deps: [${deps.join(", ")}] }, async () => []);`);
    }
    if (f % 10 === 0) lines.push(`export const job${f} = defineAssetJob({ name: "gen_job_${f}", selection: "group:gen_${f % 4}+" });`);
    fs.writeFileSync(path.join(root, `src/generated/m${f}.ts`), lines.join("\n") + "\n");
  }
}

function snapshot(index: ProjectIndex, model: ProjectModel): unknown {
  return {
    files: index.fileNames(),
    facts: index.fileNames().map((file) => index.facts(file)),
    diagnostics: [...model.diagnostics],
    references: [...model.references],
    assets: [...model.assets.values()].map((a) => [a.key, a.location, a.deps]),
    edges: model.edges.map((e) => [e.from, e.to, e.file, e.span]),
    jobs: model.jobs.map((j) => [j.name, j.selected]),
  };
}

/** Blocks the calling thread, so that the workers get files to parse whatever the machine's load. */
function blockFor(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

describe("extraction", () => {
  it("finds API calls wherever the text names them: escapes, aliases, namespaces, nested functions", () => {
    const text = [
      `import { asset, asset as mk } from "tributary-ts";`,
      `import * as tb from "tributary-ts";`,
      `export const one = \\u0061sset({ key: "one" }, async () => []);`,
      `export function make() { return (tb.asset)({ key: "two" }, async () => []); }`,
      `export const three = (mk as typeof asset)({ key: "three", deps: [one] }, async () => []);`,
    ].join("\n");
    const keys = (source: string): string[] => extractFileFacts("/ws/a.ts", source).definitions
      .flatMap((d) => (d.api === "asset" ? d.outs.map((o) => o.key?.value ?? "?") : []));
    assert.deepEqual(keys(text), ["one", "two", "three"]);
    // Without the escape, the walk skips what names no API function, and still finds the rest.
    assert.deepEqual(keys(text.replace("\\u0061sset", "asset")), ["one", "two", "three"]);
  });
});

describe("cold index with parse workers", function () {
  this.timeout(60_000);
  const root = path.join(os.tmpdir(), `tributary-parallel-index-${process.pid}`);
  let pool: ParseWorkerPool | undefined;

  before(() => writeWorkspace(root, 150));
  after(async () => {
    await pool?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it("keeps every fixture file's facts intact through the JSON a worker replies with", () => {
    const files = [...listSourceFiles(fixtures), ...listSourceFiles(root)];
    assert.ok(files.length > 150);
    for (const file of files) {
      const facts = extractFileFacts(file, fs.readFileSync(file, "utf8"));
      assert.deepStrictEqual(JSON.parse(JSON.stringify(facts)), facts, file);
    }
  });

  it("returns the same facts in the same order when a worker parses most files", async () => {
    pool = ParseWorkerPool.start(entry, 1);
    await pool.ready();
    assert.equal(pool.size(), 1, "the worker started and loaded TypeScript");
    const files = listSourceFiles(root);
    const slowMain = (file: string): ReturnType<typeof readFileFacts> => {
      blockFor(5);
      return readFileFacts(file);
    };
    const parallel = await pool.parseAll(files, slowMain);
    assert.ok((pool.lastStats?.workerFiles ?? 0) > 0, `the worker parsed no file: ${JSON.stringify(pool.lastStats)}`);
    assert.deepStrictEqual(parallel, files.map(readFileFacts));
  });

  it("builds the same model with workers as the main thread alone, duplicates and unknown deps included", async () => {
    pool ??= ParseWorkerPool.start(entry, 1);
    const alone = new ProjectIndex(root);
    alone.indexFromDisk();
    const together = new ProjectIndex(root);
    await together.indexFromDiskInParallel(pool);
    const expected = snapshot(alone, alone.model());
    assert.deepStrictEqual(snapshot(together, together.model()), expected);
    assert.ok(alone.model().diagnostics.size > 0, "the workspace has diagnostics to compare");
  });

  it("parses on the main thread the files of a worker that cannot start", async () => {
    const broken = ParseWorkerPool.start(path.join(root, "no-such-entry.js"), 1);
    const files = listSourceFiles(root);
    const facts = await broken.parseAll(files, readFileFacts);
    assert.deepStrictEqual(facts, files.map(readFileFacts));
    await broken.close();
  });
});
