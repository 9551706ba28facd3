/**
 * The built-in web page in a real headless Chromium: it renders assets and runs under its CSP,
 * launches a run with the Materialize box and shows its events live over EventSource.
 * (Registered only where a Chromium is installed: Debian's `apt-get install -y chromium`.)
 */
import assert from "node:assert/strict";
import { waitFor } from "../../support/waitFor";
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
      await waitFor("assets are shown", async () => (await page.evaluate<string>("document.querySelector('#assets')?.textContent ?? ''")).includes("FRESH"), 15_000);
      const rows = await page.evaluate<string[][]>("[...document.querySelectorAll('#assets tr')].map((tr) => [...tr.children].slice(0, 3).map((td) => td.textContent))");
      assert.deepEqual(rows.find((row) => row[0] === "stg"), ["stg", "staging", "FRESH"]);
      assert.deepEqual(rows.find((row) => row[0] === "mart"), ["mart", "warehouse", "NEVER"]);
      await waitFor("runs are shown", async () => (await page.evaluate<string>("document.querySelector('#runs')?.textContent ?? ''")).includes("SUCCESS"));
      assert.deepEqual(page.logs.filter((line) => /Content Security Policy|exception|error/i.test(line)), []);
    });

    it("launches a run from the Materialize box and shows its events live until it succeeds", async () => {
      await page.evaluate("document.querySelector('#selection').value = 'mart'; document.querySelector('#launch button').click(); true");
      let runId: string | undefined;
      await waitFor("the page launched a run", async () => {
        const [latest] = (await call(fixture.server.url, "GET", "/api/runs?limit=1")).json.runs as { runId: string; selection: string }[];
        if (latest?.selection === "mart") runId = latest.runId;
        return runId !== undefined;
      });
      await waitFor("the queued event is shown", async () => (await page.evaluate<string>("document.querySelector('#events').textContent")).includes("RUN_QUEUED"));
      await fixture.services.execute(runId!);
      await waitFor("the final event is shown live", async () => (await page.evaluate<string>("document.querySelector('#events').textContent")).includes("RUN_SUCCESS"), 10_000);
      await waitFor("the run's status is shown", async () => (await page.evaluate<string>("document.querySelector('#detail-status').textContent")) === "SUCCESS");
      assert.equal(await page.evaluate<string>("document.querySelector('#detail-id').textContent"), runId);
      assert.deepEqual(page.logs.filter((line) => /Content Security Policy|exception/i.test(line)), []);
    });

    it("shows the code version, and loads the code again with Reload code", async () => {
      const daemonText = () => page.evaluate<string>("document.querySelector('#daemon').textContent");
      await waitFor("the code version is shown", async () => (await daemonText()).includes("code v1-test"), 15_000);
      await page.evaluate("document.querySelector('#reload').click(); true");
      await waitFor("the reloaded version is shown", async () => (await daemonText()).includes("code v2-local"), 15_000);
    });

    it("shows the message of a selection that does not parse", async () => {
      await page.evaluate("document.querySelector('#selection').value = 'raw and ('; document.querySelector('#launch button').click(); true");
      await waitFor("the error banner is shown", async () => !(await page.evaluate<boolean>("document.querySelector('#banner').hidden")));
      assert.match(await page.evaluate<string>("document.querySelector('#banner').textContent"), /invalid selection/);
    });
  });
}
