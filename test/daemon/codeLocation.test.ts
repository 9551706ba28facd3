/**
 * The code location's reloads in dev mode, on real files and real esbuild builds: what it watches
 * (the import graph and the project files, by path), and that no change is ever lost.
 */
import assert from "node:assert/strict";
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CodeLocation } from "../../runtime/src/daemon/codeLocation";
import { EntryCompiler, findProjectConfig, type CompiledEntry, type ProjectConfig } from "../../runtime/src/loader";
import { writeProject } from "./helpers";
import { waitFor } from "../support/waitFor";

const DEFINITIONS = `import { definitions } from "tributary-ts";
import { raw } from "./assets/raw";
export default definitions({ assets: [raw] });
`;
const raw = (key: string) => `import { asset } from "tributary-ts";\nexport const raw = asset({ key: "${key}" }, () => 1);\n`;

/** A real compiler whose builds can be held after they have read the files (a slow build). */
class HoldableCompiler extends EntryCompiler {
  hold: Promise<void> | undefined;
  holding = false;

  override async compile(): Promise<CompiledEntry> {
    const compiled = await super.compile();
    this.holding = true;
    await this.hold;
    this.holding = false;
    return compiled;
  }
}

describe("code location (dev reloads)", function () {
  this.timeout(30_000);
  let dir: string;
  let code: CodeLocation | undefined;
  /** The changed files each reload reported, in order. */
  let reloads: string[][];

  const keys = () => [...(code?.project?.graph.assets.keys() ?? [])];
  const start = async (options: { compilerFor?: (config: ProjectConfig, incremental: boolean) => EntryCompiler } = {}) => {
    code = new CodeLocation(findProjectConfig(dir), { watch: true, debounceMs: 20, ...options });
    reloads = [];
    code.onReload((changed) => reloads.push(changed));
    await code.start();
    assert.ok(code.current.ok, JSON.stringify(code.current));
  };

  beforeEach(() => {
    dir = writeProject({ "tributary.yaml": "entry: definitions.ts\n", "definitions.ts": DEFINITIONS, "assets/raw.ts": raw("raw_1") });
  });
  afterEach(async () => {
    await code?.stop();
    code = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it("keeps noticing a file that is replaced by a rename, save after save (sed -i, atomic saves)", async () => {
    await start();
    const file = join(dir, "assets", "raw.ts");
    for (const n of [2, 3, 4]) {
      // What sed -i and editors' safe writes do: a new file renamed over the old one (a new inode).
      writeFileSync(join(dir, "assets", `sed${n}Xy`), raw(`raw_${n}`));
      renameSync(join(dir, "assets", `sed${n}Xy`), file);
      await waitFor(`save ${n} is served (assets: ${keys().join(", ")})`, () => keys().includes(`raw_${n}`), 10_000);
    }
  });

  it("reloads for files of the import graph and the project files, never for data, .tributary/, node_modules or scratch files", async () => {
    await start();
    const file = (name: string) => join(dir, name);
    mkdirSync(file(".tributary"), { recursive: true });
    mkdirSync(file("node_modules/left-pad"), { recursive: true });
    mkdirSync(file("data"), { recursive: true });
    for (const name of ["orders.json", "data/customers.yaml", ".tributary/state.json", "node_modules/left-pad/index.ts", "assets/.raw.ts.swp", "assets/4913", "assets/raw.ts~", "assets/unused.ts"]) {
      writeFileSync(file(name), "{}");
    }
    writeFileSync(file("assets/raw.ts"), raw("raw_2"));
    await waitFor("the edit of assets/raw.ts is served", () => keys().includes("raw_2"), 10_000);
    assert.deepEqual([...new Set(reloads.flat())], [file("assets/raw.ts")], "only the file of the import graph caused reloads");

    // A file joins the graph when an import of it is saved; from then on its changes count.
    reloads.length = 0;
    writeFileSync(file("assets/unused.ts"), raw("from_unused").replace("const raw", "const extra"));
    writeFileSync(file("definitions.ts"), DEFINITIONS.replace("[raw]", "[raw, extra]").replace('from "./assets/raw";', 'from "./assets/raw";\nimport { extra } from "./assets/unused";'));
    await waitFor("the new import is served", () => keys().includes("from_unused"), 10_000);
    writeFileSync(file("assets/unused.ts"), raw("renamed_extra").replace("const raw", "const extra"));
    await waitFor("an edit of the newly imported file is served", () => keys().includes("renamed_extra"), 10_000);

    for (const name of ["package.json", "package-lock.json", "tributary.yaml"]) {
      reloads.length = 0;
      writeFileSync(file(name), name === "tributary.yaml" ? "entry: definitions.ts\n# edited\n" : "{}\n");
      await waitFor(`${name} reloads the code`, () => reloads.some((changed) => changed.includes(file(name))), 10_000);
    }
  });

  it("compiles the entry tributary.yaml names now, and watches the new entry's imports", async () => {
    await start();
    writeFileSync(join(dir, "other.ts"), `import { definitions } from "tributary-ts";\nimport { raw } from "./lib/other";\nexport default definitions({ assets: [raw] });\n`);
    mkdirSync(join(dir, "lib"));
    writeFileSync(join(dir, "lib", "other.ts"), raw("from_other_entry"));
    writeFileSync(join(dir, "tributary.yaml"), "entry: other.ts\n");
    await waitFor("the new entry is served", () => keys().includes("from_other_entry"), 10_000);
    writeFileSync(join(dir, "lib", "other.ts"), raw("edited_other"));
    await waitFor("an edit of the new entry's import is served", () => keys().includes("edited_other"), 10_000);
  });

  it("loads once more after a load that read the files before a change (the last save is served)", async () => {
    let compiler: HoldableCompiler | undefined;
    await start({ compilerFor: (config, incremental) => (compiler = new HoldableCompiler({ entryFile: config.entryFile, projectDir: config.projectDir, buildDir: join(config.storageDir, "build"), incremental })) });
    let release!: () => void;
    compiler!.hold = new Promise((resolve) => (release = resolve));
    writeFileSync(join(dir, "assets", "raw.ts"), raw("first_save"));
    const first = code!.reload();
    await waitFor("the build of the first save read the files", () => compiler!.holding);
    writeFileSync(join(dir, "assets", "raw.ts"), raw("second_save"));
    const second = code!.reload();
    release();
    await second;
    assert.deepEqual(keys(), ["second_save"]);
    await first;
  });

  it("reloads when the file a failed build missed appears, even in a new folder", async () => {
    await start();
    writeFileSync(join(dir, "definitions.ts"), DEFINITIONS.replace("[raw]", "[raw, extra]").replace('from "./assets/raw";', 'from "./assets/raw";\nimport { extra } from "./lib/extra";'));
    await waitFor("the missing import is reported", () => !code!.current.ok, 10_000);
    assert.match(code!.current.ok ? "" : code!.current.error.message, /Could not resolve "\.\/lib\/extra"/);
    mkdirSync(join(dir, "lib"));
    writeFileSync(join(dir, "lib", "extra.ts"), raw("extra").replace("const raw", "const extra"));
    await waitFor("the project loads once the file exists", () => keys().includes("extra"), 10_000);
  });
});
