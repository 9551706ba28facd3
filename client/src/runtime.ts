/**
 * The `tributary` runtime that runs the local daemon: the workspace's own `node_modules/tributary-ts`,
 * always. A project's definitions import it, so a project has it installed, built for the user's
 * machine by npm (better-sqlite3 is native). The extension ships no runtime: that keeps native code
 * out of the .vsix, which is what makes one package fit every platform. When a project has no
 * runtime yet, the user is told so and offered to install it in a terminal.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import { CommandError } from "./errors";

/** Where the workspace's `tributary` CLI is. */
export interface RuntimeLocation {
  /** The CLI's JavaScript entry (`.../node_modules/tributary-ts/bin/tributary.js`). */
  bin: string;
  /** The installed version, from its package.json. */
  version: string | undefined;
}

/** The command that opens the install terminal (package.json `contributes.commands`). */
export const INSTALL_RUNTIME_COMMAND = "tributary.installRuntime";

/** The workspace's runtime: `node_modules/tributary-ts` searched from `projectDir` upwards, as Node resolves it. */
export function findWorkspaceRuntime(projectDir: string): RuntimeLocation | undefined {
  for (let dir = projectDir; ; dir = path.dirname(dir)) {
    const packageDir = path.join(dir, "node_modules", "tributary-ts");
    const bin = path.join(packageDir, "bin", "tributary.js");
    if (fs.existsSync(bin)) {
      let version: string | undefined;
      try {
        version = (JSON.parse(fs.readFileSync(path.join(packageDir, "package.json"), "utf8")) as { version?: string }).version;
      } catch {
        version = undefined;
      }
      return { bin, version };
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** Lock files and the command that adds a package with their package manager. */
const PACKAGE_MANAGERS: [lockFile: string, command: string][] = [
  ["pnpm-lock.yaml", "pnpm add tributary-ts"],
  ["yarn.lock", "yarn add tributary-ts"],
  ["bun.lockb", "bun add tributary-ts"],
  ["bun.lock", "bun add tributary-ts"],
  ["package-lock.json", "npm install tributary-ts"],
];

/** The install command for the project: its package manager's (by the nearest lock file), else npm's. */
export function installCommand(projectDir: string): string {
  for (let dir = projectDir; ; dir = path.dirname(dir)) {
    const found = PACKAGE_MANAGERS.find(([lockFile]) => fs.existsSync(path.join(dir, lockFile)));
    if (found) return found[1];
    if (fs.existsSync(path.join(dir, "package.json")) || path.dirname(dir) === dir) return "npm install tributary-ts";
  }
}

/** The runtime for `projectDir`, or an error that says it is missing and offers to install it. */
export function requireWorkspaceRuntime(projectDir: string): RuntimeLocation {
  const runtime = findWorkspaceRuntime(projectDir);
  if (runtime) return runtime;
  throw new CommandError(
    `The local daemon runs the project's own Tributary runtime, and ${projectDir} has none (no node_modules/tributary-ts here or above). Install it with \`${installCommand(projectDir)}\`.`,
    [{ title: "Install Tributary", command: INSTALL_RUNTIME_COMMAND, args: [projectDir] }],
  );
}

/**
 * Runs the install command in a terminal in `projectDir`, and says so when the runtime appears
 * (offering to start the daemon). Returns the terminal.
 */
export function installRuntime(projectDir: string): vscode.Terminal {
  const command = installCommand(projectDir);
  const terminal = vscode.window.createTerminal({ name: "Tributary: install runtime", cwd: projectDir });
  terminal.show();
  terminal.sendText(command);
  // node_modules is excluded from file watching by default: look for the package instead.
  const started = Date.now();
  const timer = setInterval(() => {
    const runtime = findWorkspaceRuntime(projectDir);
    if (!runtime && Date.now() - started < 15 * 60_000) return;
    clearInterval(timer);
    if (!runtime) return;
    void vscode.window.showInformationMessage(`Tributary${runtime.version ? ` ${runtime.version}` : ""} is installed in ${projectDir}.`, "Start Local Daemon").then((choice) => {
      if (choice) void vscode.commands.executeCommand("tributary.startLocalDaemon");
    });
  }, 1000);
  const closed = vscode.window.onDidCloseTerminal((closedTerminal) => {
    if (closedTerminal !== terminal) return;
    closed.dispose();
    if (!findWorkspaceRuntime(projectDir)) clearInterval(timer);
  });
  return terminal;
}
