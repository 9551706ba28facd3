/**
 * Which frames of a failure's stack are the user's (the run page shows them first and folds the
 * rest; the CLI points at the first of them): decided by the frame's path alone.
 */
import * as assert from "node:assert/strict";
import { isUserFrameFile, parseStackFrames, splitStack, userErrorChain, type SerializedError } from "../../runtime/src/wire";

/** A worker's stack as V8 prints it with source maps: the user's asset, the installed runtime, Node. */
const INSTALLED = [
  "Error: the shop export is missing",
  "    at loadCustomers (/home/me/warehouse/ops/utilities.ts:41:11)",
  "    at Object.fn (/home/me/warehouse/assets/raw.ts:36:18)",
  "    at /home/me/warehouse/node_modules/tributary-ts/dist/execution/stepRunner.js:92:58",
  "    at new Promise (<anonymous>)",
  "    at runOneAttempt (/home/me/warehouse/node_modules/tributary-ts/dist/execution/stepRunner.js:92:18)",
  "    at async runWithRetries (file:///home/me/warehouse/node_modules/tributary-ts/dist/execution/stepRunner.js:42:20)",
  "    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)",
].join("\n");

describe("stack frames: the user's first", () => {
  it("counts a frame as the user's when its path is absolute and not under node_modules, node:, a bundle or Tributary's own source", () => {
    assert.equal(isUserFrameFile("/home/me/warehouse/assets/raw.ts"), true);
    assert.equal(isUserFrameFile("C:\\Users\\me\\warehouse\\assets\\raw.ts"), true, "a Windows path");
    assert.equal(isUserFrameFile("/home/me/warehouse/node_modules/pg/lib/client.js"), false);
    assert.equal(isUserFrameFile("C:\\Users\\me\\warehouse\\node_modules\\pg\\lib\\client.js"), false);
    assert.equal(isUserFrameFile("node:internal/process/task_queues"), false);
    assert.equal(isUserFrameFile("/home/me/warehouse/.tributary/build/entry-0123abcd.js"), false, "a bundle no source map mapped back");
    assert.equal(isUserFrameFile("/home/me/src/tributary/runtime/dist/execution/stepRunner.js"), false, "the package linked from a checkout");
    assert.equal(isUserFrameFile("<anonymous>"), false);
    assert.equal(isUserFrameFile("assets/raw.ts"), false, "a relative path is no file V8 ran");
  });

  it("parses named, anonymous, async and file:// frames, and skips frames without a position", () => {
    assert.deepEqual(parseStackFrames(INSTALLED).map((frame) => `${frame.functionName ?? "-"} ${frame.file}:${frame.line}:${frame.column}`), [
      "loadCustomers /home/me/warehouse/ops/utilities.ts:41:11",
      "Object.fn /home/me/warehouse/assets/raw.ts:36:18",
      "- /home/me/warehouse/node_modules/tributary-ts/dist/execution/stepRunner.js:92:58",
      "runOneAttempt /home/me/warehouse/node_modules/tributary-ts/dist/execution/stepRunner.js:92:18",
      "runWithRetries /home/me/warehouse/node_modules/tributary-ts/dist/execution/stepRunner.js:42:20",
      "process.processTicksAndRejections node:internal/process/task_queues:95:5",
    ]);
  });

  it("splits a stack into its message, the user's frames in order, and every other frame (those without a position too)", () => {
    const split = splitStack(INSTALLED);
    assert.equal(split.head, "Error: the shop export is missing");
    assert.deepEqual(split.userFrames, ["at loadCustomers (/home/me/warehouse/ops/utilities.ts:41:11)", "at Object.fn (/home/me/warehouse/assets/raw.ts:36:18)"]);
    assert.equal(split.runtimeFrames.length, 5);
    assert.equal(split.runtimeFrames[1], "at new Promise (<anonymous>)");
    assert.equal(split.runtimeFrames[4], "at process.processTicksAndRejections (node:internal/process/task_queues:95:5)");
  });

  it("keeps a message of several lines whole, and a user frame below runtime frames among the user's", () => {
    const split = splitStack("Error: bad rows:\n  row 3\n  row 9\n    at node:internal/x:1:1\n    at cb (/p/assets/a.ts:2:3)");
    assert.equal(split.head, "Error: bad rows:\n  row 3\n  row 9");
    assert.deepEqual(split.userFrames, ["at cb (/p/assets/a.ts:2:3)"]);
    assert.deepEqual(split.runtimeFrames, ["at node:internal/x:1:1"]);
    assert.deepEqual(splitStack("just a message"), { head: "just a message", userFrames: [], runtimeFrames: [] });
  });

  it("shows what the user's code threw, and its causes, without the runtime's UserCodeError around it", () => {
    const thrown: SerializedError = { name: "Error", message: "boom", stack: "Error: boom", cause: { name: "TypeError", message: "x is undefined" } };
    const wrapped: SerializedError = { name: "UserCodeError", message: 'asset "raw" failed: boom', stack: "UserCodeError: ...", cause: thrown };
    assert.deepEqual(userErrorChain(wrapped).map((error) => error.name), ["Error", "TypeError"]);
    const timeout: SerializedError = { name: "StepTimeoutError", message: 'step "raw" timed out after 50 ms' };
    assert.deepEqual(userErrorChain(timeout), [timeout], "no wrapper: the error itself");
    assert.deepEqual(userErrorChain({ name: "UserCodeError", message: "m" }).map((error) => error.name), ["UserCodeError"], "a wrapper without a cause stays");
  });
});
