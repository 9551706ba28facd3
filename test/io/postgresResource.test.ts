import assert from "node:assert/strict";
import { EnvVar, resolveConfig } from "../../runtime/src/definitions/resource";
import { ConfigError } from "../../runtime/src/errors";
import { PostgresConnectionError, postgresResource, redactConnectionString } from "../../runtime/src/resources";
import { silentLog, TEST_DATABASE_URL } from "./helpers";

describe("postgresResource (real PostgreSQL)", () => {
  it("sets up a pg.Pool from an EnvVar that queries the server, and ends it on teardown", async () => {
    const definition = postgresResource({ connectionString: EnvVar("TEST_WAREHOUSE_URL"), max: 2 });
    const config = resolveConfig(definition.config, "warehouse", { TEST_WAREHOUSE_URL: TEST_DATABASE_URL });
    const pool = await definition.setup({ config, key: "warehouse", runId: "r", log: silentLog });
    try {
      const { rows } = await pool.query("SELECT 1 + 1 AS two");
      assert.deepEqual(rows, [{ two: 2 }]);
      assert.equal(pool.options.max, 2);
    } finally {
      await definition.teardown!(pool);
    }
    assert.equal(pool.ended, true);
  });

  it("reports an unset environment variable as a ConfigError naming it", () => {
    const definition = postgresResource({ connectionString: EnvVar("TEST_UNSET_WAREHOUSE_URL") });
    assert.throws(() => resolveConfig(definition.config, "warehouse", {}), (error: unknown) =>
      error instanceof ConfigError && /TEST_UNSET_WAREHOUSE_URL/.test(error.message),
    );
  });

  it("wraps a refused connection with the URL without its password and a hint", async () => {
    const definition = postgresResource({ connectionString: "postgres://app:hunter2@127.0.0.1:1/warehouse", connectionTimeoutMs: 3_000 });
    const config = resolveConfig(definition.config, "warehouse", {});
    await assert.rejects(
      async () => definition.setup({ config, key: "warehouse", runId: "r", log: silentLog }),
      (error: unknown) => {
        assert.ok(error instanceof PostgresConnectionError, String(error));
        assert.match(error.message, /Cannot connect to PostgreSQL at postgres:\/\/app:\*\*\*@127\.0\.0\.1:1\/warehouse/);
        assert.doesNotMatch(error.message + (error.hint ?? ""), /hunter2/);
        assert.match(error.hint ?? "", /server running/);
        return true;
      },
    );
  });

  it("wraps an unknown database the same way", async () => {
    const url = new URL(TEST_DATABASE_URL);
    url.pathname = "/tributary_no_such_database";
    const definition = postgresResource({ connectionString: url.toString() });
    const config = resolveConfig(definition.config, "warehouse", {});
    await assert.rejects(async () => definition.setup({ config, key: "warehouse", runId: "r", log: silentLog }), PostgresConnectionError);
  });

  it("redacts passwords in URLs, query strings and key=value connection strings", () => {
    assert.equal(redactConnectionString("postgres://u:p%40ss@h:5432/db"), "postgres://u:***@h:5432/db");
    assert.equal(redactConnectionString("postgres://u@h/db?password=x"), "postgres://u@h/db?password=***");
    assert.equal(redactConnectionString("host=h user=u password=secret dbname=d"), "host=h user=u password=*** dbname=d");
    assert.equal(redactConnectionString("postgres://h/db"), "postgres://h/db");
    assert.equal(redactConnectionString("postgres://u@h/db?sslpassword=x&Password=y&sslmode=require"), "postgres://u@h/db?sslpassword=***&Password=***&sslmode=require");
    assert.equal(redactConnectionString("host=h password='a b' sslpassword=k"), "host=h password=*** sslpassword=***");
  });
});
