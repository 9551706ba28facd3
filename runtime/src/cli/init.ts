/** `tributary init [DIR]`: scaffolds a project that materializes as is. */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { basename, join, relative, resolve } from "node:path";
import { TributaryError } from "../errors";
import { parseCommandArgs } from "./args";
import { EXIT_OK, stylesFor, type CliContext } from "./context";
import { scaffoldFiles } from "./initTemplates";
import { runtimeVersion } from "../version";

export const INIT_HELP = `Usage: tributary init [DIR]

Creates a project in DIR (default: the current folder): tributary.yaml, definitions.ts with two
assets and checks, package.json depending on tributary, and .gitignore with .tributary/.
Refuses to overwrite any existing file.`;

/** Runs `init`. */
export async function initCommand(args: string[], context: CliContext): Promise<number> {
  const { positionals } = parseCommandArgs("init", args, {}, 1);
  const dir = resolve(context.cwd, positionals[0] ?? ".");
  const files = scaffoldFiles(packageName(basename(dir)), runtimeVersion());
  const existing = Object.keys(files).filter((name) => existsSync(join(dir, name)));
  if (existing.length > 0) {
    throw new TributaryError(`init: ${existing.join(", ")} already exist${existing.length === 1 ? "s" : ""} in ${dir}; nothing was written`, {
      hint: "Run `tributary init NEW_FOLDER` to create the project in a new folder, or move those files away.",
    });
  }
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text, { flag: "wx" });

  const s = stylesFor(context.stdout, context.env);
  const shown = relative(context.cwd, dir) || ".";
  const out = (line = "") => context.stdout.write(`${line}\n`);
  out(`${s.green("Created")} a Tributary project in ${shown}:`);
  for (const name of Object.keys(files)) out(`  ${name}`);
  out();
  out("Next:");
  if (shown !== ".") out(`  cd ${shown}`);
  out("  npm install                          # installs tributary (optional: the CLI's own copy is used until then)");
  out("  tributary materialize --select '*'   # computes raw_customers, then customers, and runs the checks");
  out("  tributary assets list");
  return EXIT_OK;
}

/** npm package names are lower case, with no spaces. */
function packageName(folder: string): string {
  const name = folder.toLowerCase().replace(/[^a-z0-9._-]+/g, "-").replace(/^[._-]+/, "");
  return name || "tributary-project";
}
