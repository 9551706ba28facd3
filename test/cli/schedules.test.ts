/** `tributary schedules preview`: the next ticks of a project's schedule, in text and JSON. */
import assert from "node:assert/strict";
import { tempProject } from "../loader/fixtures";
import { runMain } from "./helpers";

const DEFINITIONS = `import { asset, definitions, schedule } from "tributary-ts";
export const a = asset({ key: "a" }, () => 1);
export const nightly = schedule({ name: "nightly", cron: "30 2 * * *", timezone: "Europe/Berlin", selection: "a" });
export default definitions({ assets: [a], schedules: [nightly] });
`;

describe("tributary schedules preview", () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));
  const project = (): string => {
    const made = tempProject({ "definitions.ts": DEFINITIONS });
    cleanups.push(made.cleanup);
    return made.dir;
  };

  it("prints the next ticks as JSON UTC instants, the spring-forward one when the gap ends", async () => {
    const outcome = await runMain(["schedules", "preview", "nightly", "--from", "2023-03-25T12:00:00Z", "--count", "3", "--json"], project());
    assert.equal(outcome.code, 0, outcome.stderr);
    assert.deepEqual(JSON.parse(outcome.stdout), ["2023-03-26T01:00:00.000Z", "2023-03-27T00:30:00.000Z", "2023-03-28T00:30:00.000Z"]);
  });

  it("prints each tick in UTC and on the schedule's wall clock", async () => {
    const outcome = await runMain(["schedules", "preview", "nightly", "--from", "2023-10-28T12:00:00Z", "--count", "1"], project());
    assert.equal(outcome.code, 0, outcome.stderr);
    assert.equal(outcome.stdout, 'nightly: "30 2 * * *" in Europe/Berlin\n2023-10-29T01:30:00.000Z  2023-10-29 02:30:00 +01:00 Europe/Berlin\n');
  });

  it("exits 2 naming the known schedules for an unknown name, and for a bad --from or --count", async () => {
    const dir = project();
    const unknown = await runMain(["schedules", "preview", "nighty"], dir);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no schedule named "nighty"\nhint: Known: nightly\./);
    assert.equal((await runMain(["schedules", "preview", "nightly", "--from", "yesterday"], dir)).code, 2);
    assert.equal((await runMain(["schedules", "preview", "nightly", "--count", "0"], dir)).code, 2);
    assert.equal((await runMain(["schedules", "preview"], dir)).code, 2);
  });
});
