/** Test projects and daemon/worker processes for the daemon tests. */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { tempProject } from "../support/tempProject";
import path from "node:path";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";


const ENTRY = path.join(__dirname, "processEntry.ts");
const REPO = path.join(__dirname, "..", "..");
/** tsx by absolute URL: the processes run in a project folder that has no node_modules. */
const TSX = pathToFileURL(path.join(REPO, "node_modules", "tsx", "dist", "loader.mjs")).href;

/** Writes a project (tributary.yaml + definitions.ts) in a new temporary folder. */
/**
 * The tributary.yaml of a test project on PostgreSQL: its storage and `daemon:` settings (small
 * intervals, so a test waits little), e.g. `{ queuePollMs: 50, runRetries: "{ maxRetries: 1 }" }`.
 */
export function postgresProjectYaml(storage: { url: string; schema?: string }, daemon: Record<string, string | number>): string {
  return [
    "entry: definitions.ts",
    "storage:",
    `  url: ${storage.url}`,
    ...(storage.schema === undefined ? [] : [`  schema: ${storage.schema}`]),
    "daemon:",
    ...Object.entries(daemon).map(([name, value]) => `  ${name}: ${value}`),
    "",
  ].join("\n");
}

/** A temporary project folder with `files` in it (the tests' one fixture, test/support/tempProject.ts). */
export function writeProject(files: Record<string, string>): string {
  return tempProject(files, "daemon").dir;
}

/** A `tributary daemon` or `tributary worker` process started from source. */
export interface TributaryProcess {
  child: ChildProcess;
  daemonId: string;
  /** The HTTP API's base URL (a daemon started with --port). */
  url?: string;
  output: () => string;
  /** What it wrote on stdout, by line (the readiness line, JSON log lines with TRIBUTARY_LOG_FORMAT=json). */
  stdoutLines: () => string[];
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
  /** SIGKILL the whole process group (the process and its run workers: a lost machine). */
  killGroup(): Promise<void>;
  /** SIGKILL the process alone (the OOM killer's choice), leaving its run workers orphaned. */
  killAlone(): Promise<void>;
  /** SIGSTOP the process alone (a machine that stalls, a paused VM); its run workers go on. */
  freeze(): void;
  /** SIGCONT a frozen process. */
  resume(): void;
}

/** Starts `tributary <args>` in `cwd` and resolves once it printed its readiness line. */
export async function startProcess(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<TributaryProcess> {
  const child = spawn(process.execPath, ["--import", TSX, ENTRY, ...args], {
    cwd,
    env: { ...process.env, ...env, NODE_OPTIONS: "" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  const stdoutLines: string[] = [];
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const { daemonId, url } = await new Promise<{ daemonId: string; url?: string }>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on("line", (line) => {
      stdoutLines.push(line);
      try {
        const ready = JSON.parse(line) as { ready?: boolean; daemonId?: string; url?: string };
        if (ready.ready && ready.daemonId) resolve({ daemonId: ready.daemonId, ...(ready.url ? { url: ready.url } : {}) });
      } catch {
        // not the readiness line
      }
    });
    child.once("exit", (code) => reject(new Error(`tributary ${args.join(" ")} exited with ${code} before it was ready:\n${output}`)));
  });
  return {
    child,
    daemonId,
    ...(url ? { url } : {}),
    output: () => output,
    stdoutLines: () => [...stdoutLines],
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
    async killGroup() {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // already gone
      }
      await exited;
    },
    async killAlone() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
    freeze() {
      child.kill("SIGSTOP");
    },
    resume() {
      child.kill("SIGCONT");
    },
  };
}

/** True while a process with this pid exists (signal 0 only checks). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A process that exited but was not reaped yet (a zombie) still answers signal 0. An orphan is
  // re-parented to PID 1, and a container's PID 1 may never reap it (seen in CI: the orphaned run
  // worker had exited, yet "alive" for good), so read its state: "Z" means it has exited.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    // No /proc (not Linux): signal 0 is all there is. With /proc: it went away meanwhile.
    return !existsSync("/proc/self/stat");
  }
}

/** Runs a one-shot `tributary <args>` (e.g. materialize) in `cwd` to its end. */
export async function runCommand(cwd: string, args: string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ["--import", TSX, ENTRY, ...args], { cwd, env: { ...process.env, NODE_OPTIONS: "" }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once("exit", (exitCode) => resolve(exitCode)));
  return { code, output };
}

export { REPO };
