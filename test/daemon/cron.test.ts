import assert from "node:assert/strict";
import cron = require("node-cron");
import { fireTimesBetween, parseCron } from "../../runtime/src/daemon/cron";
import { DefinitionError } from "../../runtime/src/errors";

const iso = (ms: number) => new Date(ms).toISOString();
const fires = (expression: string, timezone: string, from: string, count: number) =>
  fireTimesBetween(parseCron(expression, timezone), Date.parse(from), Date.parse(from) + 400 * 86_400_000, count).map(iso);

describe("cron next-fire computation", () => {
  it("fires a 02:30 Europe/Paris schedule once on the spring-forward day, at 03:30 summer time", () => {
    assert.deepEqual(fires("30 2 * * *", "Europe/Paris", "2025-03-29T00:00:00Z", 3), [
      "2025-03-29T01:30:00.000Z", // 02:30 CET
      "2025-03-30T01:30:00.000Z", // 02:30 does not exist: 03:30 CEST
      "2025-03-31T00:30:00.000Z", // 02:30 CEST
    ]);
  });

  it("fires a 02:30 Europe/Paris schedule once on the fall-back day, at the first 02:30", () => {
    assert.deepEqual(fires("30 2 * * *", "Europe/Paris", "2025-10-25T00:00:00Z", 3), [
      "2025-10-25T00:30:00.000Z",
      "2025-10-26T00:30:00.000Z", // the first 02:30 (CEST); the second (CET) does not fire
      "2025-10-27T01:30:00.000Z",
    ]);
  });

  it("fires an hourly schedule in both repeated hours of a fall-back and skips the hour a spring-forward removes", () => {
    assert.deepEqual(fires("30 * * * *", "Europe/Paris", "2025-10-26T00:00:00Z", 3), [
      "2025-10-26T00:30:00.000Z",
      "2025-10-26T01:30:00.000Z",
      "2025-10-26T02:30:00.000Z",
    ]);
    assert.deepEqual(fires("30 * * * *", "Europe/Paris", "2025-03-30T00:00:00Z", 3), [
      "2025-03-30T00:30:00.000Z", // 01:30 CET
      "2025-03-30T01:30:00.000Z", // 03:30 CEST (02:30 never happened)
      "2025-03-30T02:30:00.000Z",
    ]);
  });

  it("reads the cron in its time zone: 09:00 New York is 14:00 UTC in winter and 13:00 UTC in summer", () => {
    assert.deepEqual(fires("0 9 * * *", "America/New_York", "2025-01-10T00:00:00Z", 1), ["2025-01-10T14:00:00.000Z"]);
    assert.deepEqual(fires("0 9 * * *", "America/New_York", "2025-07-10T00:00:00Z", 1), ["2025-07-10T13:00:00.000Z"]);
  });

  it("handles seconds fields, last days of months and nth weekdays", () => {
    assert.deepEqual(fires("*/1 * * * * *", "UTC", "2025-01-01T02:00:00.500Z", 2), ["2025-01-01T02:00:01.000Z", "2025-01-01T02:00:02.000Z"]);
    assert.deepEqual(fires("0 0 L * *", "UTC", "2025-01-05T00:00:00Z", 2), ["2025-01-31T00:00:00.000Z", "2025-02-28T00:00:00.000Z"]);
    assert.deepEqual(fires("0 9 * * 1#2", "UTC", "2025-01-01T00:00:00Z", 2), ["2025-01-13T09:00:00.000Z", "2025-02-10T09:00:00.000Z"]);
  });

  it("returns instants strictly after the given one", () => {
    const schedule = parseCron("0 2 * * *", "UTC");
    assert.equal(iso(schedule.nextAfter(Date.parse("2025-01-01T02:00:00Z"))!), "2025-01-02T02:00:00.000Z");
    assert.equal(iso(schedule.nextAfter(Date.parse("2025-01-01T01:59:59.999Z"))!), "2025-01-01T02:00:00.000Z");
  });

  it("agrees with node-cron's own matcher on ordinary instants", () => {
    for (const [expression, timezone] of [["*/7 3-5 * * 1-5", "Asia/Tokyo"], ["15 */2 1,15 * *", "America/Sao_Paulo"], ["0 0 * * 0", "Australia/Sydney"]] as const) {
      const task = cron.createTask(expression, () => undefined, { timezone });
      let cursor = Date.parse("2025-06-01T00:00:00Z");
      for (let i = 0; i < 20; i++) {
        cursor = parseCron(expression, timezone).nextAfter(cursor)!;
        assert.ok(task.match(new Date(cursor)), `${expression} in ${timezone} does not match ${iso(cursor)}`);
      }
      void task.destroy();
    }
  });

  it("rejects an invalid cron or time zone with the field at fault", () => {
    assert.throws(() => parseCron("61 * * * *"), (error: unknown) => error instanceof DefinitionError && /invalid cron "61 \* \* \* \*"/.test(error.message));
    assert.throws(() => parseCron("0 2 * * *", "Mars/Olympus"), /unknown time zone "Mars\/Olympus"/);
  });
});
