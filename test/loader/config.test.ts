import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "../../runtime/src/errors";
import { findProjectConfig } from "../../runtime/src/loader/config";
import { parseConfigText } from "../../runtime/src/loader/configFile";
import { tempProject, TWO_ASSETS } from "./fixtures";

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail("expected a ConfigError");
}

describe("project configuration", () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));
  const project = (files: Record<string, string>) => {
    const made = tempProject(files);
    cleanups.push(made.cleanup);
    return made.dir;
  };

  it("finds tributary.yaml in a parent folder and resolves the entry and storage next to it", () => {
    const dir = project({ "tributary.yaml": "entry: src/defs.ts\n", "src/defs.ts": TWO_ASSETS });
    mkdirSync(join(dir, "deep", "er"), { recursive: true });
    const config = findProjectConfig(join(dir, "deep", "er"), {});
    assert.equal(config.projectDir, dir);
    assert.equal(config.configFile, join(dir, "tributary.yaml"));
    assert.equal(config.entryFile, join(dir, "src", "defs.ts"));
    assert.deepEqual(config.storage, { kind: "sqlite", path: join(dir, ".tributary", "tributary.db") });
    assert.equal(config.storageDir, join(dir, ".tributary"));
    assert.equal(config.storageSource, "default");
  });

  it("uses definitions.ts, then src/definitions.ts, when there is no tributary.yaml", () => {
    const flat = project({ "definitions.ts": TWO_ASSETS });
    assert.equal(findProjectConfig(flat, {}).entryFile, join(flat, "definitions.ts"));
    assert.equal(findProjectConfig(flat, {}).configFile, null);
    const nested = project({ "src/definitions.ts": TWO_ASSETS });
    assert.equal(findProjectConfig(nested, {}).entryFile, join(nested, "src", "definitions.ts"));
  });

  it("says how to create a project when the folder has none", () => {
    const dir = project({ "README.md": "nothing here" });
    const error = configError(() => findProjectConfig(dir, {}));
    assert.match(error.message, /No Tributary project/);
    assert.match(error.hint ?? "", /tributary init/);
  });

  it("reports invalid YAML with the file and line", () => {
    const error = configError(() => parseConfigText("entry: definitions.ts\nstorage:\n  url: [oops\n", "/p/tributary.yaml", {}));
    assert.match(error.message, /^\/p\/tributary\.yaml:\d+:\d+: invalid YAML/);
    assert.ok(error.hint);
  });

  it("reports an unknown setting with its line and the setting it probably meant", () => {
    const error = configError(() => parseConfigText("entry: definitions.ts\nstorag:\n  url: x.db\n", "/p/tributary.yaml", {}));
    assert.match(error.message, /^\/p\/tributary\.yaml:2:1: unknown setting "storag"/);
    assert.equal(error.hint, 'Did you mean "storage"?');
    const nested = configError(() => parseConfigText("executor:\n  maxConcurency: 2\n", "/p/tributary.yaml", {}));
    assert.match(nested.message, /:2:3: unknown setting "executor.maxConcurency"/);
    assert.equal(nested.hint, 'Did you mean "executor.maxConcurrency"?');
  });

  it("reports a wrong type with the field, its line and an example", () => {
    const error = configError(() => parseConfigText("executor:\n  maxConcurrency: four\n", "/p/tributary.yaml", {}));
    assert.match(error.message, /:2:19: executor\.maxConcurrency: expected a whole number >= 1, got string "four"$/);
    assert.match(error.hint ?? "", /maxConcurrency: 4/);
    const storage = configError(() => parseConfigText("storage: postgres://x\n", "/p/tributary.yaml", {}));
    assert.match(storage.message, /:1:10: storage: expected a mapping, got string "postgres:\/\/x"/);
  });

  it("interpolates ${VAR} and ${VAR:-default} in every value, typed like the value written in place", () => {
    const text = "entry: ${ENTRY:-definitions.ts}\nstorage:\n  url: postgres://${DB_HOST}/app\nexecutor:\n  maxConcurrency: ${CONCURRENCY:-3}\ndaemon:\n  warmWorkers: ${WARM}\n";
    const parsed = parseConfigText(text, "/p/tributary.yaml", { DB_HOST: "db.internal", WARM: "4" });
    assert.equal(parsed.entry, "definitions.ts");
    assert.deepEqual(parsed.storage, { url: "postgres://db.internal/app" });
    assert.deepEqual(parsed.executor, { maxConcurrency: 3 });
    assert.equal(parsed.daemon?.warmWorkers, 4, "an unquoted ${WARM} reads as the number written in place");
  });

  it("names the variable and the line when a ${VAR} without default is not set", () => {
    const error = configError(() => parseConfigText("storage:\n  url: ${MISSING_DB_URL}\n", "/p/tributary.yaml", {}));
    assert.match(error.message, /:2:8: storage\.url: environment variable MISSING_DB_URL is not set/);
    assert.match(error.hint ?? "", /\$\{MISSING_DB_URL:-value\}/);
  });

  it("lets TRIBUTARY_DATABASE_URL override the storage of tributary.yaml", () => {
    const dir = project({ "tributary.yaml": "storage:\n  url: state/local.db\n", "definitions.ts": TWO_ASSETS });
    const fromFile = findProjectConfig(dir, {});
    assert.deepEqual(fromFile.storage, { kind: "sqlite", path: join(dir, "state", "local.db") });
    assert.equal(fromFile.storageSource, "tributary.yaml");
    const overridden = findProjectConfig(dir, { TRIBUTARY_DATABASE_URL: "postgres://postgres@127.0.0.1:5432/test?schema=ci" });
    assert.deepEqual(overridden.storage, { kind: "postgres", url: "postgres://postgres@127.0.0.1:5432/test", schema: "ci" });
    assert.equal(overridden.storageSource, "TRIBUTARY_DATABASE_URL");
  });

  it("checks the daemon and notifications sections, fills their defaults, and keeps executor settings", () => {
    const dir = project({
      "tributary.yaml": "executor:\n  maxConcurrency: 2\ndaemon:\n  maxConcurrentRuns: 3\nnotifications:\n  webhooks:\n    - url: ${HOOK:-https://hooks.example.com/x}\n",
      "definitions.ts": TWO_ASSETS,
    });
    const config = findProjectConfig(dir, {});
    assert.deepEqual(config.executor, { maxConcurrency: 2 });
    assert.equal(config.daemon?.maxConcurrentRuns, 3);
    assert.equal(config.daemon?.heartbeatTimeoutSeconds, 30, "defaults filled");
    assert.deepEqual(config.notifications?.webhooks, [{ url: "https://hooks.example.com/x", format: "json", events: ["run_failure", "check_failure"], headers: {} }]);
  });

  it("reports an entry that does not exist", () => {
    const dir = project({ "tributary.yaml": "entry: nope.ts\n" });
    const error = configError(() => findProjectConfig(dir, {}));
    assert.match(error.message, /entry "nope\.ts" does not exist/);
  });
});
