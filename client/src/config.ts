/**
 * Typed access to the `tributary.*` settings. Every setting the extension reads is declared here
 * once, with its default and what a change requires (nothing, a daemon restart or a server
 * restart), so `onDidChangeConfiguration` can act on it in one place (rust-analyzer's config.ts).
 */
import * as vscode from "vscode";

/** When Materialize may start the local daemon by itself. */
export type AutoStart = "onMaterialize" | "never";

/** When the run logs output channel is revealed after a run. */
export type RevealLogs = "never" | "onFailure" | "always";

/** Every `tributary.*` setting, as the extension sees it. */
export interface TributaryConfig {
  /** Base URL of the daemon HTTP API (local or remote). @defaultValue "http://127.0.0.1:3000" */
  daemonUrl: string;
  /** How often the daemon is polled for statuses and health, in ms; 0 disables. @defaultValue 5000 */
  daemonPollIntervalMs: number;
  /** CodeLens above each asset. @defaultValue true */
  codeLens: boolean;
  /** Whether Materialize starts the local daemon when none answers. @defaultValue "onMaterialize" */
  localDaemonAutoStart: AutoStart;
  /** The Node.js executable for the local daemon; empty = `node` on PATH. @defaultValue "" */
  nodePath: string;
  /** A language server to run instead of the bundled one (a .js file). @defaultValue "" */
  serverPath: string;
  /** LSP message tracing into the server's output channel. @defaultValue "off" */
  traceServer: "off" | "messages" | "verbose";
  /** Levels up and down shown when the lineage is focused on one asset. @defaultValue 2 */
  lineageFocusDepth: number;
  /** When the run logs channel is shown. @defaultValue "onFailure" */
  revealRunLogs: RevealLogs;
}

/** What a change of a setting needs before it takes effect. */
type Effect = "none" | "restartServer" | "restartDaemon";

interface SettingSpec<K extends keyof TributaryConfig> {
  /** The name after `tributary.`. */
  name: string;
  default: TributaryConfig[K];
  effect: Effect;
}

/** The settings table: name under `tributary.`, default, and what a change requires. */
export const SETTINGS: { [K in keyof TributaryConfig]: SettingSpec<K> } = {
  daemonUrl: { name: "daemonUrl", default: "http://127.0.0.1:3000", effect: "none" },
  daemonPollIntervalMs: { name: "daemonPollIntervalMs", default: 5000, effect: "none" },
  codeLens: { name: "codeLens", default: true, effect: "none" },
  localDaemonAutoStart: { name: "localDaemon.autoStart", default: "onMaterialize", effect: "none" },
  nodePath: { name: "nodePath", default: "", effect: "restartDaemon" },
  serverPath: { name: "server.path", default: "", effect: "restartServer" },
  traceServer: { name: "trace.server", default: "off", effect: "restartServer" },
  lineageFocusDepth: { name: "lineage.focusDepth", default: 2, effect: "none" },
  revealRunLogs: { name: "runs.revealLogs", default: "onFailure", effect: "none" },
};

/** The configuration section every setting lives in. */
export const SECTION = "tributary";

/** Reads every setting (falling back to the defaults above for missing or mistyped values). */
export function readConfig(scope?: vscode.ConfigurationScope): TributaryConfig {
  const section = vscode.workspace.getConfiguration(SECTION, scope);
  const result = {} as Record<string, unknown>;
  for (const [key, spec] of Object.entries(SETTINGS) as [keyof TributaryConfig, SettingSpec<keyof TributaryConfig>][]) {
    const value = section.get<unknown>(spec.name);
    result[key] = typeof value === typeof spec.default ? value : spec.default;
  }
  return result as unknown as TributaryConfig;
}

/** Settings whose change (in `event`) needs `effect`, as `tributary.x` names for messages. */
export function changedNeeding(event: vscode.ConfigurationChangeEvent, effect: Effect): string[] {
  return Object.values(SETTINGS)
    .filter((spec) => spec.effect === effect && event.affectsConfiguration(`${SECTION}.${spec.name}`))
    .map((spec) => `${SECTION}.${spec.name}`);
}

/** Whether a URL points at this machine (a daemon we may start ourselves). */
export function isLoopbackUrl(url: string): boolean {
  try {
    const host = new URL(url).hostname;
    return host === "127.0.0.1" || host === "localhost" || host === "[::1]" || host === "::1";
  } catch {
    return false;
  }
}

/** The port of a daemon URL (default 3000 when the URL names none). */
export function portOf(url: string): number {
  try {
    const parsed = new URL(url);
    return parsed.port ? Number(parsed.port) : parsed.protocol === "https:" ? 443 : 80;
  } catch {
    return 3000;
  }
}
