/**
 * The console's addresses as the daemon's log, the CLI and the extension print them: a run's page,
 * an asset's page with its key as ONE URL-encoded segment, and the titles the editor panel shows.
 */
import * as assert from "node:assert/strict";
import { consoleAssetPath, consolePageTitle, consoleRunPath, consoleUrl } from "../../runtime/src/wire";

describe("console URLs", () => {
  it("puts a run on /runs/<id> of the daemon's URL, with or without a trailing slash", () => {
    assert.equal(consoleUrl("http://127.0.0.1:3000", consoleRunPath("0b6f12ab-1234")), "http://127.0.0.1:3000/runs/0b6f12ab-1234");
    assert.equal(consoleUrl("https://tributary.example.com/", consoleRunPath("r1")), "https://tributary.example.com/runs/r1");
  });

  it("encodes an asset key as one path segment (slashes, spaces, percent signs, unicode)", () => {
    assert.equal(consoleAssetPath("mart/total"), "/assets/mart%2Ftotal");
    assert.equal(consoleAssetPath("raw orders"), "/assets/raw%20orders");
    assert.equal(consoleAssetPath("100%/ü"), "/assets/100%25%2F%C3%BC");
    assert.equal(consoleAssetPath("a?b#c").split("/").length, 3, "no query, fragment or extra segment");
    assert.equal(decodeURIComponent(consoleAssetPath("mart/total").split("/")[2]!), "mart/total");
  });

  it("titles each page from its path, the asset key decoded and ids short", () => {
    assert.equal(consolePageTitle("/"), "Overview");
    assert.equal(consolePageTitle("/runs?status=FAILURE"), "Runs");
    assert.equal(consolePageTitle(consoleRunPath("0b6f12ab-1234-5678")), "Run 0b6f12ab");
    assert.equal(consolePageTitle(consoleAssetPath("mart/total")), "Asset mart/total");
    assert.equal(consolePageTitle("/schedules/nightly"), "Schedule nightly");
    assert.equal(consolePageTitle("/sensors"), "Sensors");
    assert.equal(consolePageTitle("/backfills/abcdef0123"), "Backfill abcdef01");
    assert.equal(consolePageTitle("/assets/%E0%A4%A"), "Asset %E0%A4%A", "a malformed escape is shown as written");
    assert.equal(consolePageTitle("/nowhere/a/b"), "Console");
  });
});
