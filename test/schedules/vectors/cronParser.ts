/**
 * cron-parser's cron cases, translated from tests/CronExpressionParser.test.ts and
 * tests/CronExpression.test.ts (harrisiirak/cron-parser 5.x). Its tests run with TZ=UTC, so a
 * `currentDate` without an offset is UTC here; 6-field expressions have seconds first, as in
 * Tributary. Cases whose dates are "now" (no currentDate) have no fixed answer and are left out.
 */
import type { CaseSource, FireCase, ValidityCase } from "./types";

const PARSER = "tests/CronExpressionParser.test.ts";
const EXPRESSION = "tests/CronExpression.test.ts";
const from = (test: string, file = PARSER): CaseSource => ({ peer: "cron-parser", file, test });
const at = (day: string, times: string[]) => times.map((time) => `${day}T${time}Z`);
const midnights = (list: string[]) => list.map((day) => `${day}T00:00Z`);

export const cronParserFires: FireCase[] = [
  { source: from("take multiple dates: step"), cron: "6/23 * * * *", from: "2012-12-26T14:38:53Z", fires: at("2012-12-26", ["14:52", "15:06", "15:29", "15:52"]) },
  { source: from("take multiple dates: limited with start and end date"), cron: "*/20 * * * *", from: "2012-12-26T14:38:53Z", fires: at("2012-12-26", ["14:40", "15:00", "15:20", "15:40", "16:00"]) },
  { source: from("range test with non-standard value and repeat (second)"), cron: "0/30 * * * * ?", from: "2012-12-26T14:38:53Z", fires: at("2012-12-26", ["14:39:00", "14:39:30", "14:40:00"]) },
  { source: from("range test with non-standard value and repeat (second)"), cron: "1/2 * * * * ?", from: "2012-12-26T14:38:00Z", fires: at("2012-12-26", ["14:38:01", "14:38:03", "14:38:05"]) },
  { source: from("reset to given date"), cron: "*/20 * * * *", from: "2012-12-26T17:23:53Z", fires: at("2012-12-26", ["17:40", "18:00"]) },
  { source: from("using mixed days of week strings"), cron: "15 10 * jAn-FeB mOn-tUE", from: "2012-12-26T14:38:53Z", fires: ["2013-01-01", "2013-01-07", "2013-01-08", "2013-01-14"].map((day) => `${day}T10:15Z`) },
  { source: from("using non-standard second field (wildcard)"), cron: "* * * * * *", from: "2012-12-26T14:38:00Z", fires: at("2012-12-26", ["14:38:01", "14:38:02", "14:38:03"]) },
  { source: from("using non-standard second field (step)"), cron: "*/20 * * * * *", from: "2012-12-26T14:38:00Z", fires: at("2012-12-26", ["14:38:20", "14:38:40", "14:39:00"]) },
  { source: from("using non-standard second field (range)"), cron: "20-40/10 * * * * *", from: "2012-12-26T14:38:00Z", fires: at("2012-12-26", ["14:38:20", "14:38:30", "14:38:40"]) },
  { source: from("using explicit month definition and */5 day of month step"), cron: "0 12 */5 6 *", from: "2019-06-01T11:00:00Z", fires: ["01", "06", "11", "16", "21", "26"].map((day) => `2019-06-${day}T12:00Z`).concat("2020-06-01T12:00Z") },
  { source: from("using explicit month definition and */5 day of month step"), cron: "0 15 */5 5 *", from: "2019-05-01T11:00:00Z", fires: ["01", "06", "11", "16", "21", "26", "31"].map((day) => `2019-05-${day}T15:00Z`).concat("2020-05-01T15:00Z") },
  { source: from("day of month combined with nth day of week (OR)"), cron: "0 0 0 8 * 5#3", from: "2024-01-01T00:00:00Z", fires: midnights(["2024-01-08", "2024-01-19", "2024-02-08", "2024-02-16", "2024-03-08", "2024-03-15"]) },
  { source: from("day of month is unspecified"), cron: "10 2 ? * 3", from: "2023-04-29T00:00:00Z", fires: ["05-03", "05-10", "05-17", "05-24", "05-31", "06-07", "06-14", "06-21", "06-28", "07-05"].map((day) => `2023-${day}T02:10Z`) },
  { source: from("day of month is wildcard, month and day of week are both set"), cron: "0 0 * 6 2", from: "2021-05-31T12:00:00Z", fires: midnights(["2021-06-01", "2021-06-08", "2021-06-15", "2021-06-22", "2021-06-29"]) },
  { source: from("day of month contains multiple ranges and day of week is wildcard"), cron: "0 0 0 2-4,7-31 * *", from: "2012-12-01T14:38:53Z", fires: midnights(["2012-12-02", "2012-12-03", "2012-12-04", "2012-12-07", "2012-12-08"]) },
  {
    source: from("day of month and week are both set and dow is 6-7"), cron: "10 2 12 8 6-7", from: "2012-12-26T14:38:53Z",
    fires: ["2013-08-03", "2013-08-04", "2013-08-10", "2013-08-11", "2013-08-12", "2013-08-17", "2013-08-18", "2013-08-24", "2013-08-25", "2013-08-31", "2014-08-02", "2014-08-03", "2014-08-09", "2014-08-10", "2014-08-12"].map((day) => `${day}T02:10Z`),
  },
  { source: from("day of month validation should be ignored when day of month is wildcard and month is set"), cron: "* * * * 2 *", from: "2020-05-01T15:00:00Z", fires: ["2021-02-01T00:00:00Z"] },
  { source: from("should sort ranges and values in ascending order"), cron: "0 12,13,10,1-3 * * *", from: "2012-12-26T14:38:53Z", fires: at("2012-12-27", ["01:00", "02:00", "03:00", "10:00", "12:00", "13:00"]) },
  ...["30 16 * * 6,7", "30 16 * * 6,0", "30 16 * * 0,6", "30 16 * * 7,6"].map((cron): FireCase => ({ source: from("dow 6,7 6,0 0,6 7,6 should be equivalent"), cron, from: "2012-12-26T14:38:53Z", fires: ["2012-12-29T16:30Z", "2012-12-30T16:30Z", "2013-01-05T16:30Z"] })),
  ...["0 9,11,1 * * *", "0 1,9,11 * * *"].map((cron): FireCase => ({ source: from("hour 0 9,11,1 * * * and 0 1,9,11 * * * should be equivalent"), cron, from: "2012-12-26T00:00:00Z", fires: [...at("2012-12-26", ["01:00", "09:00", "11:00"]), ...at("2012-12-27", ["01:00", "09:00", "11:00"])] })),
  { source: from("it will work with #139 issue case"), cron: "0 0 0 1,2 * *", timezone: "Europe/Madrid", from: "2018-11-15T16:15:33.522Z", fires: ["2018-12-01T00:00+01:00"] },
  ...([
    ["0 0 0 ? * 0#1", ["2019-05-05", "2019-06-02", "2019-07-07", "2019-08-04"]],
    ["0 0 0 ? * 0#2", ["2019-05-12", "2019-06-09", "2019-07-14", "2019-08-11"]],
    ["0 0 0 ? * 0#3", ["2019-05-19", "2019-06-16", "2019-07-21", "2019-08-18"]],
    ["0 0 0 ? * 0#4", ["2019-05-26", "2019-06-23", "2019-07-28", "2019-08-25"]],
    ["0 0 0 ? * 0#5", ["2019-06-30", "2019-09-29", "2019-12-29", "2020-03-29"]],
  ] as const).map(([cron, dates]): FireCase => ({ source: from("should work for valid first/second/third/fourth/fifth occurrence dayOfWeek (# char)"), cron, from: "2019-04-30T00:00:00Z", fires: midnights([...dates]) })),
  { source: from("should work for valid second sunday in May"), cron: "0 0 0 ? MAY 0#2", from: "2023-05-06T00:00:00Z", fires: midnights(["2023-05-14", "2024-05-12", "2025-05-11", "2026-05-10", "2027-05-09", "2028-05-14"]) },
  { source: from("should work for valid second sunday at noon in May"), cron: "0 0 12 ? MAY 0#2", from: "2019-05-12T11:59:00Z", fires: ["2019-05-12T12:00Z"] },
  { source: from("should work with both dayOfMonth and nth occurrence of dayOfWeek"), cron: "0 0 0 16,18 * 3#3", from: "2019-04-01T00:00:00Z", fires: midnights(["2019-04-16", "2019-04-17", "2019-04-18", "2019-05-15", "2019-05-16", "2019-05-18"]) },
  { source: from("correctly handle 0 12 1-31 * 1 (#284)"), cron: "0 12 1-31 * 1", from: "2022-10-30T14:00:00Z", fires: ["2022-10-31", "2022-11-01", "2022-11-02", "2022-11-03", "2022-11-04", "2022-11-05", "2022-11-06", "2022-11-07"].map((day) => `${day}T12:00Z`) },
  { source: from("Leap Year: handle leap year with starting date 0 0 29 2 *"), cron: "0 0 29 2 *", from: "2020-01-01T00:00:00Z", fires: midnights(["2020-02-29", "2024-02-29", "2028-02-29"]) },
  // Time zones and DST (Europe/Athens: 2016-03-27 03:00 -> 04:00, 2016-10-30 04:00 -> 03:00)
  { source: from("timezones and DST tests: It works on DST start"), cron: "0 * * * *", timezone: "Europe/Athens", from: "2016-03-27T02:00:01+02:00", fires: ["2016-03-27T04:00+03:00", "2016-03-27T05:00+03:00"] },
  { source: from("timezones and DST tests: It works on DST start"), cron: "30 2 * * *", timezone: "Europe/Athens", from: "2016-03-27T02:00:01+02:00", fires: ["2016-03-27T02:30+02:00", "2016-03-28T02:30+03:00"] },
  { source: from("timezones and DST tests: It works on DST start"), cron: "0 3 * * *", timezone: "Europe/Athens", from: "2016-03-27T02:00:01+02:00", fires: ["2016-03-27T04:00+03:00", "2016-03-28T03:00+03:00"] },
  {
    source: from("timezones and DST tests: It works on DST start"), cron: "*/20 3 * * *", timezone: "Europe/Athens", from: "2016-03-27T02:00:01+02:00",
    fires: ["2016-03-27T04:00+03:00", "2016-03-27T04:20+03:00", "2016-03-27T04:40+03:00", "2016-03-28T03:00+03:00"],
    differs: { id: "dst-gap-shifted", fires: ["2016-03-27T04:00+03:00", "2016-03-28T03:00+03:00", "2016-03-28T03:20+03:00"] },
  },
  { source: from("timezones and DST tests: It works on DST start"), cron: "0 * 27 * *", timezone: "Europe/Athens", from: "2016-03-27T00:00:01+02:00", fires: ["2016-03-27T01:00+02:00", "2016-03-27T02:00+02:00", "2016-03-27T04:00+03:00", "2016-03-27T05:00+03:00"] },
  { source: from("timezones and DST tests: It works on DST end 2016-10-30 02:00:01 - 0 * * * *"), cron: "0 * * * *", timezone: "Europe/Athens", from: "2016-10-30T02:00:01+03:00", fires: ["2016-10-30T03:00+03:00", "2016-10-30T03:00+02:00", "2016-10-30T04:00+02:00"] },
  {
    source: from("timezones and DST tests: works on DST end 2016-10-30 02:00:01 - 0 3 * * *"), cron: "0 3 * * *", timezone: "Europe/Athens", from: "2016-10-30T02:00:01+03:00",
    fires: ["2016-10-30T03:00+03:00", "2016-10-31T03:00+02:00"],
    differs: { id: "dst-repeat-first-occurrence", fires: ["2016-10-30T03:00+02:00", "2016-10-31T03:00+02:00"] },
  },
  {
    source: from("timezones and DST tests: works on DST end 2016-10-30 02:00:01 - */20 3 * * *"), cron: "*/20 3 * * *", timezone: "Europe/Athens", from: "2016-10-30T02:00:01+03:00",
    fires: ["2016-10-30T03:00+03:00", "2016-10-30T03:20+03:00", "2016-10-30T03:40+03:00", "2016-10-31T03:00+02:00"],
    differs: { id: "dst-repeat-first-occurrence", fires: ["2016-10-30T03:00+02:00", "2016-10-30T03:20+02:00", "2016-10-30T03:40+02:00", "2016-10-31T03:00+02:00"] },
  },
  { source: from("timezones and DST tests: works on DST end 2016-10-30 00:00:01 - 0 * 30 * *"), cron: "0 * 30 * *", timezone: "Europe/Athens", from: "2016-10-30T00:00:01+03:00", fires: ["2016-10-30T01:00+03:00", "2016-10-30T02:00+03:00", "2016-10-30T03:00+03:00", "2016-10-30T03:00+02:00", "2016-10-30T04:00+02:00"] },
  ...["01:00", "02:59", "02:59:59"].map((time): FireCase => ({
    source: from("timezones and DST tests: works on DST end 2016-10-30 00:00:01 - 0 * * * *  DST offset via ISO 8601 format"), cron: "0 12 * * *", timezone: "Europe/Athens",
    from: `2016-10-29T${time}+02:00`, fires: ["2016-10-29T12:00+03:00", "2016-10-30T12:00+02:00", "2016-10-31T12:00+02:00"],
  })),
  { source: from("timezones and DST tests: it will work with #131 issue case"), cron: "0 9 1 1 *", timezone: "America/Sao_Paulo", from: "2018-10-30T02:59:00+02:00", fires: ["2019-01-01T09:00-02:00"] },
  { source: from("timezones and DST tests: works with #137 issue case"), cron: "0 12 * * 3", timezone: "America/New_York", from: "2018-10-28T00:00:00Z", fires: ["2018-10-31T12:00-04:00"] },
  { source: from("timezones and DST tests: handles DST transition day with hour jump using step-by-step method"), cron: "0 4,5 * * *", timezone: "Europe/Athens", from: "2016-03-27T01:30+02:00", fires: ["2016-03-27T04:00+03:00", "2016-03-27T05:00+03:00"] },
  { source: from("timezones and DST tests: does not overshoot target hour on spring-forward DST day (forward)"), cron: "0 8 * * 0", timezone: "America/Chicago", from: "2026-03-08T05:45:00Z", fires: ["2026-03-08T13:00:00Z"] },
  // The "L" flag (September 2021: last Monday 27, ..., last Friday 24, last Sunday 26)
  ...([["0 0 0 * * 1L", 27], ["0 0 0 * * 2L", 28], ["0 0 0 * * 3L", 29], ["0 0 0 * * 4L", 30], ["0 0 0 * * 5L", 24], ["0 0 0 * * 6L", 25], ["0 0 0 * * 0L", 26], ["0 0 0 * * 7L", 26]] as const).map(([cron, day]): FireCase => ({
    source: from('test expressions with "L" last of flag: parses cron with last weekday of the month'), cron, from: "2021-09-01T00:00:00Z", fires: [`2021-09-${day}T00:00Z`],
  })),
  { source: from('test expressions with "L" last of flag: parses cron with last day in a month (wildcard month)'), cron: "0 0 L * *", from: "2014-01-01T00:00:00Z", fires: midnights(["2014-01-31", "2014-02-28", "2014-03-31", "2014-04-30", "2014-05-31", "2014-06-30", "2014-07-31", "2014-08-31", "2014-09-30", "2014-10-31"]) },
  { source: from('test expressions with "L" last of flag: parses cron with last day in a month (explicit month)'), cron: "0 0 L 10 *", from: "2014-01-01T00:00:00Z", fires: midnights(["2014-10-31", "2015-10-31", "2016-10-31"]) },
  { source: from('test expressions with "L" last of flag: parses cron with last day in feb'), cron: "0 0 L 2 *", from: "2014-01-01T00:00:00Z", fires: midnights(["2014-02-28", "2015-02-28", "2016-02-29"]) },
  { source: from('test expressions with "L" last of flag: parses cron with mix of sequence and range and last day in feb'), cron: "0 0 1,3,6-8,L 2 *", from: "2014-01-01T00:00:00Z", fires: midnights(["2014-02-01", "2014-02-03", "2014-02-06", "2014-02-07", "2014-02-08", "2014-02-28"]) },
  { source: from('test expressions with "L" last of flag: parses expression that runs on both last monday and friday of the month'), cron: "0 0 0 * * 1L,5L", from: "2021-09-01T00:00:00Z", fires: midnights(["2021-09-24", "2021-09-27"]) },
  // DST handling - Europe/Rome (spring forward on 2025-03-30, 02:00 -> 03:00)
  {
    source: from("DST handling - Europe/Rome (Spring Forward): should handle DST gap (02:30 does not exist)", EXPRESSION), cron: "30 2 * * 7", timezone: "Europe/Rome", from: "2025-03-28T23:59:59Z",
    fires: ["2025-03-30T01:30:00Z"], differs: { id: "dst-gap-shifted", fires: ["2025-03-30T01:00:00Z"] },
  },
  ...([["0 3 * * 7", "2025-03-30T01:00:00Z"], ["0 4 * * 7", "2025-03-30T02:00:00Z"], ["0 5 * * 7", "2025-03-30T03:00:00Z"]] as const).map(([cron, instant]): FireCase => ({
    source: from("DST handling - Europe/Rome (Spring Forward): should return valid occurrence after DST gap", EXPRESSION), cron, timezone: "Europe/Rome", from: "2025-03-28T23:59:59Z", fires: [instant],
  })),
  {
    source: from("DST handling - Europe/Rome (Spring Forward): iterator should remain stable across DST gap", EXPRESSION), cron: "0 * * * 7", timezone: "Europe/Rome", from: "2025-03-29T00:00:00Z",
    fires: ["2025-03-29T23:00:00Z", ...["00", "01", "02", "03", "04", "05", "06", "07", "08"].map((hour) => `2025-03-30T${hour}:00:00Z`)],
  },
  { source: from("should support nth day of week", EXPRESSION), cron: "0 0 0 * * 1#3", from: "2023-01-01T00:00:00Z", fires: ["2023-01-16T00:00Z"] },
  { source: from("should support last weekday of month", EXPRESSION), cron: "0 0 0 * * 1L", from: "2023-01-01T00:00:00Z", fires: ["2023-01-30T00:00Z"] },
];

const valid = (test: string, crons: string[]): ValidityCase[] => crons.map((cron) => ({ source: from(test), cron, valid: true }));
const invalid = (test: string, crons: string[]): ValidityCase[] => crons.map((cron) => ({ source: from(test), cron, valid: false }));

export const cronParserValidity: ValidityCase[] = [
  ...invalid("invalid expression", [
    "61 * * * * *", "-1 * * * * *", "- * * * * *", "* 32,72 * * * *", "* * 12-36 * * *", "* * * 10-15,40 * *", "* * * * */10,12-13 *", "* * * * * 9", "* * * * * * * *ASD",
    "0 0 31 4 *", "10 ! 12 8 0", "10 x 12 8 0", "10 ) 12 8 0", "10 */A 12 8 0", "10 0-z 12 8 0", "10 0,1,z 12 8 0", "0 */0 * * *", "0 */-5 * * *", "0 5/5/5 * * *",
    "15 10 * * MON-TUR", "*/10 * * * * ,", "*/10 * * * * ,2", "0 0 0 ? * 1/2#3", "0 0 0 ? * 0,6#4", "0 0 0 ? * 1.2#2", "0 0 0 ? * 1#", "0 0 0 ? * 1#0", "0 0 0 ? * 4#6", "0 0 0 ? * 0##4",
  ]),
  // croniter reads a range whose start is after its end as wrapping around ("fri-mon"); cron-parser rejects it.
  { source: from("invalid expression: range order is invalid"), cron: "30-20 * * * * *", valid: false, differs: { id: "wrapping-range" } },
  // croniter accepts a weekday range before "#" ("MON-FRI#1"); cron-parser rejects it.
  { source: from("invalid expression: cannot combine `-` range and # occurrence special characters"), cron: "0 0 0 ? * 2-4#2", valid: false, differs: { id: "weekday-range-with-nth" } },
  ...["0,0 0 0 1 1 0", "0,0 * * * *", "0 0,0 * * *", "0 0 * * 0,0", "0 0 * * 0,7", "0 0 * * 7,0", "0,0,0 * * * *", "0 0 * * 0,0,0"].map((cron): ValidityCase => ({
    source: from("invalid expression: duplicated values are rejected"), cron, valid: false, differs: { id: "duplicate-values" },
  })),
  ...invalid('test expressions with "L" last of flag: throws when parsing a standalone last weekday of the month marker', ["0 0 0 * * L", "0 0 0 * * 1,L"]),
  ...invalid("test expressions using hashed extension syntax: throws error for invalid step", ["H/0 * * * *", "H(10-5) * * * *", "H(1-10)/0 * * * *"]),
  ...valid("lists that contain a single zero are accepted", ["0,30 * * * *", "0-5 * * * *"]),
  ...valid("range with the same start and end value", ["*/10 2-2 * * *"]),
  ...valid("predefined expression", ["@yearly"]),
  ...valid("explicit day of month rescued by a restricted day of week", ["0 0 31 2 1-5"]),
  ...valid("default expression (tab as field separator)", ["*\t*\t*\t*\t*", "* \t    *\t \t  *   *  \t \t  *"]),
  ...valid("should correctly determine if a given expression includes a CronDate (#153 and #299)", ["* * 1-6 ? * *"]),
  { source: from("pads a four field expression with a zero second and a wildcard minute"), cron: "20 15 * *", valid: true, differs: { id: "four-fields" } },
  { source: from("test expressions using hashed extension syntax: parses without a seed every time"), cron: "H(1-5)/10 * * * *", valid: true, differs: { id: "hashed-values" } },
  { source: from('test expressions with "L" last of flag: parses expression that runs on both every monday and last friday of month'), cron: "0 0 0 * * 1,5L", valid: true, differs: { id: "mixed-weekday-forms" } },
];
