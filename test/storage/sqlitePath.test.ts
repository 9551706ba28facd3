/**
 * A SQLite `storage.url` that cannot be a database file once ended in "unexpected SqliteError" (a
 * folder) or silently created a folder and an empty database (a path in a missing folder, a typo
 * away from the real one). Tributary's own `.tributary/` folder is still created: that is the
 * embedded default.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "../../runtime/src/errors";
import { openStorage } from "../../runtime/src/storage";
import { SqliteStorage } from "../../runtime/src/storage/sqlite/storage";
import { runMain, testEnv } from "../cli/helpers";

describe("SQLite storage paths", () => {
  let folder: string;
  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), "tributary-sqlite-path-"));
  });
  afterEach(() => rmSync(folder, { recursive: true, force: true }));

  it("refuses a folder as the database, suggesting a file inside it", async () => {
    const state = join(folder, "state");
    mkdirSync(state);
    await assert.rejects(openStorage({ kind: "sqlite", path: state }), (error: unknown) => {
      assert.ok(error instanceof ConfigError, String(error));
      assert.equal(error.message, `The SQLite database path ${state} is a folder, not a file`);
      assert.match(error.hint ?? "", new RegExp(`${join(state, "tributary.db").replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
      return true;
    });
  });

  it("refuses a path in a missing folder, naming the folder and how to fix it, and creates nothing", async () => {
    const path = join(folder, "stat", "tributary.db");
    await assert.rejects(openStorage({ kind: "sqlite", path }), (error: unknown) => {
      assert.ok(error instanceof ConfigError, String(error));
      assert.equal(error.message, `The folder of the SQLite database ${path} does not exist: ${join(folder, "stat")}`);
      assert.match(error.hint ?? "", /mkdir -p/);
      return true;
    });
    assert.equal(existsSync(join(folder, "stat")), false);
  });

  it("still creates Tributary's own .tributary folder, wherever the path came from", async () => {
    const path = join(folder, "project", ".tributary", "tributary.db");
    const storage = await openStorage({ kind: "sqlite", path });
    await storage.close();
    assert.ok(existsSync(path));
    const direct = new SqliteStorage(join(folder, "other", ".tributary", "t.db"));
    await direct.close();
    assert.ok(existsSync(join(folder, "other", ".tributary", "t.db")));
  });

  it("says a file that is not a SQLite database is not one", async () => {
    const path = join(folder, "definitions.ts");
    writeFileSync(path, "export default 1;\n".repeat(100));
    await assert.rejects(openStorage({ kind: "sqlite", path }), (error: unknown) => {
      assert.ok(error instanceof ConfigError, String(error));
      assert.match(error.message, new RegExp(`^Cannot open the SQLite database ${path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: file is not a database`));
      return true;
    });
  });

  it("reports a folder given as storage.url as a configuration error in the CLI, not an internal one", async () => {
    mkdirSync(join(folder, "state"));
    writeFileSync(join(folder, "definitions.ts"), 'import { definitions } from "tributary-ts";\nexport default definitions({ assets: [] });\n');
    writeFileSync(join(folder, "tributary.yaml"), "entry: definitions.ts\nstorage:\n  url: state\n");
    const outcome = await runMain(["runs", "list"], folder, testEnv());
    assert.equal(outcome.code, 1);
    assert.match(outcome.stderr, /^error: The SQLite database path .*state is a folder, not a file\nhint: /);
    assert.doesNotMatch(outcome.stderr, /unexpected/);
    const missing = await runMain(["runs", "list"], folder, testEnv({ TRIBUTARY_DATABASE_URL: "sqlite:nowhere/t.db" }));
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^error: The folder of the SQLite database .*nowhere\/t\.db does not exist/);
    assert.equal(existsSync(join(folder, "nowhere")), false);
  });
});
