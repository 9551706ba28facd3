import assert from "node:assert/strict";
import { asset } from "../../runtime/src/definitions/asset";
import { assetCheck } from "../../runtime/src/definitions/checks";
import { definitions } from "../../runtime/src/definitions/definitions";
import { multiAsset } from "../../runtime/src/definitions/multiAsset";
import { Failure, RetryRequested, DefinitionError } from "../../runtime/src/errors";
import { memoryIOManager } from "../../runtime/src/io/memory";
import { notNull } from "../../runtime/src/checks/builtins";
import { openStorage } from "../../runtime/src/storage";
import { deferred, runInMemory, stepStatus } from "./helpers";

describe("executor (in-process)", () => {
  it("passes upstream values to downstream assets and records materializations", async () => {
    const io = memoryIOManager();
    const a = asset({ key: "a" }, () => [1, 2, 3]);
    const b = asset({ key: "b", deps: [a] }, ({ inputs }) => inputs.a.map((n) => n * 10));
    const c = asset({ key: "c", deps: [a, b] }, ({ inputs }) => inputs.a.length + inputs.b.length);
    const { result, storage } = await runInMemory(definitions({ assets: [a, b, c], resources: { io_manager: io } }));
    assert.equal(result.status, "SUCCESS");
    assert.deepEqual(result.steps.map((s) => s.key), ["a", "b", "c"]);
    assert.deepEqual(io.value.get("b"), [10, 20, 30]);
    assert.equal(io.value.get("c"), 6);
    const latest = await storage.getLatestMaterializations();
    assert.deepEqual(latest.map((m) => m.assetKey).sort(), ["a", "b", "c"]);
    const run = await storage.getRun(result.runId);
    assert.equal(run?.status, "SUCCESS");
  });

  it("runs independent steps concurrently up to the limit and never above it", async () => {
    let running = 0;
    let peak = 0;
    const gate = deferred();
    const started: string[] = [];
    const slow = (key: string) =>
      asset({ key }, async () => {
        running++;
        peak = Math.max(peak, running);
        started.push(key);
        if (started.length === 3) gate.resolve();
        await gate.promise;
        running--;
        return key;
      });
    const assets = ["p", "q", "r", "s", "t", "u"].map(slow);
    const { result } = await runInMemory(definitions({ assets, resources: { io_manager: memoryIOManager() } }), "*", {
      maxConcurrency: 3,
    });
    assert.equal(result.status, "SUCCESS");
    assert.equal(peak, 3);
  });

  it("retries a failing step with backoff and succeeds on a later attempt", async () => {
    let attempts = 0;
    const flaky = asset({ key: "flaky", retry: { maxRetries: 3, delayMs: 5, backoff: "exponential" } }, () => {
      attempts++;
      if (attempts < 3) throw new Error(`transient ${attempts}`);
      return "ok";
    });
    const { result, events } = await runInMemory(definitions({ assets: [flaky], resources: { io_manager: memoryIOManager() } }));
    assert.equal(result.status, "SUCCESS");
    assert.equal(attempts, 3);
    const retries = events.filter((e) => e.type === "STEP_RETRY");
    assert.deepEqual(retries.map((e) => e.data?.delayMs), [5, 10]);
  });

  it("gives up after maxRetries and does not retry a Failure at all", async () => {
    let flakyAttempts = 0;
    let fatalAttempts = 0;
    const flaky = asset({ key: "flaky", retry: { maxRetries: 2, delayMs: 1 } }, () => {
      flakyAttempts++;
      throw new Error("always");
    });
    const fatal = asset({ key: "fatal", retry: { maxRetries: 5, delayMs: 1 } }, () => {
      fatalAttempts++;
      throw new Failure("bad data, retrying will not help");
    });
    const { result } = await runInMemory(definitions({ assets: [flaky, fatal], resources: { io_manager: memoryIOManager() } }));
    assert.equal(result.status, "FAILURE");
    assert.equal(flakyAttempts, 3);
    assert.equal(fatalAttempts, 1);
  });

  it("honours RetryRequested's delay even without a retry policy's delay", async () => {
    let attempts = 0;
    const a = asset({ key: "a", retry: { maxRetries: 1, delayMs: 60_000 } }, () => {
      attempts++;
      if (attempts === 1) throw new RetryRequested("rate limited", { delayMs: 3 });
      return 1;
    });
    const { result } = await runInMemory(definitions({ assets: [a], resources: { io_manager: memoryIOManager() } }));
    assert.equal(result.status, "SUCCESS");
  });

  it("fails a step that exceeds its timeout and aborts its signal", async () => {
    let sawAbort = false;
    const hang = asset({ key: "hang", timeoutMs: 50 }, (ctx) =>
      new Promise((resolve) => {
        ctx.signal.addEventListener("abort", () => {
          sawAbort = true;
          resolve("late");
        });
      }),
    );
    const { result } = await runInMemory(definitions({ assets: [hang], resources: { io_manager: memoryIOManager() } }));
    assert.equal(result.status, "FAILURE");
    assert.match(result.steps[0]!.error ?? "", /timed out after 50 ms/);
    assert.equal(sawAbort, true);
  });

  it("keeps an independent branch going when another fails, and skips the failed branch's downstream with a reason", async () => {
    const bad = asset({ key: "bad" }, () => {
      throw new TypeError("boom");
    });
    const afterBad = asset({ key: "after_bad", deps: [bad] }, () => 1);
    const deeper = asset({ key: "deeper", deps: [afterBad] }, () => 1);
    const good = asset({ key: "good" }, () => 1);
    const afterGood = asset({ key: "after_good", deps: [good] }, () => 2);
    const { result, events } = await runInMemory(
      definitions({ assets: [bad, afterBad, deeper, good, afterGood], resources: { io_manager: memoryIOManager() } }),
    );
    assert.equal(result.status, "FAILURE");
    assert.equal(stepStatus(result, "bad"), "FAILURE");
    assert.equal(stepStatus(result, "after_bad"), "SKIPPED");
    assert.equal(stepStatus(result, "deeper"), "SKIPPED");
    assert.equal(stepStatus(result, "good"), "SUCCESS");
    assert.equal(stepStatus(result, "after_good"), "SUCCESS");
    assert.match(result.steps.find((s) => s.key === "after_bad")!.error!, /upstream step "bad" failed/);
    const failure = events.find((e) => e.type === "STEP_FAILURE")!;
    const error = failure.data?.error as { name: string; cause: { name: string; message: string; stack: string } };
    assert.equal(error.name, "UserCodeError");
    assert.equal(error.cause.name, "TypeError");
    assert.match(error.cause.stack, /executor\.test\.ts/, "the user's own stack is kept");
  });

  it("stops downstream steps when a blocking ERROR check fails, but not for a WARN or non-blocking one", async () => {
    const rows = asset({ key: "rows", checks: [notNull("id", { blocking: true })] }, () => [{ id: 1 }, { id: null }]);
    const downstream = asset({ key: "downstream", deps: [rows] }, () => 1);
    const soft = asset({ key: "soft", checks: [notNull("id", { severity: "WARN", blocking: true })] }, () => [{ id: null }]);
    const afterSoft = asset({ key: "after_soft", deps: [soft] }, () => 1);
    const { result, events } = await runInMemory(
      definitions({ assets: [rows, downstream, soft, afterSoft], resources: { io_manager: memoryIOManager() } }),
    );
    assert.equal(stepStatus(result, "rows"), "FAILURE");
    assert.match(result.steps.find((s) => s.key === "rows")!.error!, /blocking check failed: not_null_id on rows/);
    assert.equal(stepStatus(result, "downstream"), "SKIPPED");
    assert.equal(stepStatus(result, "soft"), "SUCCESS");
    assert.equal(stepStatus(result, "after_soft"), "SUCCESS");
    const checks = events.filter((e) => e.type === "ASSET_CHECK_EVALUATION");
    assert.equal(checks.length, 2);
    assert.ok(checks.every((e) => e.data?.passed === false));
    assert.ok(events.some((e) => e.type === "ASSET_MATERIALIZATION" && e.data?.assetKey === "rows"), "the asset itself is materialized");
  });

  it("stores stand-alone check results and reads them back as the latest per check", async () => {
    const orders = asset({ key: "orders" }, () => [{ amount: 3 }, { amount: -1 }]);
    const positive = assetCheck({ name: "positive", asset: orders, severity: "WARN" }, ({ value }) => ({
      passed: value.every((o) => o.amount >= 0),
      metadata: { negative: value.filter((o) => o.amount < 0).length },
    }));
    const { result, storage } = await runInMemory(definitions({ assets: [orders], checks: [positive], resources: { io_manager: memoryIOManager() } }));
    assert.equal(result.status, "SUCCESS");
    const [check] = await storage.getLatestCheckResults(["orders"]);
    assert.equal(check?.checkName, "positive");
    assert.equal(check?.passed, false);
    assert.deepEqual(check?.metadata, { negative: 1 });
  });

  it("cancels: running steps see their signal aborted, steps not started end CANCELED", async () => {
    const controller = new AbortController();
    const first = asset({ key: "first" }, (ctx) =>
      new Promise((_, reject) => {
        controller.abort();
        ctx.signal.addEventListener("abort", () => reject(new Error("stopped")));
      }),
    );
    const second = asset({ key: "second", deps: [first] }, () => 1);
    const { result, events } = await runInMemory(definitions({ assets: [first, second], resources: { io_manager: memoryIOManager() } }), "*", {
      signal: controller.signal,
    });
    assert.equal(result.status, "CANCELED");
    assert.equal(stepStatus(result, "first"), "CANCELED");
    assert.equal(stepStatus(result, "second"), "CANCELED");
    assert.ok(events.some((e) => e.type === "RUN_CANCELING"));
    assert.equal(events.at(-1)?.type, "RUN_CANCELED");
  });

  it("runs a multi-asset as one step and feeds each output to its consumers", async () => {
    const io = memoryIOManager();
    const split = multiAsset({ name: "split", outs: { evens: {}, odds: {} } }, () => ({ evens: [2, 4], odds: [1, 3, 5] }));
    const total = asset({ key: "total", deps: [split.outs.evens, split.outs.odds] }, ({ inputs }) => inputs.evens.length + inputs.odds.length);
    const { result } = await runInMemory(definitions({ assets: [split, total], resources: { io_manager: io } }), "+total");
    assert.equal(result.status, "SUCCESS");
    assert.deepEqual(result.steps.map((s) => s.key), ["split", "total"]);
    assert.equal(io.value.get("total"), 5);
  });

  it("loads inputs outside the selection from their I/O manager", async () => {
    const io = memoryIOManager();
    const a = asset({ key: "a" }, () => 41);
    const b = asset({ key: "b", deps: [a] }, ({ inputs }) => (inputs.a as number) + 1);
    const defs = definitions({ assets: [a, b], resources: { io_manager: io } });
    await runInMemory(defs, "a");
    const { result } = await runInMemory(defs, "b");
    assert.equal(result.status, "SUCCESS");
    assert.equal(io.value.get("b"), 42);
  });

  it("reports every definition problem at once, naming the asset", async () => {
    const a = asset({ key: "a", deps: ["missing_asset"] }, () => 1);
    const b = asset({ key: "b", deps: ["c"] }, () => 1);
    const c = asset({ key: "c", deps: ["b"] }, () => 1);
    await assert.rejects(
      runInMemory(definitions({ assets: [a, b, c] })),
      (error: unknown) =>
        error instanceof DefinitionError &&
        /depends on "missing_asset"/.test(error.message) &&
        /cycle: (b -> c -> b|c -> b -> c)/.test(error.message) &&
        /executor\.test\.ts:\d+/.test(error.message),
    );
  });

  it("sets up each resource once per run and tears it down after, even when a step fails", async () => {
    const calls: string[] = [];
    const { resource } = await import("../../runtime/src/definitions/resource");
    const db = resource({
      setup: () => {
        calls.push("setup");
        return { query: () => 1 };
      },
      teardown: () => {
        calls.push("teardown");
      },
    });
    const a = asset({ key: "a", resources: ["db"] }, () => 1);
    const b = asset({ key: "b", resources: ["db"] }, () => {
      throw new Error("x");
    });
    const { result } = await runInMemory(definitions({ assets: [a, b], resources: { db, io_manager: memoryIOManager() } }));
    assert.equal(result.status, "FAILURE");
    assert.deepEqual(calls, ["setup", "teardown"]);
  });

  it("runs a 10,000-step chain without exhausting the stack", async () => {
    const assets = [];
    for (let i = 0; i < 10_000; i++) {
      assets.push(asset({ key: `n${i}`, deps: i === 0 ? [] : [`n${i - 1}`] }, () => i));
    }
    const { result } = await runInMemory(definitions({ assets, resources: { io_manager: memoryIOManager() } }));
    assert.equal(result.status, "SUCCESS");
    assert.equal(result.steps.length, 10_000);
  });

  it("keeps the status another process gave the run meanwhile, and records the late finish as a warning", async () => {
    const storage = await openStorage({ kind: "sqlite", path: ":memory:" });
    const hold = deferred();
    const started = deferred();
    const slow = asset({ key: "slow" }, async () => {
      started.resolve();
      await hold.promise;
      return 1;
    });
    const running = runInMemory(definitions({ assets: [slow], resources: { io_manager: memoryIOManager() } }), "*", { storage });
    await started.promise;
    // The monitor of a daemon takes the run for dead and fails it (then may queue a retry).
    const [run] = await storage.listRuns({ statuses: ["STARTED"] });
    assert.ok(await storage.transitionRun(run!.runId, ["STARTED"], "FAILURE", { error: "its worker stopped sending heartbeats" }));
    hold.resolve();
    const { result } = await running;
    assert.equal(result.status, "FAILURE");
    assert.match(result.error ?? "", /FAILURE already \(its worker stopped sending heartbeats\)/);
    assert.equal(stepStatus(result, "slow"), "SUCCESS", "the step itself did succeed");
    const stored = await storage.getRunEvents(run!.runId);
    assert.equal((await storage.getRun(run!.runId))?.status, "FAILURE");
    assert.ok(!stored.some((event) => event.type === "RUN_SUCCESS"), "no RUN_SUCCESS contradicts the stored status");
    assert.ok(stored.some((event) => event.type === "ASSET_MATERIALIZATION"), "what happened is still recorded");
    assert.match(stored.at(-1)?.message ?? "", /finished here \(SUCCESS\) after another process had ended it FAILURE/);
    await storage.close();
  });
});
