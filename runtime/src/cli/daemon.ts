/**
 * `tributary daemon` and `tributary worker`: the production processes. A daemon runs schedules,
 * sensors, the run monitor and a run coordinator (and the HTTP API with --port); a worker only
 * adds execution capacity (a coordinator). Both run until SIGINT/SIGTERM; a second signal exits at once.
 */
import { Daemon } from "../daemon/daemon";
import { Logger, jsonSink, logSettingsFrom, textSink } from "../daemon/logger";
import { startHttpServer, type HttpServer } from "../daemon/http/server";
import { describeStorage, findProjectConfig } from "../loader/config";
import { integerFlag, parseCommandArgs } from "./args";
import { EXIT_OK, type CliContext } from "./context";

export const DAEMON_HELP = `Usage: tributary daemon [--port P] [--host H] [--token T] [--max-concurrent-runs N]

Runs schedules, sensors, the run queue (claims QUEUED runs, each in a worker process), the run
monitor and notifications for the project, on its storage (PostgreSQL to share it with other
daemons and workers: set storage.url in tributary.yaml or TRIBUTARY_DATABASE_URL). Tuned by the
daemon: section of tributary.yaml (see docs/deploying.md). Runs execute the code loaded at start
until SIGHUP or POST /api/reload loads it again. Stops on SIGINT/SIGTERM once its runs end.

Options:
  --port P    Also serve the HTTP API on port P
  --host H    Address for the HTTP API (default 127.0.0.1; anything else requires a token of 16+ characters)
  --token T   Bearer token for the HTTP API (default: TRIBUTARY_DAEMON_TOKEN)
  --max-concurrent-runs N   Runs this process executes at once (0: none, leave them to workers)`;

export const WORKER_HELP = `Usage: tributary worker [--max-concurrent-runs N]

Adds execution capacity: claims QUEUED runs from the project's storage (FOR UPDATE SKIP LOCKED on
PostgreSQL) and executes each in a worker process, heartbeating them. No schedules, sensors or HTTP.
Capacity: daemon.maxConcurrentRuns in tributary.yaml. Runs execute the code loaded at start until
SIGHUP loads it again. Stops on SIGINT/SIGTERM once its runs end.`;

/** Runs `tributary daemon`. */
export async function daemonCommand(args: string[], context: CliContext): Promise<number> {
  const { values } = parseCommandArgs("daemon", args, { port: { type: "string" }, host: { type: "string" }, token: { type: "string" }, "max-concurrent-runs": { type: "string" } }, 0);
  const port = integerFlag("daemon", "port", values["port"], 0);
  const maxConcurrentRuns = integerFlag("daemon", "max-concurrent-runs", values["max-concurrent-runs"], 0);
  return runProcess("daemon", context, maxConcurrentRuns, port === undefined ? undefined : {
    port,
    host: typeof values["host"] === "string" ? values["host"] : "127.0.0.1",
    token: typeof values["token"] === "string" ? values["token"] : context.env["TRIBUTARY_DAEMON_TOKEN"],
  });
}

/** Runs `tributary worker`. */
export async function workerCommand(args: string[], context: CliContext): Promise<number> {
  const { values } = parseCommandArgs("worker", args, { "max-concurrent-runs": { type: "string" } }, 0);
  return runProcess("worker", context, integerFlag("worker", "max-concurrent-runs", values["max-concurrent-runs"], 0), undefined);
}

async function runProcess(role: "daemon" | "worker", context: CliContext, maxConcurrentRuns: number | undefined, http: { port: number; host: string; token: string | undefined } | undefined): Promise<number> {
  const config = findProjectConfig(context.cwd, context.env);
  const { format, level } = logSettingsFrom(config.daemon, context.env);
  // Text for people on stderr, each line stamped; JSON for log shippers on stdout (its `time` is the stamp).
  const logger = new Logger(
    format === "json" ? jsonSink((line) => void context.stdout.write(`${line}\n`)) : textSink((line) => void context.stderr.write(`${new Date().toISOString()} ${line}\n`)),
    {},
    level,
  );
  const daemon = new Daemon({ config, role, logger, ...(maxConcurrentRuns === undefined ? {} : { settings: { maxConcurrentRuns } }) });
  const processLog = daemon.logger.scope({ component: role });
  const log = (line: string) => processLog.info(line);
  await daemon.start();
  let server: HttpServer | undefined;
  try {
    if (http) {
      server = await startHttpServer(daemon, { ...http, logger: daemon.logger });
      daemon.servesAt(server.url);
    }
  } catch (error) {
    await daemon.stop({ cancelRunning: true, timeoutMs: 5000 });
    throw error;
  }
  const state = daemon.project();
  const code = state.ok ? `, code ${state.codeVersion}` : ` (project does not load: ${state.error.message})`;
  processLog.info(`${daemon.daemonId} started on ${describeStorage(config)}${server ? `, HTTP API at ${server.url}` : ""}${code}`, {
    ...(server ? { url: server.url } : {}),
    codeVersion: state.codeVersion,
  });
  // The code runs execute changes only when asked: SIGHUP (or POST /api/reload) loads it again.
  const onHangup = () => {
    log("SIGHUP: reloading the code");
    void daemon.reloadCode().then((reloaded) =>
      reloaded.ok
        ? log(`runs now execute code ${reloaded.codeVersion}`)
        : processLog.error(`reload failed, runs keep executing code ${reloaded.codeVersion ?? "(none)"}: ${reloaded.error.message}`, { codeVersion: reloaded.codeVersion }),
    );
  };
  process.on("SIGHUP", onHangup);
  // Readiness line on stdout, for supervisors and tests.
  context.stdout.write(`${JSON.stringify({ ready: true, role, daemonId: daemon.daemonId, ...(server ? { url: server.url } : {}) })}\n`);
  await new Promise<void>((resolve) => {
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      signals++;
      if (signals > 1) {
        processLog.warn(`second ${signal}: exiting now`);
        process.exit(130);
      }
      log(`${signal}: stopping (waiting for runs in flight; send it again to exit now)`);
      resolve();
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
  process.off("SIGHUP", onHangup);
  await server?.close();
  await daemon.stop();
  log("stopped");
  return EXIT_OK;
}
