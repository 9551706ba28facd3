/**
 * A PostgreSQL cluster of a test's own: initdb in a temporary folder, a free port, started and
 * stopped on demand. Tests of database outages stop their database mid-run; the shared test
 * database cannot be taken away from the other tests, so they get one of their own.
 *
 * The binaries come from `pg_config --bindir` (or TRIBUTARY_TEST_PG_BIN). initdb refuses to run as
 * root, so as root the cluster belongs to the `postgres` user and its commands run through
 * `runuser -u postgres`. Without the binaries this fails with a message that says what to install.
 */
import { execFileSync, spawn } from "node:child_process";
import { appendFileSync, chownSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

/** A running (or stopped) cluster of one test. */
export interface TestCluster {
  /** `postgres://postgres@127.0.0.1:PORT/postgres` (trust authentication). */
  url: string;
  port: number;
  /** The data folder (its `server.log` has the server's log). */
  dir: string;
  readonly running: boolean;
  /** Stops the server: `fast` ends every session (as a restart by an operator does), `immediate` is a crash. */
  stop(mode?: "fast" | "immediate"): Promise<void>;
  /** Starts it again on the same port; resolves once it accepts connections. */
  start(): Promise<void>;
  /** Stops it (if running) and deletes its folder. */
  destroy(): Promise<void>;
}

/** The folder of initdb and pg_ctl. */
function binDir(): string {
  const fromEnv = process.env.TRIBUTARY_TEST_PG_BIN;
  if (fromEnv) return fromEnv;
  try {
    return execFileSync("pg_config", ["--bindir"], { encoding: "utf8" }).trim();
  } catch (error) {
    throw new Error(
      `Cannot find PostgreSQL's initdb and pg_ctl (pg_config --bindir failed: ${(error as Error).message}). ` +
        "Install the PostgreSQL server (Debian: apt-get install postgresql), or set TRIBUTARY_TEST_PG_BIN to the folder holding initdb and pg_ctl.",
    );
  }
}

/** A TCP port nobody listens on right now. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const asRoot = process.getuid?.() === 0;

/** Runs a PostgreSQL binary (as the postgres user when we are root); rejects with its output when it fails. */
function run(bin: string, args: string[]): Promise<void> {
  const [command, commandArgs] = asRoot ? ["runuser", ["-u", "postgres", "--", bin, ...args]] : [bin, args];
  return new Promise((resolve, reject) => {
    // stdout ignored: `pg_ctl start` leaves the server holding whatever it was given.
    const child = spawn(command, commandArgs, { stdio: ["ignore", "ignore", "pipe"] });
    let errors = "";
    child.stderr!.on("data", (chunk: Buffer) => (errors += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${path.basename(bin)} ${args.join(" ")} exited with ${code}: ${errors}`))));
  });
}

/** Creates and starts a cluster. */
export async function createTestCluster(): Promise<TestCluster> {
  const bin = binDir();
  const initdb = path.join(bin, "initdb");
  const pgCtl = path.join(bin, "pg_ctl");
  if (!existsSync(initdb) || !existsSync(pgCtl)) throw new Error(`No initdb or pg_ctl in ${bin}; set TRIBUTARY_TEST_PG_BIN to the folder holding them.`);
  const dir = mkdtempSync(path.join(os.tmpdir(), "tributary-pg-"));
  if (asRoot) {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }));
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }));
    chownSync(dir, uid, gid);
  }
  const port = await freePort();
  await run(initdb, ["-D", dir, "-U", "postgres", "--auth=trust", "--no-sync", "--encoding=UTF8", "--locale=C"]);
  // TCP on loopback only, no Unix socket (nothing to clash with another cluster's), no fsync (a test
  // cluster need not survive a power cut; a stopped server still keeps every commit).
  appendFileSync(dir + "/postgresql.conf", `\nport = ${port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = ''\nfsync = off\n`);
  let running = false;
  const cluster: TestCluster = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dir,
    get running() {
      return running;
    },
    async stop(mode = "fast") {
      await run(pgCtl, ["-D", dir, "-m", mode, "-w", "stop"]);
      running = false;
    },
    async start() {
      await run(pgCtl, ["-D", dir, "-l", path.join(dir, "server.log"), "-w", "-t", "60", "start"]);
      running = true;
    },
    async destroy() {
      if (running) await cluster.stop("immediate").catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await cluster.start();
  return cluster;
}
