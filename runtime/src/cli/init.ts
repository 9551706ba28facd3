/** `tributary init [DIR]`: scaffolds a project that installs, validates, materializes and type-checks as is. */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join, relative, resolve } from "node:path";
import { TributaryError } from "../errors";
import { parseCommandArgs } from "./args";
import { EXIT_OK, stylesFor, type CliContext } from "./context";
import { scaffoldFiles, type RuntimeDependency } from "./initTemplates";

/**
 * Whether `tributary-ts` can be installed from the npm registry. Until it is published, `init` packs
 * the runtime it runs from (`npm pack`) into the new project and depends on that tarball, so the
 * printed steps work in any folder; once it is, flip this and projects depend on `^VERSION`.
 */
const RUNTIME_ON_NPM = false;

/** The root of the `tributary-ts` package this code belongs to (from dist/cli or src/cli). */
const RUNTIME_PACKAGE_DIR = resolve(__dirname, "..", "..");

export const INIT_HELP = `Usage: tributary init [DIR]

Creates a project in DIR (default: the current folder): tributary.yaml, definitions.ts with two
assets and checks, package.json depending on tributary-ts (and typescript), tsconfig.json, and
.gitignore with .tributary/. Until tributary-ts is on npm, the runtime this command runs from is
packed into DIR as tributary-ts-VERSION.tgz and package.json depends on that file.
Refuses to overwrite any existing file.`;

/** Runs `init`. */
export async function initCommand(args: string[], context: CliContext): Promise<number> {
  const { positionals } = parseCommandArgs("init", args, {}, 1);
  const dir = resolve(context.cwd, positionals[0] ?? ".");
  const manifest = runtimeManifest();
  const tarball = `tributary-ts-${manifest.version}.tgz`;
  const runtime: RuntimeDependency = {
    version: manifest.version,
    spec: RUNTIME_ON_NPM ? `^${manifest.version}` : `file:./${tarball}`,
    typescript: manifest.dependencies?.["typescript"] ?? "~5.9.3",
  };
  const files = scaffoldFiles(packageName(basename(dir)), runtime);
  const written = RUNTIME_ON_NPM ? Object.keys(files) : [...Object.keys(files), tarball];
  const existing = written.filter((name) => existsSync(join(dir, name)));
  if (existing.length > 0) {
    throw new TributaryError(`init: ${existing.join(", ")} already exist${existing.length === 1 ? "s" : ""} in ${dir}; nothing was written`, {
      hint: "Run `tributary init NEW_FOLDER` to create the project in a new folder, or move those files away.",
    });
  }
  mkdirSync(dir, { recursive: true });
  if (!RUNTIME_ON_NPM) packRuntimeInto(dir, context.env);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text, { flag: "wx" });

  const s = stylesFor(context.stdout, context.env);
  const shown = relative(context.cwd, dir) || ".";
  const out = (line = "") => context.stdout.write(`${line}\n`);
  out(`${s.green("Created")} a Tributary project in ${shown}:`);
  for (const name of written) out(`  ${name}`);
  out();
  // The test in test/cli/gettingStarted.test.ts runs these lines as printed, so keep them commands.
  out("Next:");
  if (shown !== ".") out(`  cd ${shown}`);
  const from = RUNTIME_ON_NPM ? "from npm" : `from ${tarball}, packed from this CLI until tributary-ts is on npm`;
  out(`  npm install                              # installs tributary-ts (${from}) and typescript`);
  out("  npx tributary validate                   # checks the definitions, as the editor does");
  out("  npx tributary materialize --select '*'   # computes raw_customers, then customers, and runs the checks");
  out("  npx tsc --noEmit                         # type-checks definitions.ts");
  return EXIT_OK;
}

interface RuntimeManifest {
  version: string;
  dependencies?: Record<string, string>;
}

function runtimeManifest(): RuntimeManifest {
  return JSON.parse(readFileSync(join(RUNTIME_PACKAGE_DIR, "package.json"), "utf8")) as RuntimeManifest;
}

/** `npm pack` of the running runtime into `dir`: the file the new project's package.json depends on. */
function packRuntimeInto(dir: string, env: NodeJS.ProcessEnv): void {
  if (!existsSync(join(RUNTIME_PACKAGE_DIR, "dist", "index.js"))) {
    throw new TributaryError(`init: the runtime at ${RUNTIME_PACKAGE_DIR} has no dist/, so it cannot be packed for the new project`, {
      hint: "Build it first (`npm run build` in the Tributary repository), then run init again.",
    });
  }
  try {
    // npm is a .cmd on Windows, which execFile only runs through a shell.
    execFileSync("npm", ["pack", RUNTIME_PACKAGE_DIR, "--pack-destination", dir, "--silent"], {
      env,
      stdio: ["ignore", "ignore", "pipe"],
      shell: process.platform === "win32",
    });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    throw new TributaryError(`init: \`npm pack ${RUNTIME_PACKAGE_DIR}\` failed${stderr ? `: ${stderr}` : ""}`, {
      hint: "init needs npm on PATH to pack the runtime into the project until tributary-ts is published on npm.",
      cause: error,
    });
  }
}

/** npm package names are lower case, with no spaces. */
function packageName(folder: string): string {
  const name = folder.toLowerCase().replace(/[^a-z0-9._-]+/g, "-").replace(/^[._-]+/, "");
  return name || "tributary-project";
}
