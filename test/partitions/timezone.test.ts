import assert from "node:assert/strict";
import { formatOffset, parseOffset, timeZone } from "../../runtime/src/partitions/timezone";

const HOUR = 3_600_000;
const wall = (year: number, month: number, day: number, hour = 0, minute = 0) => ({ year, month, day, hour, minute, second: 0 });
const iso = (instant: number) => new Date(instant).toISOString();

describe("time zones from Intl", () => {
  it("reports Paris at UTC+1 in winter and UTC+2 in summer", () => {
    const paris = timeZone("Europe/Paris");
    assert.equal(paris.offsetAt(Date.UTC(2024, 0, 15)), 1 * HOUR);
    assert.equal(paris.offsetAt(Date.UTC(2024, 6, 15)), 2 * HOUR);
  });

  it("switches Paris to summer time at exactly 01:00 UTC on the last Sunday of March", () => {
    const paris = timeZone("Europe/Paris");
    const switchAt = Date.UTC(2024, 2, 31, 1);
    assert.equal(paris.offsetAt(switchAt - 1000), 1 * HOUR);
    assert.equal(paris.offsetAt(switchAt), 2 * HOUR);
  });

  it("reports Sydney at UTC+11 in January (southern summer) and UTC+10 in July", () => {
    const sydney = timeZone("Australia/Sydney");
    assert.equal(sydney.offsetAt(Date.UTC(2024, 0, 15)), 11 * HOUR);
    assert.equal(sydney.offsetAt(Date.UTC(2024, 6, 15)), 10 * HOUR);
  });

  it("finds no instant for a skipped local time and moves it forward by the gap", () => {
    const newYork = timeZone("America/New_York");
    assert.deepEqual(newYork.instantsOf(wall(2024, 3, 10, 2, 30)), []);
    assert.equal(iso(newYork.instantOf(wall(2024, 3, 10, 2, 30))), "2024-03-10T07:30:00.000Z");
  });

  it("finds two instants for a repeated local time and picks the earlier one", () => {
    const newYork = timeZone("America/New_York");
    assert.deepEqual(newYork.instantsOf(wall(2024, 11, 3, 1, 30)).map(iso), [
      "2024-11-03T05:30:00.000Z",
      "2024-11-03T06:30:00.000Z",
    ]);
    assert.equal(iso(newYork.instantOf(wall(2024, 11, 3, 1, 30))), "2024-11-03T05:30:00.000Z");
  });

  it("starts a day without midnight at the first instant after the gap (Santiago, 2024-09-08)", () => {
    assert.equal(iso(timeZone("America/Santiago").instantOf(wall(2024, 9, 8))), "2024-09-08T04:00:00.000Z");
  });

  it("keeps half-hour zones exact (Kolkata is UTC+05:30 all year)", () => {
    assert.equal(iso(timeZone("Asia/Kolkata").instantOf(wall(2024, 6, 1, 10))), "2024-06-01T04:30:00.000Z");
  });

  it("writes and reads UTC offsets as +HHMM", () => {
    assert.equal(formatOffset(-4 * HOUR), "-0400");
    assert.equal(formatOffset(5.5 * HOUR), "+0530");
    assert.equal(parseOffset("-0400"), -4 * HOUR);
    assert.equal(parseOffset("+05:30"), 5.5 * HOUR);
    assert.equal(parseOffset("0400"), undefined);
  });

  it("refuses a zone Intl does not know", () => {
    assert.throws(() => timeZone("Mars/Olympus_Mons"), RangeError);
  });
});
