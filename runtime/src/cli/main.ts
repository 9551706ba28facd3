/**
 * The `tributary` command line. `main()` dispatches to one module per command and turns errors
 * into `error:` / `hint:` lines and exit codes (0 ok, 1 failed, 2 bad usage).
 */
import { suggest } from "../selection/suggest";
import { ASSETS_HELP, assetsCommand } from "./assets";
import { BACKFILL_HELP, backfillCommand } from "./backfill";
import { EXIT_OK, EXIT_USAGE, UsageError, reportError, type CliContext, type Command } from "./context";
import { DEV_HELP, devCommand } from "./dev";
import { DAEMON_HELP, daemonCommand } from "./daemon";
import { INIT_HELP, initCommand } from "./init";
import { MATERIALIZE_HELP, materializeCommand } from "./materialize";
import { MIGRATE_HELP, migrateCommand } from "./migrate";
import { PARTITIONS_HELP, partitionsCommand } from "./partitions";
import { RUNS_HELP, runsCommand } from "./runs";
import { SCHEDULES_HELP, schedulesCommand } from "./schedules";
import { VALIDATE_HELP, validateCommand } from "./validate";
import { WORKER_HELP, workerCommand } from "./worker";
import { runtimeVersion } from "../version";

/** Every command: its handler, its help, and a one-line summary for `tributary --help`. */
const COMMANDS: Record<string, { run: Command; help: string; summary: string }> = {
  materialize: { run: materializeCommand, help: MATERIALIZE_HELP, summary: "Materialize selected assets (--select SEL, or --job NAME)" },
  assets: { run: assetsCommand, help: ASSETS_HELP, summary: "assets list [--select SEL]: the assets (or those a selection picks) with latest materializations and checks" },
  backfill: { run: backfillCommand, help: BACKFILL_HELP, summary: "Materialize a range of partitions (--select SEL --from KEY --to KEY); status, cancel" },
  partitions: { run: partitionsCommand, help: PARTITIONS_HELP, summary: "partitions status ASSET: materialized / failed / missing; add/remove dynamic keys" },
  runs: { run: runsCommand, help: RUNS_HELP, summary: "runs list | runs show ID: past runs and their events" },
  schedules: { run: schedulesCommand, help: SCHEDULES_HELP, summary: "schedules preview NAME: the next ticks of a schedule (--from, --count, --json)" },
  validate: { run: validateCommand, help: VALIDATE_HELP, summary: "Check the project statically (nothing runs)" },
  init: { run: initCommand, help: INIT_HELP, summary: "Create a new project in DIR" },
  dev: { run: devCommand, help: DEV_HELP, summary: "Run the project locally: daemon + HTTP API + web page on 127.0.0.1:3000" },
  migrate: { run: migrateCommand, help: MIGRATE_HELP, summary: "Apply storage migrations, print the schema version" },
  daemon: { run: daemonCommand, help: DAEMON_HELP, summary: "Run schedules, sensors, the run queue and monitor (--port P: HTTP API)" },
  worker: { run: workerCommand, help: WORKER_HELP, summary: "Add execution capacity: claim and execute queued runs" },
};

/** The help printed by `tributary --help`. */
export function globalHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const lines = Object.entries(COMMANDS).map(([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`);
  return `Usage: tributary <command> [options]

Asset-based orchestration for data warehouses, in TypeScript.

Commands:
${lines.join("\n")}

Global options:
  -h, --help      Help (also: tributary <command> --help)
  -V, --version   Print the version
      --verbose   Show stacks of errors and info logs (also: TRIBUTARY_DEBUG=1)

The project is found from the current folder: tributary.yaml here or in a parent, else
definitions.ts or src/definitions.ts. Storage: SQLite in .tributary/ unless tributary.yaml or
TRIBUTARY_DATABASE_URL says otherwise. Exit codes: 0 ok, 1 a run or validation failed, 2 bad usage.
`;
}

/**
 * Runs the CLI and resolves to its exit code (it never calls `process.exit` itself, except on a
 * second Ctrl-C during a run).
 *
 * @example
 * ```ts
 * main(["materialize", "--select", "*"]).then((code) => (process.exitCode = code));
 * ```
 */
export async function main(argv: string[] = process.argv.slice(2), overrides: Partial<CliContext> = {}): Promise<number> {
  const env = overrides.env ?? process.env;
  const dashDash = argv.indexOf("--");
  const flagsPart = dashDash === -1 ? argv : argv.slice(0, dashDash);
  const verbose = flagsPart.includes("--verbose") || env["TRIBUTARY_DEBUG"] === "1" || overrides.verbose === true;
  const args = argv.filter((arg, index) => !(arg === "--verbose" && (dashDash === -1 || index < dashDash)));
  const context: CliContext = {
    stdout: overrides.stdout ?? process.stdout,
    stderr: overrides.stderr ?? process.stderr,
    env,
    cwd: overrides.cwd ?? process.cwd(),
    verbose,
  };

  const [name, ...rest] = args;
  if (name === undefined) {
    context.stderr.write(globalHelp());
    return EXIT_USAGE;
  }
  if (name === "--help" || name === "-h" || name === "help") {
    const topic = name === "help" ? rest[0] : undefined;
    context.stdout.write(topic && COMMANDS[topic] ? `${COMMANDS[topic]!.help}\n` : globalHelp());
    return EXIT_OK;
  }
  if (name === "--version" || name === "-V" || name === "version") {
    context.stdout.write(`${runtimeVersion()}\n`);
    return EXIT_OK;
  }
  const command = COMMANDS[name];
  if (!command) {
    const guess = suggest(name, Object.keys(COMMANDS));
    return reportError(
      new UsageError(name.startsWith("-") ? `unknown option "${name}"` : `unknown command "${name}"`, {
        hint: guess ? `Did you mean \`tributary ${guess}\`?` : "`tributary --help` lists the commands.",
      }),
      context,
    );
  }
  const commandFlags = dashDash === -1 ? rest : rest.slice(0, Math.max(0, dashDash - 1));
  if (commandFlags.includes("--help") || commandFlags.includes("-h")) {
    context.stdout.write(`${command.help}\n`);
    return EXIT_OK;
  }
  try {
    return await command.run(rest, context);
  } catch (error) {
    return reportError(error, context);
  }
}
