import assert from "node:assert/strict";
import { monthlyPartitions, PartitionKeyError, weeklyPartitions } from "../../runtime/src/partitions";

const HOUR = 3_600_000;

describe("weekly partitions", () => {
  it("starts weeks on Monday and keys them by their first day", () => {
    // 2024-01-01 is a Monday.
    const weekly = weeklyPartitions({ start: "2024-01-01" });
    assert.deepEqual(weekly.keys(new Date("2024-01-22T00:00:00Z")).toArray(), ["2024-01-01", "2024-01-08", "2024-01-15"]);
    assert.equal(weekly.windowOf("2024-01-08").end.toISOString(), "2024-01-15T00:00:00.000Z");
  });

  it("starts at the first week start on or after the start date", () => {
    const weekly = weeklyPartitions({ start: "2024-01-03" });
    assert.equal(weekly.start.toISOString(), "2024-01-08T00:00:00.000Z");
    assert.equal(weekly.keyFor(new Date("2024-01-05T00:00:00Z")), undefined);
  });

  it("starts weeks on Sunday when asked, by number or by name", () => {
    const byNumber = weeklyPartitions({ start: "2024-01-01", dayOfWeek: 0 });
    const byName = weeklyPartitions({ start: "2024-01-01", dayOfWeek: "sunday" });
    assert.equal(byNumber.keys(new Date("2024-01-20T00:00:00Z")).at(0), "2024-01-07");
    assert.equal(byName.keyFor(new Date("2024-01-13T12:00:00Z")), "2024-01-07");
  });

  it("crosses the year boundary: the week of 2024-12-30 ends in 2025", () => {
    const weekly = weeklyPartitions({ start: "2024-12-01" });
    assert.equal(weekly.next("2024-12-30"), "2025-01-06");
    assert.equal(weekly.keyFor(new Date("2025-01-01T00:00:00Z")), "2024-12-30");
  });

  it("refuses a day that does not start a week and names the week containing it", () => {
    const weekly = weeklyPartitions({ start: "2024-01-01" });
    assert.throws(() => weekly.windowOf("2024-01-10"), (error: PartitionKeyError) => {
      assert.match(error.message, /2024-01-10 is a Wednesday, and weeks start on Monday/);
      assert.equal(error.hint, 'The week containing it is "2024-01-08".');
      return true;
    });
  });

  it("makes the week holding Paris's spring-forward Sunday one hour shorter", () => {
    const weekly = weeklyPartitions({ start: "2024-01-01", timezone: "Europe/Paris" });
    const hours = (key: string) => {
      const window = weekly.windowOf(key);
      return (window.end.getTime() - window.start.getTime()) / HOUR;
    };
    // The week of Monday 2024-03-25 holds Sunday 2024-03-31.
    assert.equal(hours("2024-03-25"), 7 * 24 - 1);
    assert.equal(hours("2024-03-18"), 7 * 24);
    assert.equal(weekly.windowOf("2024-03-25").start.toISOString(), "2024-03-24T23:00:00.000Z");
  });
});

describe("monthly partitions", () => {
  it("keys months by their first day, from January 31 to February to March", () => {
    const monthly = monthlyPartitions({ start: "2024-01-01" });
    assert.deepEqual(monthly.keys(new Date("2024-04-15T00:00:00Z")).toArray(), ["2024-01-01", "2024-02-01", "2024-03-01"]);
    assert.equal(monthly.keyFor(new Date("2024-01-31T23:59:59Z")), "2024-01-01");
    assert.equal(monthly.keyFor(new Date("2024-02-29T12:00:00Z")), "2024-02-01");
  });

  it("makes February 29 days long in a leap year and 28 otherwise", () => {
    const days = (key: string) => {
      const window = monthlyPartitions({ start: "2023-01-01" }).windowOf(key);
      return (window.end.getTime() - window.start.getTime()) / (24 * HOUR);
    };
    assert.equal(days("2024-02-01"), 29);
    assert.equal(days("2023-02-01"), 28);
    assert.equal(days("2024-01-01"), 31);
  });

  it("crosses the year boundary", () => {
    const monthly = monthlyPartitions({ start: "2024-01-01" });
    assert.equal(monthly.next("2024-12-01"), "2025-01-01");
    assert.equal(monthly.previous("2025-01-01"), "2024-12-01");
  });

  it("follows Sydney's midnights: January starts on December 31 in UTC", () => {
    const monthly = monthlyPartitions({ start: "2024-01-01", timezone: "Australia/Sydney" });
    assert.equal(monthly.windowOf("2024-01-01").start.toISOString(), "2023-12-31T13:00:00.000Z");
    // April 2024 holds the fall-back night: one hour longer than its 30 days.
    const april = monthly.windowOf("2024-04-01");
    assert.equal((april.end.getTime() - april.start.getTime()) / HOUR, 30 * 24 + 1);
  });

  it("refuses a day other than the first and names the month's key", () => {
    const monthly = monthlyPartitions({ start: "2024-01-01" });
    assert.throws(() => monthly.windowOf("2024-02-15"), (error: PartitionKeyError) => {
      assert.match(error.message, /monthly keys name the first day of the month/);
      assert.equal(error.hint, 'The month containing 2024-02-15 is "2024-02-01".');
      return true;
    });
  });

  it("accepts a month-only key format", () => {
    const monthly = monthlyPartitions({ start: "2024-01-01", fmt: "YYYY-MM" });
    assert.equal(monthly.keys(new Date("2024-03-02T00:00:00Z")).at(-1), "2024-02");
    assert.equal(monthly.windowOf("2024-02").end.toISOString(), "2024-03-01T00:00:00.000Z");
  });

  it("counts an open month with endOffset 1", () => {
    const monthly = monthlyPartitions({ start: "2024-01-01", endOffset: 1 });
    assert.equal(monthly.count(new Date("2024-03-10T00:00:00Z")), 3);
    assert.equal(monthly.lastClosedKey(new Date("2024-03-10T00:00:00Z")), "2024-02-01");
  });
});
