/**
 * The .vsix `npm run package` builds is one universal package for every platform, ready for the
 * Marketplace and Open VSX: no native code (no .node addon, no executable or library of any
 * platform), no target platform, under 5 MB, with its icon, README, CHANGELOG and license. The
 * VS Code test (e2e.test.ts) installs the same package and runs the local daemon from it.
 */
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ROOT } from "./codeServer";

interface VsixContents {
  bytes: number;
  entries: string[];
  problems: string[];
}

describe("the packaged VS Code extension (.vsix)", function () {
  this.timeout(180_000);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "tributary-vsix-"));
  const vsix = path.join(scratch, "tributary.vsix");
  let contents: VsixContents;
  let manifest: string;
  let readme: string;

  before(async () => {
    if (!fs.existsSync(path.join(ROOT, "client", "dist", "extension.js"))) {
      execFileSync("npm", ["run", "build:client", "--silent"], { cwd: ROOT, stdio: "inherit" });
    }
    execFileSync(process.execPath, [path.join(ROOT, "client", "scripts", "package.mjs")], {
      cwd: ROOT, env: { ...process.env, TRIBUTARY_VSIX: vsix }, stdio: "pipe",
    });
    // The script's own check (it exits 1 on problems); read again here to assert on the details.
    const check = (await import(path.join(ROOT, "client", "scripts", "vsixContents.mjs"))) as {
      inspectVsix(file: string): VsixContents;
      readZipEntries(file: string): { name: string; content: Buffer }[];
    };
    contents = check.inspectVsix(vsix);
    const entries = check.readZipEntries(vsix);
    manifest = entries.find((e) => e.name === "extension.vsixmanifest")?.content.toString("utf8") ?? "";
    readme = entries.find((e) => e.name === "extension/readme.md")?.content.toString("utf8") ?? "";
  });

  after(() => fs.rmSync(scratch, { recursive: true, force: true }));

  it("holds no native code: no .node addon and no executable or library of any platform", () => {
    assert.deepEqual(contents.entries.filter((name) => /\.(node|exe|dll|dylib|so)$/.test(name)), []);
    assert.deepEqual(contents.problems.filter((problem) => /native code/.test(problem)), []);
    assert.ok(!contents.entries.some((name) => name.startsWith("extension/client/dist/runtime/")), "no bundled runtime");
  });

  it("is universal (no target platform) and under 5 MB", () => {
    assert.doesNotMatch(manifest, /TargetPlatform="/);
    assert.ok(contents.bytes <= 5 * 1024 * 1024, `${(contents.bytes / 1024 / 1024).toFixed(2)} MB`);
  });

  it("has what the Marketplace and Open VSX list: icon, README with screenshots, CHANGELOG, license", () => {
    assert.deepEqual(contents.problems, []);
    assert.match(manifest, /<Icon>extension\/client\/images\/icon\.png<\/Icon>/);
    assert.match(manifest, /Categories>[^<]*Data Science/);
    assert.match(manifest, /github\.com\/tributary-dev\/tributary/);
    const images = [...readme.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((match) => match[1] as string);
    assert.ok(images.length >= 2, `screenshots in the README: ${images.join(", ")}`);
    for (const image of images) {
      assert.match(image, /^https:\/\/github\.com\/tributary-dev\/tributary\/raw\/HEAD\/.+\.png$/, "an absolute https link vsce made from the relative one");
      const file = path.join(ROOT, new URL(image).pathname.replace(/^\/tributary-dev\/tributary\/raw\/HEAD\//, ""));
      assert.ok(fs.existsSync(file), `${image} is ${path.relative(ROOT, file)} in the repository`);
    }
  });
});
