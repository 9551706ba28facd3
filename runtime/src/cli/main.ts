/**
 * The `tributary` command line. `main()` dispatches to one module per command and turns errors
 * into `error:` / `hint:` lines and exit codes (0 ok, 1 failed, 2 bad usage).
 */
import { suggest } from "../selection/suggest";
import { EXIT_OK, EXIT_USAGE, UsageError, reportError, type CliContext, type Command } from "./context";
import { runtimeVersion } from "../version";

/** A command's module, loaded when the command runs: its handler and its help. */
interface CommandModule {
  run: Command;
  help: string;
}

/**
 * Every command: a one-line summary for `tributary --help`, and how to load it. Commands load on
 * use (`require` inside `load`), so `tributary --version` or `--help` does not load the database
 * drivers, esbuild or yaml that a command needs (test/cli/startup.test.ts counts what loads).
 */
const COMMANDS: Record<string, { summary: string; load: () => CommandModule }> = {
  materialize: {
    summary: "Materialize selected assets (--select SEL, or --job NAME)",
    load: () => {
      const m = require("./materialize") as typeof import("./materialize");
      return { run: m.materializeCommand, help: m.MATERIALIZE_HELP };
    },
  },
  assets: {
    summary: "assets list [--select SEL]: the assets (or those a selection picks) with latest materializations and checks",
    load: () => {
      const m = require("./assets") as typeof import("./assets");
      return { run: m.assetsCommand, help: m.ASSETS_HELP };
    },
  },
  backfill: {
    summary: "Materialize a range of partitions (--select SEL --from KEY --to KEY); status, cancel",
    load: () => {
      const m = require("./backfill") as typeof import("./backfill");
      return { run: m.backfillCommand, help: m.BACKFILL_HELP };
    },
  },
  partitions: {
    summary: "partitions status ASSET: materialized / failed / missing; add/remove dynamic keys",
    load: () => {
      const m = require("./partitions") as typeof import("./partitions");
      return { run: m.partitionsCommand, help: m.PARTITIONS_HELP };
    },
  },
  runs: {
    summary: "runs list | runs show ID: past runs and their events",
    load: () => {
      const m = require("./runs") as typeof import("./runs");
      return { run: m.runsCommand, help: m.RUNS_HELP };
    },
  },
  schedules: {
    summary: "schedules preview NAME: the next ticks of a schedule (--from, --count, --json)",
    load: () => {
      const m = require("./schedules") as typeof import("./schedules");
      return { run: m.schedulesCommand, help: m.SCHEDULES_HELP };
    },
  },
  automation: {
    summary: "automation explain KEY: why the daemon materialized an asset by itself, or why not (--json)",
    load: () => {
      const m = require("./automation") as typeof import("./automation");
      return { run: m.automationCommand, help: m.AUTOMATION_HELP };
    },
  },
  validate: {
    summary: "Check the project statically (nothing runs)",
    load: () => {
      const m = require("./validate") as typeof import("./validate");
      return { run: m.validateCommand, help: m.VALIDATE_HELP };
    },
  },
  init: {
    summary: "Create a new project in DIR",
    load: () => {
      const m = require("./init") as typeof import("./init");
      return { run: m.initCommand, help: m.INIT_HELP };
    },
  },
  dev: {
    summary: "Run the project locally: daemon + HTTP API + web page on 127.0.0.1:3000",
    load: () => {
      const m = require("./dev") as typeof import("./dev");
      return { run: m.devCommand, help: m.DEV_HELP };
    },
  },
  migrate: {
    summary: "Apply storage migrations, print the schema version",
    load: () => {
      const m = require("./migrate") as typeof import("./migrate");
      return { run: m.migrateCommand, help: m.MIGRATE_HELP };
    },
  },
  daemon: {
    summary: "Run schedules, sensors, the run queue and monitor (--port P: HTTP API)",
    load: () => {
      const m = require("./daemon") as typeof import("./daemon");
      return { run: m.daemonCommand, help: m.DAEMON_HELP };
    },
  },
  worker: {
    summary: "Add execution capacity: claim and execute queued runs",
    load: () => {
      const m = require("./daemon") as typeof import("./daemon");
      return { run: m.workerCommand, help: m.WORKER_HELP };
    },
  },
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
    ...(overrides.now ? { now: overrides.now } : {}),
  };

  const [name, ...rest] = args;
  if (name === undefined) {
    context.stderr.write(globalHelp());
    return EXIT_USAGE;
  }
  if (name === "--help" || name === "-h" || name === "help") {
    const topic = name === "help" ? rest[0] : undefined;
    context.stdout.write(topic && COMMANDS[topic] ? `${COMMANDS[topic]!.load().help}\n` : globalHelp());
    return EXIT_OK;
  }
  if (name === "--version" || name === "-V" || name === "version") {
    context.stdout.write(`${runtimeVersion()}\n`);
    return EXIT_OK;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    const guess = suggest(name, Object.keys(COMMANDS));
    return reportError(
      new UsageError(name.startsWith("-") ? `unknown option "${name}"` : `unknown command "${name}"`, {
        hint: guess ? `Did you mean \`tributary ${guess}\`?` : "`tributary --help` lists the commands.",
      }),
      context,
    );
  }
  const command = entry.load();
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
