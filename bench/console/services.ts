/**
 * The daemon's services as far as the console benches need them (bench/console/run.ts and
 * runPage.ts): storage, typed events a bench emits to wake the streams, and nothing to launch.
 */
import { TypedEmitter, type DaemonEvents } from "../../runtime/src/daemon/events";
import type { DaemonServices } from "../../runtime/src/daemon/services";
import type { PostgresStorage } from "../../runtime/src/storage/postgres/storage";

/** Read-only services over `storage` whose events are `events` (emit `runEvent` to wake a run's stream). */
export function readOnlyServices(storage: PostgresStorage, daemonId: string, events: TypedEmitter<DaemonEvents>): DaemonServices {
  const refuse = () => Promise.reject(new Error(`${daemonId} launches nothing`));
  return {
    storage,
    daemonId,
    mode: "daemon",
    project: () => ({ ok: false, error: { message: `${daemonId} loads no project` }, failedAt: new Date().toISOString(), codeVersion: null }),
    submitRun: refuse,
    reloadCode: refuse,
    cancelRun: refuse,
    setInstigatorStatus: refuse,
    events,
  } as DaemonServices;
}

/** Closes each side's HTTP server, drops its schema and closes its pool: the console benches' teardown. */
export async function disposeSides(sides: readonly { server: { close(): Promise<void> }; storage: PostgresStorage }[]): Promise<void> {
  for (const side of sides) {
    await side.server.close();
    await side.storage.pool.query(`DROP SCHEMA IF EXISTS "${side.storage.schema}" CASCADE`);
    await side.storage.close();
  }
}
