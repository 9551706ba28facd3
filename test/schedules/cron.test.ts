/** The cron engine (tributary/schedules): DST rule, time zones, day fields, validation messages. */
import assert from "node:assert/strict";
import { cronProblem, fireTimesBetween, parseCron } from "../../runtime/src/schedules";
import { DefinitionError } from "../../runtime/src/errors";

const iso = (ms: number) => new Date(ms).toISOString();
const fires = (expression: string, timezone: string, from: string, count: number) =>
  fireTimesBetween(parseCron(expression, timezone), Date.parse(from), Date.parse(from) + 400 * 86_400_000, count).map(iso);

describe("cron next-fire computation", () => {
  it("fires a 02:30 Europe/Paris schedule on the spring-forward day at the first instant after the gap, 03:00", () => {
    assert.deepEqual(fires("30 2 * * *", "Europe/Paris", "2025-03-29T00:00:00Z", 3), [
      "2025-03-29T01:30:00.000Z", // 02:30 CET
      "2025-03-30T01:00:00.000Z", // 02:30 does not exist: 03:00 CEST, when the gap ends
      "2025-03-31T00:30:00.000Z", // 02:30 CEST
    ]);
  });

  it("fires a 02:30 Europe/Paris schedule on the fall-back day at the second 02:30", () => {
    assert.deepEqual(fires("30 2 * * *", "Europe/Paris", "2025-10-25T00:00:00Z", 3), [
      "2025-10-25T00:30:00.000Z",
      "2025-10-26T01:30:00.000Z", // the second 02:30 (CET); the first (CEST) does not fire
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

  it("fires at 02:00 in Pacific/Chatham on the day its clocks jump from 02:45 to 03:45, and 03:00 at 03:45", () => {
    assert.deepEqual(fires("0 2 * * *", "Pacific/Chatham", "2025-09-27T00:00:00Z", 1), ["2025-09-27T13:15:00.000Z"]); // 02:00 +12:45
    assert.deepEqual(fires("0 3 * * *", "Pacific/Chatham", "2025-09-27T00:00:00Z", 1), ["2025-09-27T14:00:00.000Z"]); // 03:45 +13:45
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

  it("fires when either day field matches once both are restricted", () => {
    assert.deepEqual(fires("0 2 1-7 * 1", "UTC", "2025-09-01T00:00:00Z", 9).map((instant) => instant.slice(0, 10)), [
      "2025-09-01", "2025-09-02", "2025-09-03", "2025-09-04", "2025-09-05", "2025-09-06", "2025-09-07", "2025-09-08", "2025-09-15",
    ]);
    assert.deepEqual(fires("0 0 0 8 * 5#3", "UTC", "2024-01-01T00:00:00Z", 2), ["2024-01-08T00:00:00.000Z", "2024-01-19T00:00:00.000Z"]);
  });

  it("accepts n/step and rejects W inside a list, with a message naming the field", () => {
    assert.deepEqual(fires("6/23 * * * *", "UTC", "2012-12-26T14:38:53Z", 3), ["2012-12-26T14:52:00.000Z", "2012-12-26T15:06:00.000Z", "2012-12-26T15:29:00.000Z"]);
    assert.match(cronProblem("0 9 15W,16 * *") ?? "", /day-of-month "15W,16": "W" \(nearest weekday\) cannot be used in a list/);
    assert.match(cronProblem("0 0 30 2 *") ?? "", /never fire/);
    assert.equal(cronProblem("@daily"), undefined);
  });

  it("rejects an invalid cron or time zone with the field at fault", () => {
    assert.throws(() => parseCron("61 * * * *"), (error: unknown) => error instanceof DefinitionError && /invalid cron "61 \* \* \* \*"/.test(error.message));
    assert.throws(() => parseCron("0 2 * * *", "Mars/Olympus"), /unknown time zone "Mars\/Olympus"/);
  });
});
