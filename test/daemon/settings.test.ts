import assert from "node:assert/strict";
import { DEFAULT_DAEMON_SETTINGS, daemonSettingsFromConfig } from "../../runtime/src/daemon/settings";

describe("daemon settings from tributary.yaml", () => {
  it("reads limits, seconds as milliseconds, and keeps the defaults for what is not set", () => {
    const settings = daemonSettingsFromConfig({
      maxConcurrentRuns: 4,
      globalMaxConcurrentRuns: 12,
      heartbeatSeconds: 0.5,
      tagConcurrencyLimits: [{ key: "database", value: "warehouse", limit: 1 }, { key: "team", limit: 2 }],
      runRetries: { maxRetries: 1 },
    });
    assert.equal(settings.maxConcurrentRuns, 4);
    assert.equal(settings.globalMaxConcurrentRuns, 12);
    assert.equal(settings.heartbeatMs, 500);
    assert.deepEqual(settings.tagConcurrencyLimits, [{ key: "database", value: "warehouse", limit: 1 }, { key: "team", limit: 2 }]);
    assert.equal(settings.maxRetries, 1);
    assert.equal(settings.queuePollMs, DEFAULT_DAEMON_SETTINGS.queuePollMs);
    assert.equal(daemonSettingsFromConfig(undefined).globalMaxConcurrentRuns, 0, "no global limit by default");
  });

  it("names the field, the file and an example for a bad value or an unknown key", () => {
    assert.throws(() => daemonSettingsFromConfig({ globalMaxConcurrentRuns: -1 }, "deploy/tributary.yaml"), /deploy\/tributary\.yaml: daemon\.globalMaxConcurrentRuns must be a number >= 0, not -1/);
    assert.throws(() => daemonSettingsFromConfig({ maxConcurentRuns: 3 }), (error: Error & { hint?: string }) => /daemon\.maxConcurentRuns is not a daemon setting/.test(error.message) && /maxConcurrentRuns/.test(error.hint ?? ""));
    assert.throws(() => daemonSettingsFromConfig({ tagConcurrencyLimits: [{ key: "db" }] }), /entries need a key and a limit/);
  });
});
