/**
 * `tributary validate [DIR] [--json]`: static analysis only, nothing runs. The analysis is the
 * language server's (one implementation for editor squiggles and CI), bundled next to the CLI as
 * dist/bundled/validate.js.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, formatLocation } from "../errors";
import { CONFIG_FILE_NAME, findProjectConfig, MissingEntryError } from "../loader/config";
import { bundledAnalysisPath, loadBundledAnalysis, type OutputFunction, type ProjectDiscovery } from "../loader/staticAnalysis";
import { EXIT_USAGE, stylesFor, type CliContext } from "./context";

export const VALIDATE_HELP = `Usage: tributary validate [DIR] [--json]

Checks the project in DIR (default: the current folder) without running any of its code: unknown
deps, cycles, duplicate keys, invalid cron strings, bad selections... and what would stop it from
loading: tributary.yaml and its entry, syntax errors, missing imports (codes in docs/).

Options:
  --json   Print {"assets":[...],"diagnostics":[...]} (see docs/cli.md)

Exit codes: 0 no errors, 1 errors found, 2 bad usage.`;

function outputFunction(stream: { write(text: string): unknown }): OutputFunction {
  const write = (text: string): void => void stream.write(text);
  return Object.assign(write, { write });
}

/** Where the bundled analysis lives (dist/bundled/validate.js; see loader/staticAnalysis.ts). */
export const bundledValidatePath = bundledAnalysisPath;

/** Runs `validate` by delegating to the bundled analysis. */
export async function validateCommand(args: string[], context: CliContext): Promise<number> {
  const file = bundledValidatePath();
  if (!existsSync(file)) {
    const s = stylesFor(context.stderr, context.env);
    context.stderr.write(`${s.red("error:")} tributary validate is not available in this build: ${file} is missing\n`);
    context.stderr.write(`${s.yellow("hint:")} Build it with \`npm run build\` at the repository root (it bundles the language server's analysis).\n`);
    return EXIT_USAGE;
  }
  const bundled = loadBundledAnalysis("runValidate", file);
  // DIR defaults to where the command runs (which is not process.cwd() when run in-process by tests).
  const hasDir = args.some((arg) => !arg.startsWith("-"));
  return bundled.runValidate(hasDir ? args : [...args, context.cwd], {
    stdout: outputFunction(context.stdout),
    stderr: outputFunction(context.stderr),
  }, { discover: (directory) => discoverProject(directory, context.env) });
}

/**
 * The loader's own project discovery (tributary.yaml, `${VAR}` interpolation with this
 * environment, storage URL, entry file), its errors turned into diagnostics: what `assets list`
 * would stop at before compiling anything.
 */
export function discoverProject(directory: string, env: NodeJS.ProcessEnv): ProjectDiscovery {
  try {
    return { entryFile: findProjectConfig(directory, env).entryFile, problems: [] };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const location = error.location;
    const message = location ? error.message.slice(formatLocation(location).length + 2) : error.message;
    const configFile = join(directory, CONFIG_FILE_NAME);
    return {
      problems: [{
        file: location?.file ?? (existsSync(configFile) ? configFile : directory),
        line: location?.line ?? 1,
        column: location?.column ?? 1,
        code: error instanceof MissingEntryError ? "missing-entry" : "invalid-config",
        message: error.hint ? `${message}. ${error.hint}` : message,
      }],
    };
  }
}
