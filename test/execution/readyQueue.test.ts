import assert from "node:assert/strict";
import { ReadyQueue, type QueuedStep, type StepState } from "../../runtime/src/execution/readyQueue";
import { TributaryError } from "../../runtime/src/errors";

/**
 * One move of a script and what the queue must answer:
 * - `["start", [...]]`: `start()` returns exactly these steps, in this order;
 * - `["succeed X"]`, `["fail X", [...]]`, `["canceled X"]`: `finish(X, ...)` skips exactly these
 *   steps (`"key: reason"`), none when left out;
 * - `["cancel"]`: the run is canceled; `["abandon", [...]]`: `abandonRunning()` returns these.
 */
type Move = [string, string[]?];

interface Case {
  name: string;
  /** Each step and its upstream steps, in a topological order. */
  graph: Record<string, string[]>;
  maxConcurrency: number;
  script: Move[];
  /** Every step's state once the script has run. */
  states: Record<string, StepState>;
  done: boolean;
}

function stepsOf(graph: Record<string, string[]>): QueuedStep[] {
  const downstream = new Map<string, string[]>(Object.keys(graph).map((key) => [key, []]));
  for (const [stepKey, upstreamSteps] of Object.entries(graph)) for (const up of upstreamSteps) downstream.get(up)!.push(stepKey);
  return Object.entries(graph).map(([stepKey, upstreamSteps]) => ({ stepKey, upstreamSteps, downstreamSteps: downstream.get(stepKey)! }));
}

function play(queue: ReadyQueue, script: Move[]): void {
  for (const [index, [move, expected = []]] of script.entries()) {
    const [verb, stepKey] = move.split(" ") as [string, string | undefined];
    const where = `move ${index + 1} (${move})`;
    let answer: string[] = [];
    if (verb === "start") answer = queue.start();
    else if (verb === "succeed" || verb === "fail" || verb === "canceled") {
      const status = verb === "succeed" ? "SUCCESS" : verb === "fail" ? "FAILURE" : "CANCELED";
      answer = queue.finish(stepKey!, status).map((skip) => `${skip.stepKey}: ${skip.reason}`);
    } else if (verb === "cancel") queue.cancel();
    else if (verb === "abandon") answer = queue.abandonRunning();
    else throw new Error(`unknown move ${move}`);
    assert.deepEqual(answer, expected, where);
  }
}

const cases: Case[] = [
  {
    name: "diamond: the join starts only once both branches succeeded, the branches side by side",
    graph: { a: [], b: ["a"], c: ["a"], d: ["b", "c"] },
    maxConcurrency: 4,
    script: [["start", ["a"]], ["succeed a"], ["start", ["b", "c"]], ["succeed c"], ["start", []], ["succeed b"], ["start", ["d"]], ["succeed d"]],
    states: { a: "SUCCESS", b: "SUCCESS", c: "SUCCESS", d: "SUCCESS" },
    done: true,
  },
  {
    name: "diamond: a failed branch skips the join, the other branch runs to its end",
    graph: { a: [], b: ["a"], c: ["a"], d: ["b", "c"], e: ["c"] },
    maxConcurrency: 4,
    script: [
      ["start", ["a"]],
      ["succeed a"],
      ["start", ["b", "c"]],
      ["fail b", ['d: upstream step "b" failed']],
      ["succeed c"],
      ["start", ["e"]],
      ["succeed e"],
    ],
    states: { a: "SUCCESS", b: "FAILURE", c: "SUCCESS", d: "SKIPPED", e: "SUCCESS" },
    done: true,
  },
  {
    name: "failure skips everything downstream, each skip naming the step before it",
    graph: { a: [], b: ["a"], c: ["b"], d: ["b"], other: [] },
    maxConcurrency: 2,
    script: [
      ["start", ["a", "other"]],
      ["fail a", ['b: upstream step "a" failed', 'c: upstream step "b" was skipped', 'd: upstream step "b" was skipped']],
      ["start", []],
      ["succeed other"],
      ["start", []],
    ],
    states: { a: "FAILURE", b: "SKIPPED", c: "SKIPPED", d: "SKIPPED", other: "SUCCESS" },
    done: true,
  },
  {
    // Retries happen inside the running step (stepRunner.ts): the queue hears of the final outcome only.
    name: "retries: a step retrying in its runner keeps its slot, and its downstream waits for the final outcome",
    graph: { flaky: [], down: ["flaky"], waiting: [] },
    maxConcurrency: 1,
    script: [["start", ["flaky"]], ["start", []], ["succeed flaky"], ["start", ["waiting"]], ["succeed waiting"], ["start", ["down"]], ["succeed down"]],
    states: { flaky: "SUCCESS", down: "SUCCESS", waiting: "SUCCESS" },
    done: true,
  },
  {
    name: "retries given up: the step fails once, after its last attempt, and its downstream is skipped",
    graph: { flaky: [], down: ["flaky"] },
    maxConcurrency: 2,
    script: [["start", ["flaky"]], ["start", []], ["fail flaky", ['down: upstream step "flaky" failed']]],
    states: { flaky: "FAILURE", down: "SKIPPED" },
    done: true,
  },
  {
    name: "max concurrency: six roots run three at a time, a freed slot taken in plan order",
    graph: { p: [], q: [], r: [], s: [], t: [], u: [] },
    maxConcurrency: 3,
    script: [["start", ["p", "q", "r"]], ["start", []], ["succeed q"], ["start", ["s"]], ["succeed p"], ["succeed r"], ["start", ["t", "u"]], ["succeed s"], ["succeed t"], ["succeed u"]],
    states: { p: "SUCCESS", q: "SUCCESS", r: "SUCCESS", s: "SUCCESS", t: "SUCCESS", u: "SUCCESS" },
    done: true,
  },
  {
    name: "max concurrency 1: steps run one by one, ready ones in the order they became ready",
    graph: { a: [], b: [], c: ["a"] },
    maxConcurrency: 1,
    script: [["start", ["a"]], ["succeed a"], ["start", ["b"]], ["succeed b"], ["start", ["c"]], ["succeed c"]],
    states: { a: "SUCCESS", b: "SUCCESS", c: "SUCCESS" },
    done: true,
  },
  {
    // The output writer decides (outputs.test.ts); to the queue a blocked step is a failed one.
    name: "blocking check failed: the step ends FAILURE, its downstream is skipped, an independent branch goes on",
    graph: { checked: [], report: ["checked"], side: [] },
    maxConcurrency: 2,
    script: [["start", ["checked", "side"]], ["fail checked", ['report: upstream step "checked" failed']], ["succeed side"], ["start", []]],
    states: { checked: "FAILURE", report: "SKIPPED", side: "SUCCESS" },
    done: true,
  },
  {
    name: "non-blocking (or WARN) check failed: the step ends SUCCESS and its downstream runs",
    graph: { checked: [], report: ["checked"] },
    maxConcurrency: 2,
    script: [["start", ["checked"]], ["succeed checked"], ["start", ["report"]], ["succeed report"]],
    states: { checked: "SUCCESS", report: "SUCCESS" },
    done: true,
  },
  {
    name: "cancel: nothing starts any more, running steps end, the rest stays pending",
    graph: { a: [], b: [], c: ["a"], d: [] },
    maxConcurrency: 2,
    script: [["start", ["a", "b"]], ["cancel"], ["start", []], ["succeed a"], ["start", []], ["canceled b"]],
    states: { a: "SUCCESS", b: "CANCELED", c: "pending", d: "pending" },
    done: true,
  },
  {
    name: "cancel: steps that ignore it are abandoned, their slots freed",
    graph: { stubborn: [], later: [] },
    maxConcurrency: 1,
    script: [["start", ["stubborn"]], ["cancel"], ["abandon", ["stubborn"]]],
    states: { stubborn: "CANCELED", later: "pending" },
    done: true,
  },
  {
    name: "a step canceled on its own (its signal aborted) does not skip its downstream",
    graph: { a: [], b: ["a"] },
    maxConcurrency: 1,
    script: [["start", ["a"]], ["cancel"], ["canceled a"]],
    states: { a: "CANCELED", b: "pending" },
    done: true,
  },
];

describe("ready queue (the run's step state machine)", () => {
  for (const c of cases) {
    it(c.name, () => {
      const queue = new ReadyQueue(stepsOf(c.graph), c.maxConcurrency);
      play(queue, c.script);
      assert.deepEqual(Object.fromEntries(Object.keys(c.graph).map((key) => [key, queue.stateOf(key)])), c.states);
      assert.equal(queue.isDone, c.done);
      assert.equal(queue.running, 0);
      assert.deepEqual(queue.pending(), Object.keys(c.states).filter((key) => c.states[key] === "pending"));
    });
  }

  it("is not done while a step runs or a ready step waits for a slot", () => {
    const queue = new ReadyQueue(stepsOf({ a: [], b: [] }), 1);
    assert.equal(queue.isDone, false, "before anything started");
    queue.start();
    assert.equal(queue.isDone, false, "a running, b waiting");
    assert.equal(queue.hasReady, true);
    queue.finish("a", "SUCCESS");
    assert.equal(queue.isDone, false, "b ready");
    queue.start();
    queue.finish("b", "SUCCESS");
    assert.equal(queue.isDone, true);
  });

  it("skips a 10,000-step chain below a failed root without recursion", () => {
    const graph: Record<string, string[]> = {};
    for (let i = 0; i < 10_000; i++) graph[`n${i}`] = i === 0 ? [] : [`n${i - 1}`];
    const queue = new ReadyQueue(stepsOf(graph), 4);
    assert.deepEqual(queue.start(), ["n0"]);
    const skipped = queue.finish("n0", "FAILURE");
    assert.equal(skipped.length, 9_999);
    assert.equal(skipped.at(-1)?.reason, 'upstream step "n9998" was skipped');
    assert.equal(queue.isDone, true);
  });

  it("refuses to end a step that is not running, naming it and its state (an executor bug, not user code)", () => {
    const queue = new ReadyQueue(stepsOf({ a: [], b: ["a"] }), 2);
    assert.throws(() => queue.finish("b", "SUCCESS"), (error: unknown) => error instanceof TributaryError && /step "b" cannot end SUCCESS: it is pending/.test(error.message));
    queue.start();
    queue.finish("a", "SUCCESS");
    assert.throws(() => queue.finish("a", "FAILURE"), /step "a" cannot end FAILURE: it is SUCCESS/);
    assert.throws(() => queue.stateOf("nope"), /step "nope" is not in this run's plan/);
  });

  it("refuses a concurrency limit below 1", () => {
    assert.throws(() => new ReadyQueue([], 0), /maxConcurrency must be at least 1, not 0/);
  });
});
