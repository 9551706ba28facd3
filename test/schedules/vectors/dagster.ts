/**
 * Dagster's cron cases, translated from
 * python_modules/dagster/dagster_tests/scheduler_tests/test_cron_string_iterator.py
 * (dagster-io/dagster). Times are the tests' `create_datetime(..., tz)` written with their offset;
 * `fold=1` (the second of two repeated wall times) shows as the later offset.
 */
import type { CaseSource, FireCase, SequenceCase, ValidityCase } from "./types";

const FILE = "python_modules/dagster/dagster_tests/scheduler_tests/test_cron_string_iterator.py";
const from = (test: string): CaseSource => ({ peer: "dagster", file: FILE, test });
const dst = from("test_dst_transition_advances (DST_PARAMS)");
const dow = from("test_day_of_week_filter_schedules (DAY_OF_WEEK_FILTER_PARAMS)");

const berlinFallDays = (time: string, fold: "+01:00" | "+02:00") => [
  `2023-10-27T${time}+02:00`, `2023-10-28T${time}+02:00`, `2023-10-29T${time}${fold}`,
  `2023-10-30T${time}+01:00`, `2023-10-31T${time}+01:00`, `2023-11-01T${time}+01:00`,
];
const berlinFallSundays = (time: string, fold: "+01:00" | "+02:00") => [
  `2023-10-15T${time}+02:00`, `2023-10-22T${time}+02:00`, `2023-10-29T${time}${fold}`,
  `2023-11-05T${time}+01:00`, `2023-11-12T${time}+01:00`, `2023-11-19T${time}+01:00`,
];
const centralFifths = (time: string, november: string) => [
  `2023-09-05T${time}-05:00`, `2023-10-05T${time}-05:00`, november, `2023-12-05T${time}-06:00`, `2024-01-05T${time}-06:00`,
];
const berlinSpringDays = (time: string, on26th: string) => [
  `2023-03-24T${time}+01:00`, `2023-03-25T${time}+01:00`, on26th,
  `2023-03-27T${time}+02:00`, `2023-03-28T${time}+02:00`, `2023-03-29T${time}+02:00`,
];
const berlinSpringSundays = (time: string, on26th: string) => [
  `2023-03-12T${time}+01:00`, `2023-03-19T${time}+01:00`, on26th,
  `2023-04-02T${time}+02:00`, `2023-04-09T${time}+02:00`, `2023-04-16T${time}+02:00`,
];
const berlin26ths = (time: string, march: string) => [
  `2023-01-26T${time}+01:00`, `2023-02-26T${time}+01:00`, march, `2023-04-26T${time}+02:00`, `2023-05-26T${time}+02:00`,
];
const quarterHours = (hour: string, offset: string) => ["00", "15", "30", "45"].map((minute) => `${hour}:${minute}${offset}`);

export const dagsterSequences: SequenceCase[] = [
  // Daily / fall back
  { source: dst, cron: "45 1 * * *", timezone: "Europe/Berlin", times: berlinFallDays("01:45", "+02:00") },
  { source: dst, cron: "0 2 * * *", timezone: "Australia/Lord_Howe", times: ["2023-09-29T02:00+10:30", "2023-09-30T02:00+10:30", "2023-10-01T02:30+11:00", "2023-10-02T02:00+11:00", "2023-10-03T02:00+11:00"] },
  { source: dst, cron: "0 2 * * *", timezone: "Europe/Berlin", times: berlinFallDays("02:00", "+01:00") },
  { source: dst, cron: "30 2 * * *", timezone: "Europe/Berlin", times: berlinFallDays("02:30", "+01:00") },
  { source: dst, cron: "0 3 * * *", timezone: "Europe/Berlin", times: berlinFallDays("03:00", "+01:00") },
  // Hourly / fall back
  { source: dst, cron: "45 * * * *", timezone: "Europe/Berlin", times: ["2023-10-29T00:45+02:00", "2023-10-29T01:45+02:00", "2023-10-29T02:45+02:00", "2023-10-29T02:45+01:00", "2023-10-29T03:45+01:00"] },
  { source: dst, cron: "0 * * * *", timezone: "Europe/Berlin", times: ["2023-10-29T00:00+02:00", "2023-10-29T01:00+02:00", "2023-10-29T02:00+02:00", "2023-10-29T02:00+01:00", "2023-10-29T03:00+01:00"] },
  // Weekly / fall back
  { source: dst, cron: "45 1 * * 0", timezone: "Europe/Berlin", times: berlinFallSundays("01:45", "+02:00") },
  { source: dst, cron: "0 2 * * 0", timezone: "Europe/Berlin", times: berlinFallSundays("02:00", "+01:00") },
  { source: dst, cron: "30 2 * * 0", timezone: "Europe/Berlin", times: berlinFallSundays("02:30", "+01:00") },
  { source: dst, cron: "0 3 * * 0", timezone: "Europe/Berlin", times: berlinFallSundays("03:00", "+01:00") },
  // Monthly / fall back (US/Central goes back from 02:00 CDT to 01:00 CST on 2023-11-05)
  { source: dst, cron: "45 0 5 * *", timezone: "US/Central", times: centralFifths("00:45", "2023-11-05T00:45-05:00") },
  { source: dst, cron: "0 1 5 * *", timezone: "US/Central", times: centralFifths("01:00", "2023-11-05T01:00-06:00") },
  { source: dst, cron: "30 1 5 * *", timezone: "US/Central", times: centralFifths("01:30", "2023-11-05T01:30-06:00") },
  { source: dst, cron: "0 2 5 * *", timezone: "US/Central", times: centralFifths("02:00", "2023-11-05T02:00-06:00") },
  // Daily / spring forward
  { source: dst, cron: "0 1 * * *", timezone: "Europe/Berlin", times: berlinSpringDays("01:00", "2023-03-26T01:00+01:00") },
  { source: dst, cron: "0 2 * * *", timezone: "Europe/Berlin", times: berlinSpringDays("02:00", "2023-03-26T03:00+02:00") },
  { source: dst, cron: "30 2 * * *", timezone: "Europe/Berlin", times: berlinSpringDays("02:30", "2023-03-26T03:00+02:00") },
  { source: dst, cron: "0 3 * * *", timezone: "Europe/Berlin", times: berlinSpringDays("03:00", "2023-03-26T03:00+02:00") },
  // Weekly / spring forward
  { source: dst, cron: "0 1 * * 0", timezone: "Europe/Berlin", times: berlinSpringSundays("01:00", "2023-03-26T01:00+01:00") },
  { source: dst, cron: "0 2 * * 0", timezone: "Europe/Berlin", times: berlinSpringSundays("02:00", "2023-03-26T03:00+02:00") },
  { source: dst, cron: "30 2 * * 0", timezone: "Europe/Berlin", times: berlinSpringSundays("02:30", "2023-03-26T03:00+02:00") },
  { source: dst, cron: "0 3 * * 0", timezone: "Europe/Berlin", times: berlinSpringSundays("03:00", "2023-03-26T03:00+02:00") },
  // Monthly / spring forward
  { source: dst, cron: "0 1 26 * *", timezone: "Europe/Berlin", times: berlin26ths("01:00", "2023-03-26T01:00+01:00") },
  { source: dst, cron: "0 2 26 * *", timezone: "Europe/Berlin", times: berlin26ths("02:00", "2023-03-26T03:00+02:00") },
  { source: dst, cron: "30 2 26 * *", timezone: "Europe/Berlin", times: berlin26ths("02:30", "2023-03-26T03:00+02:00") },
  { source: dst, cron: "0 3 26 * *", timezone: "Europe/Berlin", times: berlin26ths("03:00", "2023-03-26T03:00+02:00") },
  // Hourly / spring forward
  { source: dst, cron: "45 * * * *", timezone: "Europe/Berlin", times: ["2023-03-26T00:45+01:00", "2023-03-26T01:45+01:00", "2023-03-26T03:45+02:00", "2023-03-26T04:45+02:00"] },
  { source: dst, cron: "0 * * * *", timezone: "Europe/Berlin", times: ["2023-03-26T00:00+01:00", "2023-03-26T01:00+01:00", "2023-03-26T03:00+02:00", "2023-03-26T04:00+02:00"] },
  { source: dst, cron: "*/15 * * * *", timezone: "Europe/Berlin", times: [...quarterHours("2023-03-26T01", "+01:00"), ...quarterHours("2023-03-26T03", "+02:00")] },
  {
    source: dst, cron: "*/15 * * * *", timezone: "Europe/Berlin",
    times: [...quarterHours("2023-10-29T01", "+02:00"), ...quarterHours("2023-10-29T02", "+02:00"), ...quarterHours("2023-10-29T02", "+01:00"), ...quarterHours("2023-10-29T03", "+01:00")],
  },
  // Day-of-month steps skip the days a month does not have
  {
    source: dst, cron: "0 0 */10 * *", timezone: "UTC",
    times: ["2024-01-01", "2024-01-11", "2024-01-21", "2024-01-31", "2024-02-01", "2024-02-11", "2024-02-21", "2024-03-01", "2024-03-11", "2024-03-21", "2024-03-31", "2024-04-01", "2024-04-11", "2024-04-21", "2024-05-01"].map((day) => `${day}T00:00Z`),
  },
  { source: dst, cron: "0 0 */30 * *", timezone: "UTC", times: ["2024-01-01", "2024-01-31", "2024-02-01", "2024-03-01", "2024-03-31", "2024-04-01", "2024-05-01"].map((day) => `${day}T00:00Z`) },
  // Daily schedules with day-of-week filters
  { source: dow, cron: "0 0 * * 6-7", timezone: "US/Pacific", times: ["06", "07", "13", "14", "20", "21"].map((day) => `2024-01-${day}T00:00-08:00`) },
  { source: dow, cron: "0 0 * * 0,6", timezone: "US/Pacific", times: ["06", "07", "13", "14", "20", "21"].map((day) => `2024-01-${day}T00:00-08:00`) },
  { source: dow, cron: "0 9 * * 6-7", timezone: "US/Pacific", times: ["06", "07", "13", "14", "20", "21"].map((day) => `2024-01-${day}T09:00-08:00`) },
  { source: dow, cron: "30 14 * * 6-7", timezone: "US/Pacific", times: ["06", "07", "13", "14", "20", "21"].map((day) => `2024-01-${day}T14:30-08:00`) },
  { source: dow, cron: "0 8 * * 1-5", timezone: "US/Pacific", times: ["01", "02", "03", "04", "05", "08"].map((day) => `2024-01-${day}T08:00-08:00`) },
  { source: dow, cron: "45 17 * * 1-5", timezone: "US/Pacific", times: ["01", "02", "03", "04", "05", "08"].map((day) => `2024-01-${day}T17:45-08:00`) },
  { source: dow, cron: "0 12 * * 1,3,5", timezone: "US/Pacific", times: ["01", "03", "05", "08", "10", "12"].map((day) => `2024-01-${day}T12:00-08:00`) },
  { source: dow, cron: "0 2 * * 6-7", timezone: "US/Pacific", times: ["2024-03-02T02:00-08:00", "2024-03-03T02:00-08:00", "2024-03-09T02:00-08:00", "2024-03-10T03:00-07:00", "2024-03-16T02:00-07:00", "2024-03-17T02:00-07:00"] },
  { source: dow, cron: "30 2 * * 6-7", timezone: "US/Pacific", times: ["2024-03-02T02:30-08:00", "2024-03-03T02:30-08:00", "2024-03-09T02:30-08:00", "2024-03-10T03:00-07:00", "2024-03-16T02:30-07:00", "2024-03-17T02:30-07:00"] },
  { source: dow, cron: "0 1 * * 6-7", timezone: "US/Pacific", times: ["2024-10-26T01:00-07:00", "2024-10-27T01:00-07:00", "2024-11-02T01:00-07:00", "2024-11-03T01:00-08:00", "2024-11-09T01:00-08:00", "2024-11-10T01:00-08:00"] },
  { source: dow, cron: "0 2 * * 1-5", timezone: "Europe/Berlin", times: ["2024-03-25T02:00+01:00", "2024-03-26T02:00+01:00", "2024-03-27T02:00+01:00", "2024-03-28T02:00+01:00", "2024-03-29T02:00+01:00", "2024-04-01T02:00+02:00"] },
  { source: dow, cron: "30 2 * * 1-5", timezone: "Europe/Berlin", times: ["2024-03-25T02:30+01:00", "2024-03-26T02:30+01:00", "2024-03-27T02:30+01:00", "2024-03-28T02:30+01:00", "2024-03-29T02:30+01:00", "2024-04-01T02:30+02:00"] },
  { source: dow, cron: "30 2 * * 1-5", timezone: "Europe/Berlin", times: ["2024-10-21T02:30+02:00", "2024-10-22T02:30+02:00", "2024-10-23T02:30+02:00", "2024-10-24T02:30+02:00", "2024-10-25T02:30+02:00", "2024-10-28T02:30+01:00"] },
  { source: dow, cron: "0 10 * * 6-7", timezone: "Australia/Sydney", times: ["06", "07", "13", "14", "20", "21"].map((day) => `2024-01-${day}T10:00+11:00`) },
  { source: dow, cron: "0 2 * * 6-7", timezone: "Australia/Sydney", times: ["2024-03-30T02:00+11:00", "2024-03-31T02:00+11:00", "2024-04-06T02:00+11:00", "2024-04-07T02:00+10:00", "2024-04-13T02:00+10:00", "2024-04-14T02:00+10:00"] },
  { source: dow, cron: "15 5 * * 1-5", timezone: "US/Eastern", times: ["01", "02", "03", "04", "05", "08"].map((day) => `2024-01-${day}T05:15-05:00`) },
  { source: dow, cron: "45 23 * * 5-6", timezone: "US/Central", times: ["05", "06", "12", "13", "19", "20"].map((day) => `2024-01-${day}T23:45-06:00`) },
  // Last day of month, and Sunday written as 7
  {
    source: from("test_last_day_of_month_cron_schedule"), cron: "*/15 13 L * *", timezone: "Europe/Berlin",
    times: [...quarterHours("2023-10-31T13", "+01:00"), ...quarterHours("2023-11-30T13", "+01:00"), ...quarterHours("2023-12-31T13", "+01:00")],
  },
  ...["0 0 * * 6-7", "0 0 * * 0,6"].map((cron): SequenceCase => ({
    source: from("test_weekend_cron_schedule_with_sunday_as_7"), cron, timezone: "Europe/Berlin",
    times: ["2024-10-26T00:00+02:00", "2024-10-27T00:00+02:00", "2024-11-02T00:00+01:00", "2024-11-03T00:00+01:00", "2024-11-09T00:00+01:00", "2024-11-10T00:00+01:00"],
  })),
  // Hourly schedules in zones whose offset is not a whole number of hours (2026-02-16, hours 0-5)
  ...([["Asia/Kolkata", "+05:30"], ["Asia/Kathmandu", "+05:45"], ["Australia/Adelaide", "+10:30"], ["America/St_Johns", "-03:30"], ["Pacific/Chatham", "+13:45"]] as const).flatMap(([timezone, offset]) =>
    (["0", "30"] as const).map((minute): SequenceCase => ({
      source: from(minute === "0" ? "test_hourly_cron_non_hour_offset_timezone_alignment" : "test_hourly_cron_non_hour_offset_timezone_minute_fidelity"),
      cron: `${minute} * * * *`, timezone,
      times: [0, 1, 2, 3, 4, 5].map((hour) => `2026-02-16T0${hour}:${minute.padStart(2, "0")}${offset}`),
    })),
  ),
];

export const dagsterFires: FireCase[] = [
  // The iterator always advances: from any instant after 2023-03-26 03:00 the next tick is 03-27 02:00.
  { source: from("test_cron_iterator_always_advances"), cron: "0 2 * * *", timezone: "Europe/Berlin", from: "2023-03-26T03:00:01+02:00", fires: ["2023-03-27T02:00+02:00"] },
  { source: from("test_cron_iterator_always_advances"), cron: "0 2 * * *", timezone: "Europe/Berlin", from: "2023-03-26T23:59:59+02:00", fires: ["2023-03-27T02:00+02:00"] },
  { source: from("test_cron_iterator_leap_day"), cron: "2 4 29 2 *", timezone: "Europe/Berlin", from: "2023-03-27T01:00+02:00", fires: ["2024-02-29T04:02+01:00", "2028-02-29T04:02+01:00", "2032-02-29T04:02+01:00"] },
  { source: from("test_cron_iterator_batch_matches_iterator"), cron: "*/15 * * * *", timezone: "UTC", from: "2023-12-31T23:59:59Z", fires: ["00:00", "00:15", "00:30", "00:45", "01:00"].map((time) => `2024-01-01T${time}Z`) },
];

export const dagsterValidity: ValidityCase[] = [
  ...["0 0 27 2 *", "0 0 28 2 *", "0 0 29 2 *", "0 0 29 2 3", "0 0 31 1 *", "0 0 30 2 3", "0 0 31 2 3"].map((cron) => ({ source: from("test_invalid_cron_strings"), cron, valid: true })),
  ...["0 0 30 2 *", "0 0 31 2 *", "0 0 32 2 *", "0 0 32 1 *"].map((cron) => ({ source: from("test_invalid_cron_strings"), cron, valid: false })),
  ...["invalid cron", "0 0 32 * *"].map((cron) => ({ source: from("test_get_smallest_cron_interval_edge_cases"), cron, valid: false })),
];
