/**
 * docs/getting-started.md, done by a new user in a folder outside the repository: `tributary init`,
 * then exactly the steps it prints (npm install of the packed runtime, validate, materialize,
 * `tsc --noEmit`), then the guide's own schedule step. Each command runs in a shell as typed, with
 * the repository's node_modules/.bin off PATH, so `npx` finds only what the project installed.
 *
 * `npm install` would build better-sqlite3 from source here (minutes on a busy machine: its prebuilt
 * download from GitHub is unreachable). Instead, prebuild-install is pointed at a local prebuild
 * folder (its documented `better_sqlite3_local_prebuilds` setting, as on a machine behind a
 * firewall) holding the binary the repository's own install already built for this Node.js, packed
 * once per test run. The install script still runs and unpacks it; a different better-sqlite3 version
 * or platform finds no file there and builds from source, as before. npm's cache is used
 * offline-first so no metadata is fetched twice. Nothing else differs from a user's install.
 */
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import { runBin, testEnv, type CliOutcome } from "./helpers";

const REPO = resolve(__dirname, "..", "..");
const GUIDE = readFileSync(join(REPO, "docs", "getting-started.md"), "utf8");

/** The guide's code block whose info string is `ts title=NAME`. */
function guideBlock(name: string): string {
  const match = new RegExp("```ts title=" + name.replace(/\./g, "\\.") + "\\n([\\s\\S]*?)```").exec(GUIDE);
  assert.ok(match, `docs/getting-started.md has no \`\`\`ts title=${name} block`);
  return match[1]!;
}

/** The commands under "Next:" in init's output, without their comments. */
function printedSteps(stdout: string): string[] {
  const next = stdout.slice(stdout.indexOf("Next:\n") + "Next:\n".length);
  return next.split("\n").map((line) => line.replace(/\s+#.*$/, "").trim()).filter((line) => line !== "");
}

/**
 * A prebuild-install folder with the repository's own better-sqlite3 binary, named as its GitHub
 * release asset ({name}-v{version}-{runtime}-v{abi}-{platform}-{arch}.tar.gz), or undefined when the
 * repository has none built.
 */
function localPrebuilds(dir: string): string | undefined {
  const packageDir = join(REPO, "node_modules", "better-sqlite3");
  if (!existsSync(join(packageDir, "build", "Release", "better_sqlite3.node"))) return undefined;
  const { version } = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as { version: string };
  mkdirSync(dir, { recursive: true });
  const asset = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  execFileSync("tar", ["-czf", join(dir, asset), "-C", packageDir, "build/Release/better_sqlite3.node"]);
  return dir;
}

/** The user's environment: the test settings, npm offline-first, and no repository bins on PATH. */
function userEnv(prebuilds: string | undefined): NodeJS.ProcessEnv {
  const path = (process.env["PATH"] ?? "").split(delimiter).filter((entry) => !resolve(entry).startsWith(REPO)).join(delimiter);
  return testEnv({
    PATH: path,
    npm_config_prefer_offline: "true",
    npm_config_audit: "false",
    npm_config_fund: "false",
    npm_config_update_notifier: "false",
    ...(prebuilds ? { npm_config_better_sqlite3_local_prebuilds: prebuilds } : {}),
  });
}

let env: NodeJS.ProcessEnv = userEnv(undefined);

function shell(command: string, cwd: string): Promise<CliOutcome> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, { cwd, env, shell: true, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolvePromise({ code: code ?? -1, stdout, stderr }));
  });
}

async function succeeds(command: string, cwd: string): Promise<CliOutcome> {
  const outcome = await shell(command, cwd);
  assert.equal(outcome.code, 0, `\`${command}\` in ${cwd} exited ${outcome.code}:\n${outcome.stdout}\n${outcome.stderr}`);
  return outcome;
}

describe("docs/getting-started.md in a folder outside the repository", function () {
  this.timeout(20 * 60_000);
  let root: string;

  before(() => {
    assert.ok(existsSync(join(REPO, "runtime", "dist", "index.js")), "build first: npm run build");
    root = realpathSync(mkdtempSync(join(tmpdir(), "tributary-getting-started-")));
    assert.ok(!root.startsWith(REPO), "the project must not see the repository's node_modules");
    env = userEnv(localPrebuilds(join(root, "prebuilds")));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it("installs and runs with exactly the steps init prints, then schedules the asset as the guide shows", async () => {
    const init = await runBin(["init", "shop"], root, env);
    assert.equal(init.code, 0, init.stderr);
    const steps = printedSteps(init.stdout);
    assert.deepEqual(steps, ["cd shop", "npm install", "npx tributary validate", "npx tributary materialize --select '*'", "npx tsc --noEmit"]);

    let cwd = root;
    const outputs = new Map<string, CliOutcome>();
    for (const step of steps) {
      if (step.startsWith("cd ")) cwd = resolve(cwd, step.slice("cd ".length));
      else outputs.set(step, await succeeds(step, cwd));
    }
    const project = join(root, "shop");
    const installed = join(project, "node_modules", "tributary-ts");
    assert.ok(!lstatSync(installed).isSymbolicLink(), "tributary-ts is installed from the tarball, not linked to the repository");
    assert.equal((JSON.parse(readFileSync(join(installed, "package.json"), "utf8")) as { name: string }).name, "tributary-ts");
    const manifest = JSON.parse(readFileSync(join(project, "package.json"), "utf8")) as { devDependencies: Record<string, string> };
    assert.deepEqual(Object.keys(manifest.devDependencies), ["typescript"], "no @types/* for the user to install: tsc passed without them");
    assert.match(outputs.get("npx tributary materialize --select '*'")!.stdout, /SUCCESS in .*: 2 succeeded, 0 failed/);

    // The guide's next step: a schedule for the checked asset, registered in definitions().
    writeFileSync(join(project, "schedules.ts"), guideBlock("schedules.ts"));
    const definitions = readFileSync(join(project, "definitions.ts"), "utf8");
    const registration = definitions.indexOf("export default definitions(");
    assert.ok(registration > 0, "init's definitions.ts ends with its definitions() call");
    writeFileSync(join(project, "definitions.ts"), definitions.slice(0, registration) + guideBlock("definitions.ts"));
    await succeeds("npx tributary validate", project);
    await succeeds("npx tsc --noEmit", project);
    const preview = await succeeds("npx tributary schedules preview daily_customers --from 2026-01-01T00:00:00Z --count 2 --json", project);
    // 06:00 in Paris is 05:00 UTC in winter.
    assert.deepEqual(JSON.parse(preview.stdout), ["2026-01-01T05:00:00.000Z", "2026-01-02T05:00:00.000Z"]);
  });
});
