/**
 * The built-in web page in a real headless Chromium: it renders assets and runs under its CSP,
 * launches a run with the Materialize box and shows its events live over EventSource.
 * (Registered only where a Chromium is installed: Debian's `apt-get install -y chromium`.)
 */
import assert from "node:assert/strict";
import { waitFor } from "../../storage/waitFor";
import { findChromium, HeadlessPage } from "./chromium";
import { call, startFixture, type Fixture } from "./fixture";

const chromium = findChromium();

if (chromium) {
  describe("HTTP web page in headless Chromium", function () {
    this.timeout(60_000);
    let fixture: Fixture;
    let page: HeadlessPage;
    before(async () => {
      fixture = await startFixture({ uiDir: "/nonexistent-ui-bundle" });
      const runId = (await call(fixture.server.url, "POST", "/api/runs", { body: { selection: "+stg" } })).json.runId as string;
      await fixture.services.execute(runId);
      page = await HeadlessPage.open(chromium, `${fixture.server.url}/`);
    });
    after(async () => {
      await page?.close();
      await fixture.dispose();
    });

    it("renders the assets with their status and the runs, with no CSP violation or script error", async () => {
      await waitFor(async () => (await page.evaluate<string>("document.querySelector('#assets')?.textContent ?? ''")).includes("FRESH"), "assets are shown", 15_000);
      const rows = await page.evaluate<string[][]>("[...document.querySelectorAll('#assets tr')].map((tr) => [...tr.children].slice(0, 3).map((td) => td.textContent))");
      assert.deepEqual(rows.find((row) => row[0] === "stg"), ["stg", "staging", "FRESH"]);
      assert.deepEqual(rows.find((row) => row[0] === "mart"), ["mart", "warehouse", "NEVER"]);
      await waitFor(async () => (await page.evaluate<string>("document.querySelector('#runs')?.textContent ?? ''")).includes("SUCCESS"), "runs are shown");
      assert.deepEqual(page.logs.filter((line) => /Content Security Policy|exception|error/i.test(line)), []);
    });

    it("launches a run from the Materialize box and shows its events live until it succeeds", async () => {
      await page.evaluate("document.querySelector('#selection').value = 'mart'; document.querySelector('#launch button').click(); true");
      let runId: string | undefined;
      await waitFor(async () => {
        const [latest] = (await call(fixture.server.url, "GET", "/api/runs?limit=1")).json.runs as { runId: string; selection: string }[];
        if (latest?.selection === "mart") runId = latest.runId;
        return runId !== undefined;
      }, "the page launched a run");
      await waitFor(async () => (await page.evaluate<string>("document.querySelector('#events').textContent")).includes("RUN_QUEUED"), "the queued event is shown");
      await fixture.services.execute(runId!);
      await waitFor(async () => (await page.evaluate<string>("document.querySelector('#events').textContent")).includes("RUN_SUCCESS"), "the final event is shown live", 10_000);
      await waitFor(async () => (await page.evaluate<string>("document.querySelector('#detail-status').textContent")) === "SUCCESS", "the run's status is shown");
      assert.equal(await page.evaluate<string>("document.querySelector('#detail-id').textContent"), runId);
      assert.deepEqual(page.logs.filter((line) => /Content Security Policy|exception/i.test(line)), []);
    });

    it("shows the code version, and loads the code again with Reload code", async () => {
      const daemonText = () => page.evaluate<string>("document.querySelector('#daemon').textContent");
      await waitFor(async () => (await daemonText()).includes("code v1-test"), "the code version is shown", 15_000);
      await page.evaluate("document.querySelector('#reload').click(); true");
      await waitFor(async () => (await daemonText()).includes("code v2-local"), "the reloaded version is shown", 15_000);
    });

    it("shows the message of a selection that does not parse", async () => {
      await page.evaluate("document.querySelector('#selection').value = 'raw and ('; document.querySelector('#launch button').click(); true");
      await waitFor(async () => !(await page.evaluate<boolean>("document.querySelector('#banner').hidden")), "the error banner is shown");
      assert.match(await page.evaluate<string>("document.querySelector('#banner').textContent"), /invalid selection/);
    });
  });
}
