/**
 * A real VS Code for tests: code-server 4.100.3 (VS Code 1.100.3, installed by
 * scripts/ensure-code-server.sh) started in its own process group so that stopping it also stops
 * its extension hosts, language servers and the daemon the extension started; Debian's Chromium
 * driven by playwright-core. Settings and state go to a scratch folder, never the home directory.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { chromium, type BrowserContext } from "playwright-core";
import { waitFor } from "../support/waitFor";

/** The repository root. */
export const ROOT = path.join(__dirname, "..", "..");
/** The code-server binary installed by scripts/ensure-code-server.sh (same folder rule as there). */
export const CODE_SERVER = path.join(
  process.env.TRIBUTARY_CODE_SERVER_DIR ??
    path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "tributary", "code-server-4.100.3"),
  "node_modules",
  ".bin",
  "code-server",
);
/** Screenshots and logs of the VS Code tests. */
export const ARTIFACTS = path.join(ROOT, "test-artifacts", "vscode");

/** Installs code-server, Chromium and ripgrep when missing (idempotent; ~70 s the first time). */
export function ensureCodeServer(): void {
  execFileSync("bash", [path.join(ROOT, "scripts", "ensure-code-server.sh")], { stdio: "inherit" });
}

/** A TCP port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

/**
 * Copies samples/warehouse into a scratch folder inside the repository (so Node resolution finds
 * the repository's node_modules/tributary-ts, as in a real project), without its state, plus the
 * given workspace settings and extra files.
 */
export function copySample(name: string, settings: Record<string, unknown>, extraFiles: Record<string, string> = {}): string {
  const target = path.join(ROOT, ".cache", "vscode-tests", name);
  fs.rmSync(target, { recursive: true, force: true });
  fs.cpSync(path.join(ROOT, "samples", "warehouse"), target, {
    recursive: true,
    filter: (source) => !/[\\/](\.tributary|node_modules|dist)$/.test(source),
  });
  // The sample's tsconfig extends the repository's by a relative path: keep it pointing there.
  const tsconfig = path.join(target, "tsconfig.json");
  if (fs.existsSync(tsconfig)) {
    const text = fs.readFileSync(tsconfig, "utf8");
    fs.writeFileSync(tsconfig, text.replace(/"extends"\s*:\s*"(\.[^"]+)"/, (_m, relative: string) =>
      `"extends": ${JSON.stringify(path.resolve(ROOT, "samples", "warehouse", relative))}`));
  }
  fs.mkdirSync(path.join(target, ".vscode"), { recursive: true });
  fs.writeFileSync(path.join(target, ".vscode", "settings.json"), JSON.stringify(settings, null, 2));
  for (const [file, text] of Object.entries(extraFiles)) {
    fs.mkdirSync(path.dirname(path.join(target, file)), { recursive: true });
    fs.writeFileSync(path.join(target, file), text);
  }
  return target;
}

/** A running code-server with its own user data and extensions folders. */
export class CodeServer {
  private child: ChildProcess | undefined;
  readonly scratch = fs.mkdtempSync(path.join(os.tmpdir(), "tributary-code-server-"));
  readonly userDataDir = path.join(this.scratch, "user-data");
  readonly extensionsDir = path.join(this.scratch, "extensions");
  port = 0;
  log = "";

  private env(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      XDG_CONFIG_HOME: path.join(this.scratch, "config"),
      XDG_DATA_HOME: path.join(this.scratch, "data"),
      XDG_CACHE_HOME: path.join(this.scratch, "cache"),
    };
  }

  /** Installs a .vsix into this server's extensions folder (~2 s). */
  installExtension(vsix: string): void {
    execFileSync(CODE_SERVER, ["--user-data-dir", this.userDataDir, "--extensions-dir", this.extensionsDir, "--install-extension", vsix, "--force"], {
      env: this.env(), stdio: "pipe",
    });
  }

  /** Starts code-server on a free port and waits for /healthz. */
  async start(): Promise<void> {
    fs.mkdirSync(path.join(this.userDataDir, "User"), { recursive: true });
    fs.writeFileSync(path.join(this.userDataDir, "User", "settings.json"), JSON.stringify({
      "workbench.startupEditor": "none",
      "workbench.tips.enabled": false,
      "workbench.enableExperiments": false,
      "telemetry.telemetryLevel": "off",
      "extensions.autoCheckUpdates": false,
      "extensions.ignoreRecommendations": true,
      "security.workspace.trust.enabled": false,
      "window.zoomLevel": 0,
      "update.mode": "none",
    }, null, 2));
    this.port = await freePort();
    this.child = spawn("setsid", [CODE_SERVER,
      "--bind-addr", `127.0.0.1:${this.port}`, "--auth", "none",
      "--user-data-dir", this.userDataDir, "--extensions-dir", this.extensionsDir,
      "--disable-telemetry", "--disable-update-check", "--disable-workspace-trust",
      "--disable-getting-started-override", "--ignore-last-opened",
    ], { env: this.env(), stdio: ["ignore", "pipe", "pipe"], detached: false });
    const keep = (chunk: Buffer): void => {
      this.log = (this.log + chunk.toString()).slice(-20_000);
    };
    this.child.stdout?.on("data", keep);
    this.child.stderr?.on("data", keep);
    await waitFor("code-server /healthz", async () => (await fetch(`${this.url}/healthz`)).ok, 30_000);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Stops the whole process group (extension hosts, language servers, daemons). */
  async stop(): Promise<void> {
    const pid = this.child?.pid;
    this.child = undefined;
    if (!pid) return;
    // setsid made the child a group leader: its pid is the group id.
    const signal = (name: NodeJS.Signals | 0): boolean => {
      try {
        process.kill(-pid, name);
        return true;
      } catch {
        return false;
      }
    };
    signal("SIGTERM");
    try {
      await waitFor("the code-server process group to exit", () => !signal(0), 5000);
    } catch {
      signal("SIGKILL");
    }
  }

  /** A headless Chromium (Debian's, no download) with a profile of its own. */
  async browser(): Promise<BrowserContext> {
    return chromium.launchPersistentContext(fs.mkdtempSync(path.join(this.scratch, "chromium-")), {
      executablePath: "/usr/bin/chromium",
      headless: true,
      viewport: { width: 1440, height: 900 },
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
  }

  /** Removes the scratch folder. */
  cleanup(): void {
    fs.rmSync(this.scratch, { recursive: true, force: true });
  }
}
