/**
 * The console URL of a run, for `tributary materialize` and `tributary runs show`: printed when a
 * daemon serves this project's storage over HTTP. Discovery is the daemon's own heartbeat (the
 * daemon records the URL it serves at; see `Daemon.servesAt`), read from the storage the command
 * already opened: no network, no guess at a port. `TRIBUTARY_DAEMON_URL` names the daemon instead
 * (a daemon behind a proxy knows only its local address).
 */
import type { Storage } from "../storage/port";
import { consoleRunPath, consoleUrl } from "../wire/consoleUrls";

/** The environment variable that names the daemon's URL, overriding discovery. */
export const DAEMON_URL_ENV = "TRIBUTARY_DAEMON_URL";

/** A daemon whose heartbeat is older than this is taken for gone (it records one every 5 s by default). */
export const DAEMON_FRESH_MS = 60_000;

/**
 * The URL of a daemon serving this storage over HTTP: `TRIBUTARY_DAEMON_URL` when set, else the
 * most recent fresh heartbeat that carries a URL (a stopped daemon records that it stopped).
 */
export async function servingDaemonUrl(storage: Storage, env: NodeJS.ProcessEnv, now = Date.now()): Promise<string | undefined> {
  const fromEnv = env[DAEMON_URL_ENV]?.trim();
  if (fromEnv) return fromEnv;
  const beats = await storage.listDaemonHeartbeats().catch(() => []);
  const serving = beats
    .filter((beat) => typeof beat.info["url"] === "string" && beat.info["stopped"] !== true && now - Date.parse(beat.at) < DAEMON_FRESH_MS)
    .sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
  return serving[0]?.info["url"] as string | undefined;
}

/** The run's console page on the daemon serving this storage, if one does. */
export async function runConsoleUrl(storage: Storage, env: NodeJS.ProcessEnv, runId: string): Promise<string | undefined> {
  const base = await servingDaemonUrl(storage, env);
  return base === undefined ? undefined : consoleUrl(base, consoleRunPath(runId));
}
