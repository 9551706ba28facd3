/**
 * Tick history paged by cursor over real HTTP (`GET /api/schedules/:name/ticks` and
 * `GET /api/sensors/:name/ticks`), on SQLite and PostgreSQL: many pages, each tick exactly once,
 * newest tick time first, whatever order the ticks were written in and whatever is written while a
 * client pages.
 */
import assert from "node:assert/strict";
import type { TickJson } from "../../../runtime/src/wire";
import { seededRandom } from "../../support/random";
import { call, FIXTURE_BACKENDS, startFixtureOn, type Fixture } from "./fixture";

const backends = FIXTURE_BACKENDS;

/** The tick time of day `day` (1-based) of November 2026 at `hour`. */
const tickTime = (day: number, hour = 1) => `2026-11-${String(day).padStart(2, "0")}T${String(hour).padStart(2, "0")}:00:00.000Z`;

for (const backend of backends) {
  describe(`tick history paged by cursor (${backend.name})`, function () {
    this.timeout(60_000);
    let fixture: Fixture;
    let base: string;
    before(async () => {
      fixture = await startFixtureOn(backend);
      base = fixture.server.url;
    });
    after(() => fixture?.dispose());

    /** Every page of `path` with `limit`, following nextCursor to null: the ticks in order, and how many pages. */
    async function pageThrough(path: string, limit: number, betweenPages?: (page: number) => Promise<void>): Promise<{ ticks: TickJson[]; pages: number }> {
      const ticks: TickJson[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const answer = await call(base, "GET", `${path}?limit=${limit}${cursor === null ? "" : `&cursor=${encodeURIComponent(cursor)}`}`);
        assert.equal(answer.status, 200, JSON.stringify(answer.json));
        assert.ok(answer.json.ticks.length <= limit);
        ticks.push(...(answer.json.ticks as TickJson[]));
        cursor = answer.json.nextCursor;
        pages++;
        if (cursor !== null) await betweenPages?.(pages);
      } while (cursor !== null);
      return { ticks, pages };
    }

    for (const [kind, name] of [["schedule", "nightly"], ["sensor", "watcher"]] as const) {
      it(`pages a ${kind}'s 30 ticks four at a time: each exactly once, newest tick time first, none of another instigator's`, async () => {
        // Written in a shuffled order, so that tick ids do not follow tick times.
        const random = seededRandom(kind === "schedule" ? 15 : 51);
        const days = Array.from({ length: 30 }, (_, index) => index + 1).sort(() => random() - 0.5);
        for (const day of days) {
          await fixture.storage.createTick({ instigatorName: name, instigatorType: kind, tickTime: tickTime(day), status: day % 4 === 0 ? "FAILURE" : "SUCCESS" });
          await fixture.storage.createTick({ instigatorName: `${name}_elsewhere`, instigatorType: kind, tickTime: tickTime(day, 5), status: "SKIPPED" });
        }
        const { ticks, pages } = await pageThrough(`/api/${kind}s/${name}/ticks`, 4);
        assert.equal(pages, 8, "30 ticks, 4 a page");
        assert.deepEqual(ticks.map((tick) => tick.tickTime), Array.from({ length: 30 }, (_, index) => tickTime(30 - index)));
        assert.equal(new Set(ticks.map((tick) => tick.tickId)).size, 30, "each tick once");
        assert.ok(ticks.every((tick) => tick.instigatorName === name && tick.instigatorType === kind));
        // One page when it holds them all, and no next page when the page ends on the last tick.
        const whole = await call(base, "GET", `/api/${kind}s/${name}/ticks?limit=30`);
        assert.deepEqual([whole.json.ticks.length, whole.json.nextCursor], [30, null]);
        assert.deepEqual((whole.json.ticks as TickJson[]).map((tick) => tick.tickId), ticks.map((tick) => tick.tickId));
      });
    }

    it("pages on from its cursor while ticks are written: a newer tick is not on a later page, an older one is, each tick once", async () => {
      for (let hour = 0; hour < 10; hour++) await fixture.storage.createTick({ instigatorName: "nightly", instigatorType: "schedule", tickTime: tickTime(1, hour + 10), status: "SUCCESS" });
      const before = (await call(base, "GET", "/api/schedules/nightly/ticks?limit=1000")).json.ticks as TickJson[];
      const { ticks } = await pageThrough("/api/schedules/nightly/ticks", 3, async (page) => {
        if (page !== 2) return;
        // After the second page: a tick newer than all (the next page must not show it) and one older than all.
        await fixture.storage.createTick({ instigatorName: "nightly", instigatorType: "schedule", tickTime: "2026-12-31T01:00:00.000Z", status: "SUCCESS" });
        await fixture.storage.createTick({ instigatorName: "nightly", instigatorType: "schedule", tickTime: "2026-10-01T01:00:00.000Z", status: "SUCCESS" });
      });
      assert.deepEqual(
        ticks.map((tick) => tick.tickTime),
        [...before.map((tick) => tick.tickTime), "2026-10-01T01:00:00.000Z"],
      );
    });
  });
}
