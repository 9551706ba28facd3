/** The `automation:` section of tributary.yaml, as the daemon reads it. */
import assert from "node:assert/strict";
import { automationSettingsFromConfig } from "../../runtime/src/daemon/settings";
import { ConfigError } from "../../runtime/src/errors";
import { parseConfigText } from "../../runtime/src/loader/configFile";

const FILE = "/srv/shop/tributary.yaml";

describe("automation settings", () => {
  it("defaults to a 30 s interval, 7 days and 100 evaluations per asset kept", () => {
    const settings = automationSettingsFromConfig(parseConfigText("entry: definitions.ts\n", FILE, {}).automation);
    assert.deepEqual(settings, { intervalMs: 30_000, retentionMs: 7 * 24 * 3600 * 1000, keepPerAsset: 100, tickLeaseMs: 90_000 });
  });

  it("reads intervalSeconds, retentionDays and keepPerAsset", () => {
    const contents = parseConfigText("automation:\n  intervalSeconds: 1\n  retentionDays: 0.5\n  keepPerAsset: 3\n", FILE, {});
    assert.deepEqual(automationSettingsFromConfig(contents.automation), { intervalMs: 1000, retentionMs: 12 * 3600 * 1000, keepPerAsset: 3, tickLeaseMs: 60_000 });
  });

  it("rejects an interval under a second, naming the line", () => {
    assert.throws(
      () => parseConfigText("automation:\n  intervalSeconds: 0\n", FILE, {}),
      (error: unknown) => error instanceof ConfigError && error.message.startsWith(`${FILE}:2:`) && /intervalSeconds/.test(error.message) && />= 1/.test(error.message),
    );
  });
});
