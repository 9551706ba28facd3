import assert from "node:assert/strict";
import { dailyPartitions, PartitionKeyError } from "../../runtime/src/partitions";

const HOUR = 3_600_000;
const hoursOf = (window: { start: Date; end: Date }) => (window.end.getTime() - window.start.getTime()) / HOUR;

describe("daily partitions", () => {
  it("lists the closed days from the start, the day in progress excluded", () => {
    const daily = dailyPartitions({ start: "2024-01-01" });
    const keys = daily.keys(new Date("2024-01-04T10:00:00Z"));
    assert.deepEqual(keys.toArray(), ["2024-01-01", "2024-01-02", "2024-01-03"]);
    assert.equal(daily.count(new Date("2024-01-04T10:00:00Z")), 3);
    assert.equal(daily.lastClosedKey(new Date("2024-01-04T10:00:00Z")), "2024-01-03");
  });

  it("includes the day in progress with endOffset 1 and holds one back with -1", () => {
    const now = new Date("2024-01-04T10:00:00Z");
    assert.equal(dailyPartitions({ start: "2024-01-01", endOffset: 1 }).keys(now).at(-1), "2024-01-04");
    assert.equal(dailyPartitions({ start: "2024-01-01", endOffset: -1 }).keys(now).at(-1), "2024-01-02");
    assert.equal(dailyPartitions({ start: "2024-01-01", endOffset: 1 }).lastClosedKey(now), "2024-01-03");
  });

  it("has no keys before the first day has ended", () => {
    const daily = dailyPartitions({ start: "2024-01-01" });
    assert.equal(daily.count(new Date("2024-01-01T23:59:59Z")), 0);
    assert.equal(daily.lastClosedKey(new Date("2024-01-01T23:59:59Z")), undefined);
    assert.equal(daily.keys(new Date("2023-06-01T00:00:00Z")).length, 0);
  });

  it("makes a spring-forward day 23 hours long in Paris and a fall-back day 25", () => {
    const daily = dailyPartitions({ start: "2024-01-01", timezone: "Europe/Paris" });
    const spring = daily.windowOf("2024-03-31");
    assert.equal(spring.start.toISOString(), "2024-03-30T23:00:00.000Z");
    assert.equal(spring.end.toISOString(), "2024-03-31T22:00:00.000Z");
    assert.equal(hoursOf(spring), 23);
    assert.equal(hoursOf(daily.windowOf("2024-10-27")), 25);
    assert.equal(hoursOf(daily.windowOf("2024-07-14")), 24);
  });

  it("makes New York's DST days 23 and 25 hours long (second Sunday of March, first of November)", () => {
    const daily = dailyPartitions({ start: "2024-01-01", timezone: "America/New_York" });
    assert.equal(hoursOf(daily.windowOf("2024-03-10")), 23);
    assert.equal(hoursOf(daily.windowOf("2024-11-03")), 25);
    assert.equal(daily.windowOf("2024-11-03").start.toISOString(), "2024-11-03T04:00:00.000Z");
  });

  it("makes Sydney's October day short and its April day long (southern hemisphere)", () => {
    const daily = dailyPartitions({ start: "2024-01-01", timezone: "Australia/Sydney" });
    assert.equal(hoursOf(daily.windowOf("2024-10-06")), 23);
    assert.equal(hoursOf(daily.windowOf("2024-04-07")), 25);
    assert.equal(daily.windowOf("2024-01-01").start.toISOString(), "2023-12-31T13:00:00.000Z");
  });

  it("finds the local day of an instant (23:30 UTC is already tomorrow in Paris)", () => {
    const daily = dailyPartitions({ start: "2024-01-01", timezone: "Europe/Paris" });
    assert.equal(daily.keyFor(new Date("2024-01-05T23:30:00Z")), "2024-01-06");
    assert.equal(dailyPartitions({ start: "2024-01-01" }).keyFor(new Date("2024-01-05T23:30:00Z")), "2024-01-05");
    assert.equal(daily.keyFor(new Date("2023-12-31T12:00:00Z")), undefined);
  });

  it("walks from January 31 to February and through February 29 in a leap year", () => {
    const daily = dailyPartitions({ start: "2024-01-01" });
    assert.equal(daily.next("2024-01-31"), "2024-02-01");
    assert.equal(daily.next("2024-02-28"), "2024-02-29");
    assert.equal(daily.next("2024-02-29"), "2024-03-01");
    assert.equal(daily.previous("2024-03-01"), "2024-02-29");
    assert.equal(dailyPartitions({ start: "2023-01-01" }).next("2023-02-28"), "2023-03-01");
  });

  it("refuses February 29 in a year that is not a leap year", () => {
    const daily = dailyPartitions({ start: "2023-01-01" });
    assert.throws(() => daily.windowOf("2023-02-29"), (error: PartitionKeyError) => {
      assert.ok(error instanceof PartitionKeyError);
      assert.match(error.message, /2023-02-29 is not a calendar date/);
      return true;
    });
  });

  it("crosses the year boundary and counts a leap year as 366 keys", () => {
    const daily = dailyPartitions({ start: "2023-12-30" });
    assert.equal(daily.next("2023-12-31"), "2024-01-01");
    assert.equal(daily.previous("2024-01-01"), "2023-12-31");
    const year2024 = dailyPartitions({ start: "2024-01-01", end: "2025-01-01" });
    assert.equal(year2024.count(new Date("2030-01-01T00:00:00Z")), 366);
    assert.equal(year2024.keys(new Date("2030-01-01T00:00:00Z")).at(-1), "2024-12-31");
    assert.equal(year2024.next("2024-12-31"), undefined);
  });

  it("has no previous key before the first one", () => {
    assert.equal(dailyPartitions({ start: "2024-01-01" }).previous("2024-01-01"), undefined);
  });

  it("starts at the next midnight when the start has a time of day", () => {
    const daily = dailyPartitions({ start: "2024-01-01-06:00" });
    assert.equal(daily.keys(new Date("2024-01-05T00:00:00Z")).at(0), "2024-01-02");
    assert.equal(daily.start.toISOString(), "2024-01-02T00:00:00.000Z");
  });

  it("returns the keys between two keys, both included", () => {
    const daily = dailyPartitions({ start: "2024-01-01" });
    const now = new Date("2024-04-01T00:00:00Z");
    assert.deepEqual(daily.keysBetween("2024-02-27", "2024-03-02", now).toArray(), [
      "2024-02-27",
      "2024-02-28",
      "2024-02-29",
      "2024-03-01",
      "2024-03-02",
    ]);
    assert.equal(daily.keysBetween("2024-01-01", "2024-03-31", now).length, 91);
  });

  it("explains each way keysBetween can refuse a range", () => {
    const daily = dailyPartitions({ start: "2024-01-01" });
    const now = new Date("2024-03-10T12:00:00Z");
    const refuses = (from: string, to: string, message: RegExp, hint: RegExp) =>
      assert.throws(() => daily.keysBetween(from, to, now), (error: PartitionKeyError) => {
        assert.ok(error instanceof PartitionKeyError, String(error));
        assert.match(error.message, message);
        assert.match(error.hint ?? "", hint);
        return true;
      });
    refuses("2024-1-5", "2024-01-09", /"2024-1-5" is not a key of daily partitions.*key format YYYY-MM-DD/, /Keys look like "2024-01-01"/);
    refuses("2023-12-25", "2024-01-09", /before the first partition "2024-01-01"/, /Start at "2024-01-01"/);
    refuses("2024-01-01", "2024-03-10", /"2024-03-10" does not exist yet.*last partition is "2024-03-09"/, /endOffset: 1/);
    refuses("2024-02-10", "2024-02-01", /"2024-02-10" comes after "2024-02-01"/, /--from 2024-02-01 --to 2024-02-10/);
    refuses("2024-02-30", "2024-03-01", /2024-02-30 is not a calendar date/, /Keys look like/);
  });

  it("reads keys only as they are written: no other spelling is a key", () => {
    const daily = dailyPartitions({ start: "2024-01-01" });
    const now = new Date("2024-03-01T00:00:00Z");
    assert.equal(daily.contains("2024-01-05", now), true);
    assert.equal(daily.contains("2024-01-05 ", now), false);
    assert.equal(daily.contains("20240105", now), false);
    assert.equal(daily.contains("2024-03-01", now), false, "the day in progress does not exist yet");
  });

  it("uses a custom key format both ways", () => {
    const daily = dailyPartitions({ start: "2024-01-01", fmt: "YYYYMMDD" });
    assert.equal(daily.keys(new Date("2024-01-03T00:00:00Z")).at(0), "20240101");
    assert.equal(daily.windowOf("20240102").start.toISOString(), "2024-01-02T00:00:00.000Z");
  });

  it("counts, slices and finds keys over ten years by index", () => {
    const daily = dailyPartitions({ start: "2015-01-01" });
    const keys = daily.keys(new Date("2025-01-01T00:00:00Z"));
    assert.equal(keys.length, 3653);
    assert.deepEqual(keys.slice(-2).toArray(), ["2024-12-30", "2024-12-31"]);
    assert.equal(keys.indexOf("2015-01-11"), 10);
    assert.equal(keys.indexOf("2025-01-01"), -1);
  });

  it("ends before end: only days that end by then exist", () => {
    const daily = dailyPartitions({ start: "2024-01-01", end: "2024-02-01" });
    const keys = daily.keys(new Date("2030-01-01T00:00:00Z"));
    assert.equal(keys.length, 31);
    assert.equal(keys.at(-1), "2024-01-31");
    assert.throws(() => daily.windowOf("2024-02-01"), /after the last partition "2024-01-31"/);
  });
});
