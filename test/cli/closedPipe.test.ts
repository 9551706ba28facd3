/**
 * `tributary ... | head`: a reader that closes the pipe early must not make the CLI crash with an
 * unhandled EPIPE stack. Runs the real bin (compiled dist) with its stdout closed before it writes.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { BIN, testEnv } from "./helpers";

describe("CLI writing into a closed pipe", () => {
  it("exits quietly with status 0 when its reader has gone", async () => {
    const child = spawn(process.execPath, [BIN, "--help"], { stdio: ["ignore", "pipe", "pipe"], env: testEnv() });
    // Close our end at once: the child's first write to stdout then fails with EPIPE.
    child.stdout.destroy();
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    assert.equal(stderr, "");
    assert.equal(code, 0);
  });
});
