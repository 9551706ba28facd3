/**
 * pg and libpq take a password from the URL's query (`?password=...`) as well as from its userinfo:
 * every place that prints the storage URL (the daemon's start banner, `tributary migrate`,
 * connection errors) must hide both.
 */
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { describeStorage } from "../../runtime/src/loader/config";
import { openStorage, storageConfigFromUrl } from "../../runtime/src/storage";
import { StorageConnectionError } from "../../runtime/src/storage/errors";
import { startProcess, writeProject } from "../daemon/helpers";
import { assertTestDatabaseReachable, dropTestSchema, TEST_DATABASE_URL, uniqueSchemaName } from "../storage/postgresTestDatabase";
import { runMain, testEnv } from "./helpers";

/** The test database's URL with secrets in its query (trust authentication ignores them). */
function urlWithQueryPasswords(schema: string): string {
  const url = new URL(TEST_DATABASE_URL);
  url.searchParams.set("password", "hunter2");
  url.searchParams.set("sslpassword", "hunter3");
  url.searchParams.set("schema", schema);
  return url.toString();
}


describe("a password in the PostgreSQL URL's query", function () {
  this.timeout(60_000);
  before(() => assertTestDatabaseReachable());

  it("is hidden in the one-line storage description the CLI prints", () => {
    const config = { projectDir: "/p", storage: storageConfigFromUrl("postgres://app:s3cret@db/prod?password=hunter2&sslpassword=hunter3&sslmode=require") };
    const line = describeStorage(config as Parameters<typeof describeStorage>[0]);
    assert.equal(line, "PostgreSQL postgres://app:***@db/prod?password=***&sslpassword=***&sslmode=require");
  });

  it("is hidden by tributary migrate, in its text and in its JSON", async () => {
    const schema = uniqueSchemaName();
    const dir = writeProject({ "definitions.ts": 'import { definitions } from "tributary-ts";\nexport default definitions({ assets: [] });\n' });
    try {
      const env = testEnv({ TRIBUTARY_DATABASE_URL: urlWithQueryPasswords(schema) });
      const text = await runMain(["migrate"], dir, env);
      assert.equal(text.code, 0, text.stderr);
      assert.match(text.stdout, /password=\*\*\*&sslpassword=\*\*\*/);
      const json = await runMain(["migrate", "--json"], dir, env);
      assert.equal(json.code, 0, json.stderr);
      assert.match((JSON.parse(json.stdout) as { storage: string }).storage, /password=\*\*\*&sslpassword=\*\*\*/);
      assert.doesNotMatch(text.stdout + text.stderr + json.stdout + json.stderr, /hunter/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await dropTestSchema(schema);
    }
  });

  it("is hidden by the daemon's start banner", async () => {
    const schema = uniqueSchemaName();
    const dir = writeProject({ "definitions.ts": 'import { definitions } from "tributary-ts";\nexport default definitions({ assets: [] });\n' });
    const daemon = await startProcess(dir, ["daemon", "--max-concurrent-runs", "0"], { TRIBUTARY_DATABASE_URL: urlWithQueryPasswords(schema) });
    try {
      await daemon.stop();
      assert.match(daemon.output(), /started on PostgreSQL postgres:\/\/\S*password=\*\*\*&sslpassword=\*\*\*/);
      assert.doesNotMatch(daemon.output(), /hunter/);
    } finally {
      await daemon.stop();
      rmSync(dir, { recursive: true, force: true });
      await dropTestSchema(schema);
    }
  });

  it("is hidden in the error that says PostgreSQL cannot be reached", async () => {
    await assert.rejects(openStorage({ kind: "postgres", url: "postgres://app@127.0.0.1:1/test?password=hunter2&sslpassword=hunter3" }), (error: unknown) => {
      assert.ok(error instanceof StorageConnectionError, String(error));
      assert.match(error.message, /Cannot connect to PostgreSQL at postgres:\/\/app@127\.0\.0\.1:1\/test\?password=\*\*\*&sslpassword=\*\*\*/);
      assert.doesNotMatch(error.message + (error.hint ?? ""), /hunter/);
      return true;
    });
  });
});
