import assert from "node:assert/strict";
import * as v from "valibot";
import { DEFAULT_DAEMON_SETTINGS, daemonSettingsFromConfig } from "../../runtime/src/daemon/settings";
import { DaemonSectionSchema } from "../../runtime/src/loader/configSchema";

/** Daemon settings from a `daemon:` section as tributary.yaml's loader checks it (its errors: test/loader/configSchema.test.ts). */
function settingsFromYaml(section: unknown) {
  return daemonSettingsFromConfig(v.parse(DaemonSectionSchema, section));
}

describe("daemon settings from tributary.yaml", () => {
  it("reads limits, seconds as milliseconds, and keeps the defaults for what is not set", () => {
    const settings = settingsFromYaml({
      maxConcurrentRuns: 4,
      globalMaxConcurrentRuns: 12,
      heartbeatSeconds: 0.5,
      queuePollSeconds: 0.25,
      tagConcurrencyLimits: [{ key: "database", value: "warehouse", limit: 1 }, { key: "team", limit: 2 }],
      runRetries: { maxRetries: 1 },
    });
    assert.equal(settings.maxConcurrentRuns, 4);
    assert.equal(settings.globalMaxConcurrentRuns, 12);
    assert.equal(settings.heartbeatMs, 500);
    assert.equal(settings.queuePollMs, 250);
    assert.deepEqual(settings.tagConcurrencyLimits, [{ key: "database", value: "warehouse", limit: 1 }, { key: "team", limit: 2 }]);
    assert.equal(settings.maxRetries, 1);
    assert.equal(settings.schedulerPollMs, DEFAULT_DAEMON_SETTINGS.schedulerPollMs);
    assert.equal(daemonSettingsFromConfig(undefined).globalMaxConcurrentRuns, 0, "no global limit by default");
  });

  it("keeps the production defaults the daemon always had", () => {
    assert.deepEqual(DEFAULT_DAEMON_SETTINGS, {
      maxConcurrentRuns: 10, globalMaxConcurrentRuns: 0, tagConcurrencyLimits: [], queuePollMs: 1000, heartbeatMs: 2000,
      monitorIntervalMs: 5000, heartbeatTimeoutMs: 30_000, maxRuntimeMs: 0, maxRetries: 0, schedulerPollMs: 1000,
      sensorPollMs: 1000, daemonHeartbeatMs: 5000, freshnessPollMs: 30_000, warmWorkers: 1,
    });
  });

  it("still reads the millisecond keys the docs used to show (queuePollMs, schedulerPollMs, sensorPollMs)", () => {
    const settings = settingsFromYaml({ queuePollMs: 50, schedulerPollMs: 200, sensorPollMs: 300 });
    assert.equal(settings.queuePollMs, 50);
    assert.equal(settings.schedulerPollMs, 200);
    assert.equal(settings.sensorPollMs, 300);
  });
});
