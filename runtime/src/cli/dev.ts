/**
 * `tributary dev`: the whole orchestrator on one laptop. A daemon in mode "dev" (embedded storage,
 * definitions reloaded when a file they are built from changes, each reload a new code version that
 * new runs execute on, in-flight runs untouched) plus the HTTP API and the web page on 127.0.0.1.
 */
import { isAbsolute, relative } from "node:path";
import { Daemon } from "../daemon/daemon";
import { Logger, jsonSink, logSettingsFrom, textSink, type LogSink } from "../daemon/logger";
import { startHttpServer, type HttpServer } from "../daemon/http/server";
import type { ProjectState } from "../daemon/services";
import { describeStorage, findProjectConfig } from "../loader/config";
import { integerFlag, parseCommandArgs } from "./args";
import { EXIT_OK, stylesFor, type CliContext } from "./context";

export const DEV_HELP = `Usage: tributary dev [--port 3000] [--host 127.0.0.1] [--token T] [--grace SECONDS]

Runs the project locally: schedules, sensors, the run queue (each run in a worker process) and the
HTTP API with a web page at http://127.0.0.1:3000, on the project's storage (SQLite in .tributary/
by default). Definitions are reloaded when a file they are built from changes (the entry's imports,
tributary.yaml, package.json, the lockfile, tsconfig.json); each reload is a new code version. Runs
in flight are not affected, and runs launched around a reload run on the code they were planned on
or on the new one (their RUN_START event says which). POST /api/reload forces a reload.

Options:
  --port P         HTTP port (default 3000; 0 picks a free one)
  --host H         Address to serve on (default 127.0.0.1; anything else requires a token of 16+ characters)
  --token T        Require this bearer token on the API (default: TRIBUTARY_DAEMON_TOKEN)
  --grace SECONDS  On Ctrl-C, how long runs in flight may finish before they are canceled (default 10)

Ctrl-C stops: runs in flight get the grace period, then are canceled; Ctrl-C again cancels them at
once, a third time exits without waiting. See docs/http-api.md for the API.`;

/** Runs `tributary dev`. */
export async function devCommand(args: string[], context: CliContext): Promise<number> {
  const { values } = parseCommandArgs("dev", args, {
    port: { type: "string" },
    host: { type: "string" },
    token: { type: "string" },
    grace: { type: "string" },
  }, 0);
  const port = integerFlag("dev", "port", values["port"], 0) ?? 3000;
  const graceMs = (integerFlag("dev", "grace", values["grace"], 0) ?? 10) * 1000;
  const host = typeof values["host"] === "string" ? values["host"] : "127.0.0.1";
  const token = typeof values["token"] === "string" ? values["token"] : context.env["TRIBUTARY_DAEMON_TOKEN"];
  const config = findProjectConfig(context.cwd, context.env);
  const s = stylesFor(context.stdout, context.env);
  const out = (line: string) => void context.stdout.write(`${line}\n`);
  const where = (file: string) => (isAbsolute(file) ? relative(config.projectDir, file) || file : file);

  const { format, level } = logSettingsFrom(config.daemon, context.env);
  let sink: LogSink;
  if (format === "json") {
    sink = jsonSink((line) => void context.stdout.write(`${line}\n`));
  } else {
    // The code location logs failed loads itself; dev reports every (re)load below, so skip those lines.
    const text = textSink((line) => void context.stderr.write(`${line}\n`));
    sink = (entry) => {
      if (!(entry.scope["component"] === "code" && entry.fields["event"] === "loadFailed")) text(entry);
    };
  }
  const logger = new Logger(sink, {}, level);
  const daemon = new Daemon({ config, mode: "dev", logger });
  await daemon.start();
  let server: HttpServer;
  try {
    server = await startHttpServer(daemon, { port, host, token, logger: daemon.logger });
    daemon.servesAt(server.url);
  } catch (error) {
    await daemon.stop({ cancelRunning: true, timeoutMs: 5000 });
    throw error;
  }

  const describeState = (state: ProjectState): string => {
    if (state.ok) return s.green(`${state.project.graph.assets.size} asset${state.project.graph.assets.size === 1 ? "" : "s"}`);
    const { message, file, line, hint } = state.error;
    const located = file && !message.includes(file) ? `${where(file)}${line ? `:${line}` : ""}: ${message}` : file ? message.split(file).join(where(file)) : message;
    return `${s.red("error:")} ${located}${hint ? `\n  ${s.yellow("hint:")} ${hint}` : ""}`;
  };
  out(`${s.bold("Tributary dev")}  ${s.cyan(`${server.url}/`)}`);
  out(`  project  ${config.projectDir} (${describeState(daemon.project())})`);
  out(`  storage  ${describeStorage(config)}`);
  out(s.dim("Watching for changes. Ctrl-C to stop."));

  // Every load of the code, with the files whose change caused it.
  const unsubscribe = daemon.onCodeReload((changed) => {
    const state = daemon.project();
    const cause = changed.length > 0 ? `: ${changed.map(where).join(", ")} changed` : "";
    if (state.ok) out(`reloaded (${describeState(state)})${cause}`);
    else out(`reload failed, ${state.codeVersion ? "still serving the previous definitions" : "nothing to serve yet"}: ${describeState(state)}`);
  });

  await waitForInterrupt(context, daemon, server, graceMs, out, unsubscribe);
  out("stopped");
  return EXIT_OK;
}

/**
 * First Ctrl-C: stop serving, let runs in flight finish for the grace period, then cancel them.
 * Second: cancel them now. Third: exit at once.
 */
async function waitForInterrupt(
  context: CliContext,
  daemon: Daemon,
  server: HttpServer,
  graceMs: number,
  out: (line: string) => void,
  unsubscribe: () => void,
): Promise<void> {
  let signals = 0;
  let stopping: Promise<void> | undefined;
  const cancelInFlight = async () => {
    const runs = await daemon.storage.listRuns({ statuses: ["STARTING", "STARTED"], limit: 1000 }).catch(() => []);
    const mine = runs.filter((run) => run.workerId === daemon.daemonId);
    if (mine.length > 0) out(`canceling ${mine.length} run${mine.length === 1 ? "" : "s"} in flight`);
    await Promise.all(mine.map((run) => daemon.cancelRun(run.runId).catch(() => undefined)));
  };
  let done!: () => void;
  const stopped = new Promise<void>((resolve) => (done = resolve));
  const onSignal = () => {
    signals++;
    if (signals === 1) {
      context.stdout.write("\n");
      out(`stopping: runs in flight have ${Math.round(graceMs / 1000)} s to finish (Ctrl-C again cancels them)`);
      unsubscribe();
      const graceTimer = setTimeout(() => void cancelInFlight(), graceMs);
      graceTimer.unref();
      stopping = (async () => {
        await server.close();
        // The coordinator waits for its runs; after the grace period they are canceled, and a
        // canceled worker stops within seconds.
        await daemon.stop({ timeoutMs: graceMs + 15_000 });
        clearTimeout(graceTimer);
      })();
      void stopping.then(done, (error: unknown) => {
        context.stderr.write(`error while stopping: ${(error as Error)?.message ?? String(error)}\n`);
        done();
      });
    } else if (signals === 2) {
      void cancelInFlight();
    } else {
      process.exit(130);
    }
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  await stopped;
  process.off("SIGINT", onSignal);
  process.off("SIGTERM", onSignal);
}
