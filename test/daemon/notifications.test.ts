import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import * as v from "valibot";
import { Notifier, notificationSettingsFromConfig } from "../../runtime/src/daemon/notifications";
import { NotificationsSectionSchema } from "../../runtime/src/loader/configSchema";
import type { RunRecord } from "../../runtime/src/types";
import { waitFor } from "../support/waitFor";
import { createLogger, silentLogger } from "../../runtime/src/daemon/logger";

/** Notification settings from a `notifications:` section as tributary.yaml's loader checks it. */
function settingsFromYaml(section: unknown) {
  return notificationSettingsFromConfig(v.parse(NotificationsSectionSchema, section));
}

/** A real local webhook receiver that answers the given statuses in turn (then 200). */
async function receiver(statuses: number[] = []): Promise<{ url: string; bodies: unknown[]; requests: IncomingMessage[]; server: Server }> {
  const bodies: unknown[] = [];
  const requests: IncomingMessage[] = [];
  const server = createServer((request, response) => {
    let text = "";
    request.on("data", (chunk: Buffer) => (text += chunk.toString()));
    request.on("end", () => {
      requests.push(request);
      bodies.push(JSON.parse(text));
      response.statusCode = statuses.shift() ?? 200;
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T000/B000/SECRET-TOKEN`, bodies, requests, server };
}

const failedRun: RunRecord = {
  runId: "run-1",
  status: "FAILURE",
  selection: "group:warehouse",
  assetKeys: ["orders"],
  tags: {},
  runKey: null,
  instigator: null,
  attempt: 1,
  parentRunId: null,
  workerId: null,
  heartbeatAt: null,
  createdAt: new Date().toISOString(),
  startedAt: null,
  endedAt: new Date().toISOString(),
  error: "step orders failed",
};
const noEvents = { getRunEvents: async () => [] } as never;

describe("webhook notifications", () => {
  const servers: Server[] = [];
  after(() => servers.forEach((server) => server.close()));

  it("posts a generic JSON payload and a Slack-compatible one for a failed run", async () => {
    const json = await receiver();
    const slack = await receiver();
    servers.push(json.server, slack.server);
    const notifier = new Notifier(
      settingsFromYaml({ webhooks: [{ url: json.url, headers: { Authorization: "Bearer abc" } }, { url: slack.url, format: "slack" }] }),
      silentLogger(),
    );
    await notifier.runEnded(failedRun, noEvents);
    await waitFor("both webhooks received the notification", () => json.bodies.length === 1 && slack.bodies.length === 1);
    const payload = json.bodies[0] as Record<string, unknown>;
    assert.equal(payload["event"], "run_failure");
    assert.equal(payload["runId"], "run-1");
    assert.equal(payload["error"], "step orders failed");
    assert.equal(json.requests[0]!.headers.authorization, "Bearer abc");
    const slackPayload = slack.bodies[0] as { text: string; blocks: unknown[] };
    assert.match(slackPayload.text, /Run run-1 failed \(group:warehouse\): step orders failed/);
    assert.ok(Array.isArray(slackPayload.blocks));
  });

  it("sends success notifications only to webhooks that opted in", async () => {
    const optedIn = await receiver();
    const failuresOnly = await receiver();
    servers.push(optedIn.server, failuresOnly.server);
    const notifier = new Notifier(settingsFromYaml({ webhooks: [{ url: optedIn.url, events: ["run_success"] }, { url: failuresOnly.url }] }), silentLogger());
    await notifier.runEnded({ ...failedRun, status: "SUCCESS", error: null }, noEvents);
    await notifier.close();
    assert.equal(optedIn.bodies.length, 1);
    assert.equal(failuresOnly.bodies.length, 0);
  });

  it("retries with backoff until a failing receiver accepts", async () => {
    const flaky = await receiver([500, 503]);
    servers.push(flaky.server);
    const notifier = new Notifier(settingsFromYaml({ webhooks: [{ url: flaky.url }], retries: 3, backoffSeconds: 0.02 }), silentLogger());
    notifier.send({ event: "run_failure", title: "t", timestamp: new Date().toISOString() });
    await waitFor("the third attempt arrived", () => flaky.bodies.length === 3);
    await notifier.close();
    assert.equal(flaky.bodies.length, 3, "no attempt after the success");
  });

  it("returns at once when the receiver is down, gives up after its retries, and never logs the URL's secret", async () => {
    const down = await receiver();
    await new Promise<void>((resolve) => down.server.close(() => resolve()));
    const logs: string[] = [];
    const notifier = new Notifier(settingsFromYaml({ webhooks: [{ url: down.url, headers: { Authorization: "Bearer hunter2" } }], retries: 2, backoffSeconds: 0.01 }), createLogger({ write: (line) => logs.push(line) }));
    notifier.send({ event: "run_failure", title: "t", timestamp: new Date().toISOString() });
    // send() is synchronous: it returned before any attempt (each fails at once here) could end.
    assert.deepEqual(logs, [], "send() does not wait for delivery");
    await waitFor("the notifier gave up", () => logs.some((line) => /giving up/.test(line)));
    assert.match(logs.join("\n"), /webhook #1 \(127\.0\.0\.1:\d+\): giving up on "run_failure" after 3 attempt\(s\): ECONNREFUSED/);
    assert.doesNotMatch(logs.join("\n"), /SECRET-TOKEN|hunter2|services/);
  });
});
