/**
 * The run page `/runs/<id>` (docs/console.md) in headless Chromium against the real daemon for a
 * scratch copy of samples/warehouse whose `raw_customers` fails its first attempt and succeeds on
 * its retry, or fails every attempt when told to: the step timeline with a segment per attempt, the
 * failure with the user's frames first, and re-execute of the selected steps. On SQLite and on
 * PostgreSQL; runs go through the daemon's queue into real workers.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import type { WireAnswer } from "../../runtime/src/wire";
import { waitFor } from "../support/waitFor";
import { dropTestSchema, testSchemaUrl } from "../storage/postgresTestDatabase";
import { launchChromium } from "./support/browser";
import { consoleScreenshot } from "./support/screenshots";
import { FAILING_ASSET, FAILING_MESSAGE, HELD_ASSET, startWarehouseDaemon, type WarehouseDaemon } from "./support/warehouseDaemon";


type RunDetail = WireAnswer<"GET /api/runs/:id">;

async function launch(daemon: WarehouseDaemon, body: Record<string, unknown>): Promise<string> {
  const response = await fetch(`${daemon.url}/api/runs`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  assert.equal(response.status, 201, await response.clone().text());
  return ((await response.json()) as { runId: string }).runId;
}

async function runDetail(daemon: WarehouseDaemon, runId: string): Promise<RunDetail> {
  return (await (await fetch(`${daemon.url}/api/runs/${runId}`)).json()) as RunDetail;
}

/** Waits until the run has ended, and returns it. */
function ended(daemon: WarehouseDaemon, runId: string): Promise<RunDetail> {
  return waitFor(`run ${runId} to end`, async () => {
    const run = await runDetail(daemon, runId);
    return ["SUCCESS", "FAILURE", "CANCELED"].includes(run.status) && run;
  }, 30_000);
}

/** The attempt segments of a step's timeline, left to right: their attempt, status and box. */
function segmentsOf(page: Page, step: string) {
  return page.$$eval(`[data-testid=steps-table] tr[data-step="${step}"] .gantt-track .bar`, (bars) =>
    bars.map((bar) => {
      const box = bar.getBoundingClientRect();
      return { attempt: bar.getAttribute("data-attempt"), status: bar.getAttribute("data-status"), left: box.left, right: box.right, width: box.width };
    }),
  );
}

const backends = [
  { name: "SQLite", database: null },
  { name: "PostgreSQL", database: testSchemaUrl() },
];

for (const backend of backends) {
  describe(`the run page (headless Chromium, daemon-served, ${backend.name})`, function () {
    this.timeout(90_000);
    let daemon: WarehouseDaemon;
    let browser: Awaited<ReturnType<typeof launchChromium>>;
    let page: Page;
    const errors: string[] = [];
    let failedRun = "";

    before(async () => {
      daemon = await startWarehouseDaemon({ failing: true, ...(backend.database ? { databaseUrl: backend.database.url } : {}) });
      browser = await launchChromium({ width: 1280, height: 900 });
      page = await browser.newPage();
      page.on("pageerror", (error) => errors.push(String(error)));
      page.on("console", (message) => message.type() === "error" && errors.push(`${message.text()} ${message.location().url}`));
    });

    after(async () => {
      await browser?.dispose();
      await daemon?.dispose();
      if (backend.database) await dropTestSchema(backend.database.schema);
    });

    afterEach(() => assert.deepEqual(errors.splice(0), [], "the page logged errors"));

    it("draws a retried step as two segments on the run's axis: its failed first attempt, then the retry that succeeded", async () => {
      daemon.failEveryAttempt(false);
      const runId = await launch(daemon, { selection: FAILING_ASSET });
      await page.goto(`${daemon.url}/runs/${runId}`);
      await page.waitForSelector(".page-title .status-success", { timeout: 30_000 });
      await page.waitForFunction((step) => document.querySelectorAll(`tr[data-step="${step}"] .gantt-track .bar`).length === 2, FAILING_ASSET);
      const [first, retry] = await segmentsOf(page, FAILING_ASSET);
      assert.deepEqual([first!.attempt, first!.status, retry!.attempt, retry!.status], ["1", "FAILURE", "2", "SUCCESS"]);
      assert.ok(first!.right <= retry!.left + 0.5, `the retry starts after its delay, right of the failed attempt: ${JSON.stringify([first, retry])}`);
      assert.equal((await page.textContent(`tr[data-step="${FAILING_ASSET}"] td:nth-child(4)`))?.trim(), "2", "two attempts");
      assert.match((await page.getAttribute(`tr[data-step="${FAILING_ASSET}"] .bar[data-attempt="1"]`, "title")) ?? "", new RegExp(`attempt 1: failure[\\s\\S]*${FAILING_MESSAGE}`));
      assert.equal(await page.locator("[data-testid=run-failure]").count(), 0, "a run whose retry succeeded shows no failure");
    });

    it("grows a running attempt's segment with the clock, then colours it by its outcome", async () => {
      daemon.hold();
      const runId = await launch(daemon, { selection: HELD_ASSET, partition: "2018-01-01" });
      await page.goto(`${daemon.url}/runs/${runId}`);
      await page.waitForSelector(`tr[data-step=${HELD_ASSET}] .bar[data-status=RUNNING]`, { timeout: 30_000 });
      // The axis ends now, and the segment of the attempt that runs ends there too: as the clock moves,
      // it takes more of the axis (the run started a little before the step).
      const [first] = await segmentsOf(page, HELD_ASSET);
      const track = await page.$eval(`tr[data-step=${HELD_ASSET}] .gantt-track`, (element) => element.getBoundingClientRect().right);
      assert.ok(first!.right > track - 1, `the running segment reaches now, the axis's end: ${first!.right} of ${track}`);
      await page.waitForFunction(
        ({ step, width }) => (document.querySelector(`tr[data-step="${step}"] .bar[data-status=RUNNING]`)?.getBoundingClientRect().width ?? 0) > width,
        { step: HELD_ASSET, width: first!.width },
      );
      daemon.release();
      await page.waitForSelector(`tr[data-step=${HELD_ASSET}] .bar[data-status=SUCCESS]`, { timeout: 30_000 });
      assert.equal(await page.locator(`tr[data-step=${HELD_ASSET}] .gantt-track .bar`).count(), 1);
    });

    it("shows a failed run's failure: the step, its message, the user's frames first and the runtime's folded", async () => {
      daemon.failEveryAttempt(true);
      failedRun = await launch(daemon, { selection: `${FAILING_ASSET} or raw_payments or stg_customers` });
      const run = await ended(daemon, failedRun);
      assert.equal(run.status, "FAILURE");
      await page.goto(`${daemon.url}/runs/${failedRun}`);
      const failure = page.locator(`[data-testid=run-failure][data-step=${FAILING_ASSET}]`);
      await failure.waitFor();
      assert.equal(await page.locator("[data-testid=run-failure]").count(), 1, "one failed step (stg_customers is skipped, not failed)");
      assert.equal((await failure.locator("[data-testid=failure-message]").first().textContent())?.trim(), `Error: ${FAILING_MESSAGE}`, "what the user's code threw, not the runtime's wrapper");
      const userFrames = await failure.locator("[data-testid=user-frames] li").allTextContents();
      assert.match(userFrames[0] ?? "", /^at checkExport \(.*assets\/raw\.ts:\d+:\d+\)$/, "the frame that threw comes first");
      assert.ok(userFrames.length >= 2 && userFrames.every((frame) => frame.includes(daemon.projectDir)), `only the project's frames: ${userFrames.join(" | ")}`);
      const folded = failure.locator("[data-testid=runtime-frames]");
      const summary = (await folded.locator("summary").textContent()) ?? "";
      const count = Number(/^(\d+) runtime frames?$/.exec(summary)?.[1]);
      assert.ok(count >= 1, `the runtime's frames are counted: ${summary}`);
      assert.equal(await folded.getAttribute("open"), null, "folded");
      assert.equal(await folded.locator("li").first().isVisible(), false);
      await folded.locator("summary").click();
      const runtimeFrames = await folded.locator("li").allTextContents();
      assert.equal(runtimeFrames.length, count);
      assert.ok(await folded.locator("li").first().isVisible(), "unfolded by a click");
      assert.ok(runtimeFrames.every((frame) => !frame.includes(daemon.projectDir + "/assets")), runtimeFrames.join(" | "));
      // Both attempts failed: two red segments; the skipped step has none.
      assert.deepEqual((await segmentsOf(page, FAILING_ASSET)).map((segment) => segment.status), ["FAILURE", "FAILURE"]);
      assert.equal(await page.locator("tr[data-step=stg_customers] .gantt-track .bar").count(), 0);
      await folded.locator("summary").click();
      if (backend.database === null) await consoleScreenshot(page, "run-failure", true);
    });

    it("re-executes the selected steps as a new run of exactly those steps, tagged with its parent", async () => {
      daemon.failEveryAttempt(false);
      await page.goto(`${daemon.url}/runs/${failedRun}`);
      await page.waitForSelector("[data-testid=steps-table] tr[data-step=stg_customers]");
      assert.equal(await page.isDisabled("[data-testid=run-reexecute-selected]"), true, "nothing selected yet");
      await page.check(`tr[data-step=${FAILING_ASSET}] [data-testid=step-select]`);
      await page.check("tr[data-step=raw_payments] [data-testid=step-select]");
      assert.equal((await page.textContent("[data-testid=run-reexecute-selected]"))?.trim(), "Re-execute selected (2)");
      await page.click("[data-testid=run-reexecute-selected]");
      await page.waitForURL((url) => url.pathname.startsWith("/runs/") && !url.pathname.endsWith(failedRun));
      const newRun = new URL(page.url()).pathname.split("/").pop()!;
      const run = await ended(daemon, newRun);
      assert.equal(run.status, "SUCCESS");
      assert.deepEqual([...run.assetKeys].sort(), [FAILING_ASSET, "raw_payments"]);
      assert.equal(run.tags["tributary/parent_run_id"], failedRun);
      await page.waitForSelector(".page-title .status-success", { timeout: 30_000 });
      await page.waitForFunction(() => document.querySelectorAll("[data-testid=steps-table] tbody tr").length === 2);
      const steps = await page.$$eval("[data-testid=steps-table] tbody tr", (rows) => rows.map((row) => row.getAttribute("data-step")).sort());
      assert.deepEqual(steps, [FAILING_ASSET, "raw_payments"]);
      assert.equal(await page.isChecked(`tr[data-step=${FAILING_ASSET}] [data-testid=step-select]`), false, "the new run's page starts with nothing selected");
    });
  });
}
