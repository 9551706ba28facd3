/**
 * tributary.yaml's one schema: every section's valid and invalid values, each error at the line and
 * column of the node at fault (the `‸` in a fixture marks where the error must point), and the
 * published JSON Schema kept in step with it.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ConfigError } from "../../runtime/src/errors";
import { parseConfigText } from "../../runtime/src/loader/configFile";
import { ConfigFileSchema } from "../../runtime/src/loader/configSchema";

const FILE = "/srv/shop/tributary.yaml";

interface JsonSchemaNode {
  properties?: Record<string, JsonSchemaNode>;
  items?: JsonSchemaNode;
}
const MARK = "‸";

/** Parses `text` (with one `‸`) and returns the error, checking it points at the mark. */
function problemAt(marked: string, env: NodeJS.ProcessEnv = {}): ConfigError {
  const offset = marked.indexOf(MARK);
  assert.ok(offset >= 0, "the fixture marks where the error points with ‸");
  const before = marked.slice(0, offset).split("\n");
  const expected = { file: FILE, line: before.length, column: before[before.length - 1]!.length + 1 };
  try {
    parseConfigText(marked.replace(MARK, ""), FILE, env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    assert.deepEqual(error.location, expected, `error "${error.message}" points elsewhere`);
    assert.ok(error.message.startsWith(`${FILE}:${expected.line}:${expected.column}: `), error.message);
    return error;
  }
  assert.fail("expected a ConfigError");
}

const parse = (text: string, env: NodeJS.ProcessEnv = {}) => parseConfigText(text, FILE, env);

describe("tributary.yaml schema", () => {
  describe("top level", () => {
    it("accepts an empty file and a file of empty sections", () => {
      assert.deepEqual(parse(""), {});
      assert.deepEqual(parse("daemon:\n  # maxConcurrentRuns: 4\nnotifications:\n"), {});
    });

    it("rejects an unknown key with the one it probably meant", () => {
      const error = problemAt("entry: defs.ts\n‸notification:\n  webhooks: []\n");
      assert.match(error.message, /unknown setting "notification"$/);
      assert.equal(error.hint, 'Did you mean "notifications"?');
      const far = problemAt("‸colour: blue\n");
      assert.match(far.hint ?? "", /^Known settings: entry, storage, executor, daemon, notifications, automation\.$/);
    });

    it("rejects a file that is not a mapping", () => {
      const error = problemAt("‸- entry\n");
      assert.match(error.message, /tributary\.yaml: expected a mapping of settings, got a list$/);
      const scalar = problemAt("‸hello\n");
      assert.match(scalar.message, /tributary\.yaml: expected a mapping of settings, got string "hello"$/);
      assert.match(scalar.hint ?? "", /^For example:\nentry: src\/definitions\.ts/);
      const section = problemAt("daemon: ‸[maxConcurrentRuns]\n");
      assert.match(section.message, /daemon: expected a mapping, got a list$/);
    });

    it("rejects an empty entry", () => {
      const error = problemAt('entry: ‸""\n');
      assert.match(error.message, /entry: expected a non-empty string, got string ""$/);
      assert.match(error.hint ?? "", /For example: entry: src\/definitions\.ts/);
    });
  });

  describe("storage", () => {
    it("reads url and schema", () => {
      assert.deepEqual(parse("storage:\n  url: postgres://db/app\n  schema: prod\n").storage, { url: "postgres://db/app", schema: "prod" });
    });

    it("rejects an empty url where it would be written", () => {
      const error = problemAt("storage:\n  url:‸\n");
      assert.match(error.message, /storage\.url: expected a non-empty string, got nothing$/);
    });

    it("says storage.url is missing at the storage key", () => {
      const error = problemAt("‸storage:\n  schema: prod\n");
      assert.match(error.message, /storage\.url is missing$/);
      assert.match(error.hint ?? "", /^Add url: postgres:\/\/ URL, or a SQLite file path/);
    });
  });

  describe("executor", () => {
    it("rejects a fraction of a step", () => {
      const error = problemAt("executor:\n  maxConcurrency: ‸1.5\n");
      assert.match(error.message, /executor\.maxConcurrency: expected a whole number >= 1, got 1\.5$/);
    });
  });

  describe("daemon", () => {
    it("reads every key, seconds as written, with the defaults filled", () => {
      const daemon = parse([
        "daemon:",
        "  maxConcurrentRuns: 4",
        "  globalMaxConcurrentRuns: 8",
        "  warmWorkers: 0",
        "  tagConcurrencyLimits:",
        "    - { key: database, value: warehouse, limit: 1 }",
        "    - { key: tier, value: 2, limit: 3 }",
        "  runRetries: { maxRetries: 2 }",
        "  heartbeatSeconds: 0.5",
        "  heartbeatTimeoutSeconds: 20",
        "  monitorIntervalSeconds: 3",
        "  maxRuntimeSeconds: 3600",
        "  queuePollSeconds: 0.2",
        "  sensorPollSeconds: 2",
        "  logFormat: json",
        "  loopUnhealthyAfterSeconds: 120",
      ].join("\n")).daemon;
      assert.deepEqual(daemon, {
        maxConcurrentRuns: 4, globalMaxConcurrentRuns: 8, warmWorkers: 0, logFormat: "json", logLevel: "info", loopUnhealthyAfterSeconds: 120,
        tagConcurrencyLimits: [{ key: "database", value: "warehouse", limit: 1 }, { key: "tier", value: "2", limit: 3 }],
        runRetries: { maxRetries: 2 }, heartbeatSeconds: 0.5, heartbeatTimeoutSeconds: 20, monitorIntervalSeconds: 3,
        maxRuntimeSeconds: 3600, queuePollSeconds: 0.2, schedulerPollSeconds: 1, sensorPollSeconds: 2,
      });
    });

    it("rejects maxConcurrentRuns: 2.5 at the value, saying what it expects", () => {
      const error = problemAt("daemon:\n  maxConcurrentRuns: ‸2.5\n");
      assert.equal(error.message, `${FILE}:2:22: daemon.maxConcurrentRuns: expected a whole number >= 0, got 2.5`);
      assert.match(error.hint ?? "", /Runs this process executes at once/);
    });

    it("rejects a misspelt key with the one it probably meant", () => {
      const error = problemAt("daemon:\n  ‸maxConcurentRuns: 3\n");
      assert.match(error.message, /unknown setting "daemon\.maxConcurentRuns"$/);
      assert.equal(error.hint, 'Did you mean "daemon.maxConcurrentRuns"?');
    });

    it("rejects a duration written as text: durations are numbers of seconds", () => {
      const error = problemAt("daemon:\n  heartbeatTimeoutSeconds: ‸30s\n");
      assert.match(error.message, /daemon\.heartbeatTimeoutSeconds: expected a number of seconds >= 0, got string "30s"$/);
    });

    it("points at the list entry that lacks a limit, and at a negative retry count", () => {
      const missing = problemAt("daemon:\n  tagConcurrencyLimits:\n    - ‸{ key: database }\n");
      assert.match(missing.message, /daemon\.tagConcurrencyLimits\[0\]\.limit is missing$/);
      const negative = problemAt("daemon:\n  runRetries:\n    maxRetries: ‸-1\n");
      assert.match(negative.message, /daemon\.runRetries\.maxRetries: expected a whole number >= 0, got -1$/);
    });

    it("reads the old millisecond keys as seconds, and refuses both spellings at once", () => {
      assert.equal(parse("daemon:\n  queuePollMs: 50\n").daemon?.queuePollSeconds, 0.05);
      const both = problemAt("daemon:\n  queuePollSeconds: 1\n  queuePollMs: ‸500\n");
      assert.match(both.message, /daemon\.queuePollMs: expected only one of queuePollMs and queuePollSeconds \(queuePollMs is its old name, in milliseconds\), got 500$/);
    });

    it("types an unquoted ${VAR} like the value written in place, and checks the result", () => {
      assert.equal(parse("daemon:\n  maxConcurrentRuns: ${RUNS:-4}\n").daemon?.maxConcurrentRuns, 4);
      const error = problemAt("daemon:\n  maxConcurrentRuns: ‸${RUNS}\n", { RUNS: "2.5" });
      assert.match(error.message, /daemon\.maxConcurrentRuns: expected a whole number >= 0, got 2\.5$/);
    });
  });

  describe("notifications", () => {
    it("reads webhooks with their defaults, and the old millisecond keys", () => {
      const notifications = parse("notifications:\n  webhooks:\n    - url: ${HOOK}\n      headers: { X-Id: 7 }\n  backoffMs: 250\n", { HOOK: "https://hooks.example.com/T0" }).notifications;
      assert.deepEqual(notifications, {
        webhooks: [{ url: "https://hooks.example.com/T0", format: "json", events: ["run_failure", "check_failure"], headers: { "X-Id": "7" } }],
        retries: 3, backoffSeconds: 0.25, timeoutSeconds: 5,
      });
    });

    it("rejects a URL that is not http(s) at the URL", () => {
      const error = problemAt("notifications:\n  webhooks:\n    - url: ‸ftp://files.example.com\n");
      assert.match(error.message, /notifications\.webhooks\[0\]\.url: expected an http\(s\) URL, got string "ftp:\/\/files\.example\.com"$/);
    });

    it("rejects an unknown event at the event, and an unknown format", () => {
      const event = problemAt("notifications:\n  webhooks:\n    - url: https://x.example.com\n      events: [run_failure, ‸run_exploded]\n");
      assert.match(event.message, /notifications\.webhooks\[0\]\.events\[1\]: expected one of run_failure, check_failure, run_success, message, asset_warn, asset_stale, asset_fresh_again, got string "run_exploded"$/);
      const format = problemAt("notifications:\n  webhooks:\n    - url: https://x.example.com\n      format: ‸xml\n");
      assert.match(format.message, /format: expected one of "json", "slack", got string "xml"$/);
    });

    it("rejects a misspelt webhook key with the one it probably meant", () => {
      const error = problemAt("notifications:\n  webhooks:\n    - url: https://x.example.com\n      ‸event: [run_success]\n");
      assert.equal(error.hint, 'Did you mean "notifications.webhooks[0].events"?');
    });
  });

  it("reports the first problem in the file and lists the others with their positions", () => {
    const error = problemAt("daemon:\n  warmWorkers: ‸-1\nnotifications:\n  retries: 1.5\n");
    assert.match(error.message, /daemon\.warmWorkers: expected a whole number >= 0, got -1\n {2}also \/srv\/shop\/tributary\.yaml:4:12: notifications\.retries: expected a whole number >= 0, got 1\.5$/);
  });

  describe("JSON Schema", () => {
    const schemaFile = join(__dirname, "..", "..", "runtime", "schema", "tributary.schema.json");

    it("is the committed runtime/schema/tributary.schema.json, generated from the valibot schema", async () => {
      const script = join(__dirname, "..", "..", "runtime", "scripts", "configSchema.mjs");
      const { configJsonSchemaText } = (await import(pathToFileURL(script).href)) as { configJsonSchemaText: (schema: unknown) => string };
      assert.equal(readFileSync(schemaFile, "utf8"), configJsonSchemaText(ConfigFileSchema),
        "tributary.schema.json is out of date: run `npm run build && node runtime/scripts/configSchema.mjs` and commit it");
    });

    it("tells editors what the loader checks: whole numbers, no unknown keys, defaults, deprecated keys", () => {
      const schema = JSON.parse(readFileSync(schemaFile, "utf8")) as { additionalProperties: boolean; properties: Record<string, { additionalProperties: boolean; properties: Record<string, Record<string, unknown>> }> };
      assert.equal(schema.additionalProperties, false);
      const daemon = schema.properties["daemon"]!;
      assert.equal(daemon.additionalProperties, false);
      assert.deepEqual(daemon.properties["maxConcurrentRuns"], {
        // An unquoted ${VAR} stands for the number it holds: editors must not flag it.
        anyOf: [{ type: "integer", minimum: 0 }, { type: "string", pattern: "^\\$\\{[^}]+\\}$" }],
        default: 10,
        description: "Runs this process executes at once (0: a daemon that leaves execution to workers).",
      });
      assert.equal(daemon.properties["queuePollSeconds"]!["default"], 1);
      assert.equal(daemon.properties["queuePollMs"]!["deprecated"], true);
    });

    it("has every setting documented in docs/configuration.md", () => {
      const docs = readFileSync(join(__dirname, "..", "..", "docs", "configuration.md"), "utf8");
      const undocumented: string[] = [];
      const visit = (node: JsonSchemaNode, path: string): void => {
        for (const [key, child] of Object.entries(node.properties ?? {})) {
          // A table row names the key alone (`maxConcurrentRuns`) or by its path (`webhooks[].url`).
          const leaf = child.properties === undefined && child.items === undefined;
          if (leaf && !new RegExp("`([\\w.\\[\\]]*[.\\]])?" + key + "(`|:)").test(docs)) undocumented.push(`${path}${key}`);
          visit(child, `${path}${key}.`);
        }
        if (node.items) visit(node.items, path.replace(/\.$/, "[]."));
      };
      visit(JSON.parse(readFileSync(schemaFile, "utf8")) as JsonSchemaNode, "");
      assert.deepEqual(undocumented, []);
    });
  });
});
