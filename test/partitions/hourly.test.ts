import assert from "node:assert/strict";
import { hourlyPartitions, PartitionKeyError } from "../../runtime/src/partitions";

const HOUR = 3_600_000;

describe("hourly partitions", () => {
  it("names hours YYYY-MM-DD-HH:mm and lists the closed ones", () => {
    const hourly = hourlyPartitions({ start: "2024-01-01-00:00" });
    assert.deepEqual(hourly.keys(new Date("2024-01-01T03:30:00Z")).toArray(), [
      "2024-01-01-00:00",
      "2024-01-01-01:00",
      "2024-01-01-02:00",
    ]);
    assert.equal(hourly.next("2024-01-01-23:00"), "2024-01-02-00:00");
    assert.equal(hourly.next("2024-12-31-23:00"), "2025-01-01-00:00");
  });

  it("skips the local hour that does not exist when New York springs forward", () => {
    const hourly = hourlyPartitions({ start: "2024-03-10", timezone: "America/New_York" });
    const keys = hourly.keys(new Date("2024-03-10T09:00:00Z")).toArray();
    assert.deepEqual(keys, ["2024-03-10-00:00", "2024-03-10-01:00", "2024-03-10-03:00", "2024-03-10-04:00"]);
    assert.equal(hourly.next("2024-03-10-01:00"), "2024-03-10-03:00");
    assert.throws(() => hourly.windowOf("2024-03-10-02:00"), (error: PartitionKeyError) => {
      assert.match(error.message, /2024-03-10 02:00 does not exist in America\/New_York/);
      assert.equal(error.hint, 'The next hour is "2024-03-10-03:00".');
      return true;
    });
  });

  it("gives the repeated local hour two keys with their UTC offsets when New York falls back", () => {
    const hourly = hourlyPartitions({ start: "2024-11-03", timezone: "America/New_York" });
    const keys = hourly.keys(new Date("2024-11-03T09:00:00Z")).toArray();
    assert.deepEqual(keys, [
      "2024-11-03-00:00",
      "2024-11-03-01:00-0400",
      "2024-11-03-01:00-0500",
      "2024-11-03-02:00",
      "2024-11-03-03:00",
    ]);
    assert.equal(hourly.windowOf("2024-11-03-01:00-0400").start.toISOString(), "2024-11-03T05:00:00.000Z");
    assert.equal(hourly.windowOf("2024-11-03-01:00-0500").start.toISOString(), "2024-11-03T06:00:00.000Z");
  });

  it("refuses the ambiguous repeated hour without an offset and names both keys", () => {
    const hourly = hourlyPartitions({ start: "2024-11-03", timezone: "America/New_York" });
    assert.throws(() => hourly.windowOf("2024-11-03-01:00"), (error: PartitionKeyError) => {
      assert.match(error.message, /happens twice in America\/New_York/);
      assert.equal(error.hint, 'Name one occurrence with its UTC offset: "2024-11-03-01:00-0400" or "2024-11-03-01:00-0500".');
      return true;
    });
  });

  it("refuses an offset on an hour that is not ambiguous, and an offset the zone is not at", () => {
    const hourly = hourlyPartitions({ start: "2024-01-01", timezone: "Europe/Paris" });
    assert.throws(() => hourly.windowOf("2024-01-05-10:00+0100"), (error: PartitionKeyError) => {
      assert.match(error.message, /not written the way keys are/);
      assert.equal(error.hint, 'Did you mean "2024-01-05-10:00"?');
      return true;
    });
    assert.throws(() => hourly.windowOf("2024-10-27-02:00+0300"), /Europe\/Paris is not at UTC\+0300/);
  });

  it("has 23 hours on Paris's spring-forward day and 25 on its fall-back day", () => {
    const hourly = hourlyPartitions({ start: "2024-01-01", timezone: "Europe/Paris" });
    const hoursOfDay = (day: string, nextDay: string) =>
      hourly.keysBetween(`${day}-00:00`, `${nextDay}-00:00`, new Date("2025-01-01T00:00:00Z")).length - 1;
    assert.equal(hoursOfDay("2024-03-31", "2024-04-01"), 23);
    assert.equal(hoursOfDay("2024-10-27", "2024-10-28"), 25);
    assert.equal(hoursOfDay("2024-06-01", "2024-06-02"), 24);
  });

  it("keeps every window one real hour long across Sydney's April fall-back", () => {
    const hourly = hourlyPartitions({ start: "2024-04-06", timezone: "Australia/Sydney" });
    const keys = hourly.keys(new Date("2024-04-07T00:00:00Z")).toArray();
    assert.ok(keys.includes("2024-04-07-02:00+1100") && keys.includes("2024-04-07-02:00+1000"), keys.join(" "));
    for (const key of keys) {
      const window = hourly.windowOf(key);
      assert.equal(window.end.getTime() - window.start.getTime(), HOUR, key);
    }
  });

  it("aligns to the local top of the hour in a half-hour zone (Kolkata)", () => {
    const hourly = hourlyPartitions({ start: "2024-01-01", timezone: "Asia/Kolkata" });
    assert.equal(hourly.windowOf("2024-01-01-10:00").start.toISOString(), "2024-01-01T04:30:00.000Z");
    assert.equal(hourly.keyFor(new Date("2024-01-01T04:29:59Z")), "2024-01-01-09:00");
  });

  it("counts three years of hours exactly and makes their keys with a few hundred Intl calls, not one per key", () => {
    const hourly = hourlyPartitions({ start: "2022-01-01", timezone: "Europe/Berlin" });
    const now = new Date("2025-01-01T00:00:00Z");
    // 2022-01-01 00:00 Berlin is 2021-12-31T23:00Z: 1096 days of 24 real hours plus one hour.
    assert.equal(hourly.count(now), 1096 * 24 + 1);
    const original = Intl.DateTimeFormat.prototype.formatToParts;
    let calls = 0;
    Intl.DateTimeFormat.prototype.formatToParts = function (this: Intl.DateTimeFormat, date?: Date | number) {
      calls += 1;
      return original.call(this, date);
    };
    let keys: string[];
    try {
      keys = hourly.keys(now).toArray();
    } finally {
      Intl.DateTimeFormat.prototype.formatToParts = original;
    }
    assert.equal(keys.length, 1096 * 24 + 1);
    assert.ok(calls < 1000, `${calls} Intl calls for ${keys.length} keys`);
    assert.equal(new Set(keys).size, keys.length, "every key is distinct");
  });

  it("lists hours from a start with a time of day", () => {
    const hourly = hourlyPartitions({ start: "2024-01-01-06:00", timezone: "Europe/Paris" });
    assert.equal(hourly.keys(new Date("2024-01-01T07:00:00Z")).at(0), "2024-01-01-06:00");
    assert.equal(hourly.start.toISOString(), "2024-01-01T05:00:00.000Z");
  });
});
