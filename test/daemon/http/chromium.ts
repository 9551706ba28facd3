/**
 * Headless Chromium driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`: fd 3
 * in, fd 4 out, messages separated by NUL), so the browser check needs no npm package.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable, Writable } from "node:stream";

/** The Chromium binary, if this machine has one. */
export function findChromium(): string | undefined {
  return ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].find((path) => existsSync(path));
}

/** One page in a headless Chromium. */
export class HeadlessPage {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: any) => void; reject: (error: Error) => void }>();
  private buffer = "";
  private sessionId: string | undefined;
  /** Console messages and browser log entries (CSP violations land here). */
  readonly logs: string[] = [];

  private constructor(private readonly child: ChildProcess, private readonly profile: string) {
    const output = child.stdio[4] as Readable;
    output.on("data", (chunk: Buffer) => {
      this.buffer += chunk.toString("utf8");
      let cut: number;
      while ((cut = this.buffer.indexOf("\0")) >= 0) {
        const message = JSON.parse(this.buffer.slice(0, cut)) as { id?: number; result?: unknown; error?: { message: string }; method?: string; params?: any };
        this.buffer = this.buffer.slice(cut + 1);
        if (message.id !== undefined) {
          const waiter = this.pending.get(message.id);
          this.pending.delete(message.id);
          if (message.error) waiter?.reject(new Error(message.error.message));
          else waiter?.resolve(message.result);
        } else if (message.method === "Log.entryAdded") {
          this.logs.push(`${message.params.entry.level}: ${message.params.entry.text}`);
        } else if (message.method === "Runtime.consoleAPICalled") {
          this.logs.push(`console.${message.params.type}: ${message.params.args.map((arg: { value?: unknown }) => String(arg.value)).join(" ")}`);
        } else if (message.method === "Runtime.exceptionThrown") {
          this.logs.push(`exception: ${message.params.exceptionDetails.exception?.description ?? message.params.exceptionDetails.text}`);
        }
      }
    });
  }

  /** Starts Chromium and opens `url` in a fresh profile. */
  static async open(binary: string, url: string): Promise<HeadlessPage> {
    const profile = mkdtempSync(join(tmpdir(), "tributary-chromium-"));
    const child = spawn(binary, ["--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe", `--user-data-dir=${profile}`, "about:blank"], {
      stdio: ["ignore", "ignore", "ignore", "pipe", "pipe"],
      // A process group of its own, so close() can stop its helper processes too.
      detached: true,
    });
    const page = new HeadlessPage(child, profile);
    const { targetId } = await page.send("Target.createTarget", { url: "about:blank" });
    const { sessionId } = await page.send("Target.attachToTarget", { targetId, flatten: true });
    page.sessionId = sessionId;
    await page.send("Log.enable");
    await page.send("Runtime.enable");
    await page.send("Page.enable");
    await page.send("Page.navigate", { url });
    return page;
  }

  /** Sends one protocol command (to the page once attached). */
  send(method: string, params: Record<string, unknown> = {}): Promise<any> {
    const id = this.nextId++;
    const message = { id, method, params, ...(this.sessionId ? { sessionId: this.sessionId } : {}) };
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      (this.child.stdio[3] as Writable).write(`${JSON.stringify(message)}\0`);
    });
  }

  /** Evaluates an expression in the page and returns its value. */
  async evaluate<T>(expression: string): Promise<T> {
    const { result, exceptionDetails } = await this.send("Runtime.evaluate", { expression, returnByValue: true, awaitPromise: true });
    if (exceptionDetails) throw new Error(`page threw: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`);
    return result.value as T;
  }

  /** Closes the browser and removes its profile. */
  async close(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    await this.send("Browser.close").catch(() => {});
    this.child.kill();
    await exited;
    // Its helper processes (zygote, renderer) can outlive it and keep writing to the profile.
    try {
      process.kill(-this.child.pid!, "SIGKILL");
    } catch {
      // the group is gone already
    }
    rmSync(this.profile, { recursive: true, force: true, maxRetries: 20, retryDelay: 50 });
  }
}
