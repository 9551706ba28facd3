/** A real project on a real SQLite file, served by the real HTTP server, for the HTTP tests. */
import { join } from "node:path";
import { startHttpServer, type HttpServer, type HttpServerOptions } from "../../../runtime/src/daemon/http/server";
import { loadProject } from "../../../runtime/src/loader";
import { openStorage } from "../../../runtime/src/storage";
import type { Storage } from "../../../runtime/src/storage/port";
import { LocalDaemonServices } from "./localServices";
import type { PostgresStorage } from "../../../runtime/src/storage/postgres/storage";
import { assertTestDatabaseReachable, disposeTestStorage, makeTestStorage } from "../../storage/postgresTestDatabase";
import { tempProject } from "../../support/tempProject";

/**
 * The project: raw -> stg (with a check) -> mart; `gated` waits until the test opens its gate;
 * `broken` always fails; `versioned` has a codeVersion; a job (`up_to_mart`), a schedule and a sensor.
 */
export const DEFINITIONS = `import { asset, defineAssetJob, definitions, notNull, schedule, sensor } from "tributary-ts";

const gate = () => (globalThis as any).__tributaryHttpGate?.promise;

export const raw = asset({ key: "raw", group: "raw" }, async () => [{ id: 1 }, { id: 2 }]);
export const stg = asset({ key: "stg", group: "staging", deps: [raw], checks: [notNull("id")], tags: { tier: "gold" } },
  async ({ inputs }) => inputs.raw);
export const mart = asset({ key: "mart", group: "warehouse", deps: [stg], description: "The mart" }, async ({ inputs }) => inputs.stg.length);
export const gated = asset({ key: "gated", group: "slow" }, async ({ log }) => { log.info("waiting at the gate"); await gate(); return 1; });
export const broken = asset({ key: "broken", group: "bad" }, async () => { throw new Error("boom"); });
export const versioned = asset({ key: "versioned", group: "raw", codeVersion: "v2" }, async () => 1);

export const nightly = schedule({ name: "nightly", cron: "0 2 * * *", selection: "group:warehouse", timezone: "Europe/Paris" });
export const watcher = sensor({ name: "watcher", selection: "raw" }, async () => ({ skip: "nothing new" }));

export const upToMart = defineAssetJob({ name: "up_to_mart", selection: "+mart", tags: { team: "data" } });

export default definitions({ assets: [raw, stg, mart, gated, broken, versioned], jobs: [upToMart], schedules: [nightly], sensors: [watcher] });
`;

/** A deferred gate the `gated` asset waits on. */
export function openGate(): () => void {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  (globalThis as { __tributaryHttpGate?: unknown }).__tributaryHttpGate = { promise };
  return open;
}

export interface Fixture {
  root: string;
  storage: Storage;
  services: LocalDaemonServices;
  server: HttpServer;
  dispose(): Promise<void>;
}

/**
 * Writes the project, loads it, opens its storage (SQLite in the project folder, or what
 * `openTestStorage` opens, e.g. a PostgreSQL schema; `closeTestStorage` then disposes of it) and
 * starts the server.
 */
export async function startFixture(
  options: Partial<HttpServerOptions> = {},
  backend: { openTestStorage?: () => Promise<Storage>; closeTestStorage?: (storage: Storage) => Promise<void> } = {},
): Promise<Fixture> {
  const { dir: root, cleanup } = tempProject({ "definitions.ts": DEFINITIONS }, "http");
  const project = await loadProject(root, { env: {} });
  const storage = backend.openTestStorage ? await backend.openTestStorage() : await openStorage({ kind: "sqlite", path: join(root, "state.db") });
  const services = new LocalDaemonServices(storage, { ok: true, project, loadedAt: new Date().toISOString(), codeVersion: "v1-test" });
  const server = await startHttpServer(services, { port: 0, log: () => {}, ...options });
  return {
    root,
    storage,
    services,
    server,
    async dispose() {
      await server.close();
      await (backend.closeTestStorage ? backend.closeTestStorage(storage) : storage.close());
      cleanup();
    },
  };
}

/** A parsed server-sent event. */
export interface SseMessage {
  id?: string;
  event: string;
  data: unknown;
}

/**
 * Reads an event stream until `until(messages)` holds or the server ends it; returns what it read.
 */
export async function readSse(
  url: string,
  headers: Record<string, string>,
  until: (messages: SseMessage[]) => boolean,
  options: { onOpen?: () => void; comments?: string[]; timeoutMs?: number } = {},
): Promise<{ status: number; messages: SseMessage[]; ended: boolean }> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs ?? 10_000);
  const response = await fetch(url, { headers: { Accept: "text/event-stream", ...headers }, signal: controller.signal });
  const messages: SseMessage[] = [];
  if (response.status !== 200 || !response.body) {
    clearTimeout(timer);
    return { status: response.status, messages, ended: true };
  }
  options.onOpen?.();
  const decoder = new TextDecoder();
  let buffer = "";
  let ended = false;
  try {
    const reader = response.body.getReader();
    outer: for (;;) {
      const { value, done } = await reader.read();
      if (done) {
        ended = true;
        break;
      }
      buffer += decoder.decode(value, { stream: true });
      let cut: number;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const message: Partial<SseMessage> = {};
        for (const line of block.split("\n")) {
          if (line.startsWith(":")) options.comments?.push(line.slice(1).trim());
          else if (line.startsWith("id: ")) message.id = line.slice(4);
          else if (line.startsWith("event: ")) message.event = line.slice(7);
          else if (line.startsWith("data: ")) message.data = JSON.parse(line.slice(6));
        }
        if (message.event) messages.push(message as SseMessage);
        if (until(messages)) break outer;
      }
    }
  } catch (error) {
    if (!controller.signal.aborted) throw error;
    throw new Error(`the stream did not deliver what was expected in time; got ${JSON.stringify(messages.map((m) => m.event === "run-event" ? (m.data as { type: string }).type : m.event))}`);
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return { status: response.status, messages, ended };
}

/** Calls the API and returns status, headers and parsed JSON. */
export async function call(
  base: string,
  method: string,
  path: string,
  options: { body?: unknown; raw?: string | Buffer; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Headers; json: any; text: string }> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  let body: string | Uint8Array<ArrayBuffer> | undefined;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers["Content-Type"] ??= "application/json";
  } else if (options.raw !== undefined) {
    body = typeof options.raw === "string" ? options.raw : new Uint8Array(options.raw);
  }
  const response = await fetch(`${base}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await response.text();
  let json: any;
  try {
    json = text === "" ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, json, text };
}

/** A storage backend the API tests run against: the fixture's own SQLite, or a PostgreSQL schema of the test's own. */
export interface FixtureBackend {
  name: string;
  open?: () => Promise<Storage>;
  close?: (storage: Storage) => Promise<void>;
}

/** The API tests' two backends, each test file running its cases on both. */
export const FIXTURE_BACKENDS: readonly FixtureBackend[] = [
  { name: "SQLite" },
  {
    name: "PostgreSQL",
    open: async () => {
      await assertTestDatabaseReachable();
      return makeTestStorage();
    },
    close: (storage) => disposeTestStorage(storage as PostgresStorage),
  },
];

/** {@link startFixture} on one of {@link FIXTURE_BACKENDS}. */
export function startFixtureOn(backend: FixtureBackend, options: Partial<HttpServerOptions> = {}): Promise<Fixture> {
  return startFixture(options, { ...(backend.open ? { openTestStorage: backend.open } : {}), ...(backend.close ? { closeTestStorage: backend.close } : {}) });
}
