import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { main } from "../../runtime/src/cli/main";

export const BIN = resolve(__dirname, "..", "..", "runtime", "bin", "tributary.js");

/** The environment of a CLI under test: no colours, no inherited database URL. */
export function testEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", ...extra };
  if (!("TRIBUTARY_DATABASE_URL" in extra)) delete env["TRIBUTARY_DATABASE_URL"];
  delete env["TRIBUTARY_DEBUG"];
  return env;
}

export interface CliOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real bin (`node runtime/bin/tributary.js`, compiled dist) as a child process. */
export function runBin(args: string[], cwd: string, env: NodeJS.ProcessEnv = testEnv()): Promise<CliOutcome> {
  return new Promise((resolvePromise) => {
    execFile(process.execPath, [BIN, ...args], { cwd, env, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/** Runs `main()` in this process with captured output (fast; for usage errors). */
export async function runMain(args: string[], cwd: string, env: NodeJS.ProcessEnv = testEnv()): Promise<CliOutcome> {
  let stdout = "";
  let stderr = "";
  const code = await main(args, {
    cwd,
    env,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  return { code, stdout, stderr };
}
