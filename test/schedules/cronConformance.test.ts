/**
 * The peers' own cron cases (Dagster's cron string iterator tests, croniter's and cron-parser's
 * tests) run against Tributary's engine. Every case agrees, or carries the id of a difference that
 * docs/schedules.md lists with its reason; a difference without its line in the docs fails too.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { cronProblem, nextFireTimes, parseCron } from "../../runtime/src/schedules";
import { croniterFires, croniterValidity } from "./vectors/croniter";
import { cronParserFires, cronParserValidity } from "./vectors/cronParser";
import { dagsterFires, dagsterSequences, dagsterValidity } from "./vectors/dagster";
import type { CaseSource, FireCase, SequenceCase, ValidityCase } from "./vectors/types";

const iso = (text: string): string => new Date(Date.parse(text)).toISOString();
const label = (source: CaseSource, cron: string, timezone = "UTC"): string => `${source.peer} ${source.file} ${source.test}: "${cron}" in ${timezone}`;

function ticks(cron: string, timezone: string, fromMs: number, count: number): string[] {
  return nextFireTimes(parseCron(cron, timezone), fromMs, count).map((instant) => new Date(instant).toISOString());
}

/** Dagster's own check: from before the first time, from each time, and from points between two. */
function checkSequence(sequence: SequenceCase): void {
  const times = sequence.times.map(iso);
  const at = (fromMs: number, expected: string[], where: string): void =>
    assert.deepEqual(ticks(sequence.cron, sequence.timezone, fromMs, expected.length), expected, `${label(sequence.source, sequence.cron, sequence.timezone)}, from ${where}`);
  at(Date.parse(times[0]!) - 1000, times, "just before the first time");
  for (let i = 0; i < times.length - 1; i++) {
    const start = Date.parse(times[i]!);
    const end = Date.parse(times[i + 1]!);
    at(start, times.slice(i + 1), times[i]!);
    for (let step = 1; step <= 10; step++) {
      const between = start + Math.floor(((end - start - 1) * step) / 10);
      at(between, times.slice(i + 1), new Date(between).toISOString());
    }
  }
}

function checkFires(fire: FireCase): void {
  const expected = (fire.differs?.fires ?? fire.fires).map(iso);
  const timezone = fire.timezone ?? "UTC";
  assert.deepEqual(ticks(fire.cron, timezone, Date.parse(fire.from), expected.length), expected, `${label(fire.source, fire.cron, timezone)}, from ${fire.from}`);
}

function checkValidity(validity: ValidityCase): void {
  const valid = validity.differs ? !validity.valid : validity.valid;
  const problem = cronProblem(validity.cron);
  assert.equal(problem === undefined, valid, `${label(validity.source, validity.cron)} is ${valid ? "valid" : "invalid"}${problem ? ` (said: ${problem})` : ""}`);
}

const docs = readFileSync(path.join(__dirname, "..", "..", "docs", "schedules.md"), "utf8");

describe("cron conformance with the peers' own test cases", () => {
  const suites: { peer: string; sequences: SequenceCase[]; fires: FireCase[]; validity: ValidityCase[] }[] = [
    { peer: "Dagster", sequences: dagsterSequences, fires: dagsterFires, validity: dagsterValidity },
    { peer: "croniter", sequences: [], fires: croniterFires, validity: croniterValidity },
    { peer: "cron-parser", sequences: [], fires: cronParserFires, validity: cronParserValidity },
  ];
  for (const suite of suites) {
    const total = suite.sequences.length + suite.fires.length + suite.validity.length;
    const differing = [...suite.fires, ...suite.validity].filter((item) => item.differs).length;
    it(`agrees with ${suite.peer} on its ${total} cases, ${differing} documented differences aside`, () => {
      for (const sequence of suite.sequences) checkSequence(sequence);
      for (const fire of suite.fires) checkFires(fire);
      for (const validity of suite.validity) checkValidity(validity);
    });
  }

  it("lists every difference left in docs/schedules.md with its reason", () => {
    const ids = new Set([...croniterFires, ...croniterValidity, ...cronParserFires, ...cronParserValidity, ...dagsterFires, ...dagsterValidity].flatMap((item) => (item.differs ? [item.differs.id] : [])));
    for (const id of ids) assert.match(docs, new RegExp(`\\| \`${id}\` \\|`), `docs/schedules.md lists the difference "${id}"`);
  });
});
