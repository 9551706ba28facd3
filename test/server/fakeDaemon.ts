import * as http from "node:http";
import type { AddressInfo } from "node:net";

/** What the fake daemon serves and records. */
export interface FakeDaemon {
  url: string;
  /** Bodies of `POST /api/runs`, in order. */
  readonly runs: unknown[];
  /** The `assets` of `GET /api/assets` (entries with `key`, `status`, `latestMaterialization`, `latestChecks`, `partitions`?). */
  assets: unknown[];
  close(): void;
}

/**
 * A tiny real daemon speaking the documented HTTP contract (DESIGN.md §4): GET /api/assets (with the
 * `partitions` status of partitioned assets, as runtime/src/daemon/http/assetStatus.ts sends it) and
 * POST /api/runs. The real daemon is built elsewhere; this is the contract the server relies on.
 */
export function startDaemon(): Promise<FakeDaemon> {
  const state = { runs: [] as unknown[], assets: [] as unknown[] };
  const server = http.createServer((request, response) => {
    if (request.method === "GET" && request.url === "/api/assets") {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify({ assets: state.assets }));
    } else if (request.method === "POST" && request.url === "/api/runs") {
      let body = "";
      request.on("data", (chunk: Buffer) => (body += chunk.toString()));
      request.on("end", () => {
        state.runs.push(JSON.parse(body));
        response.writeHead(201, { "content-type": "application/json" });
        response.end(JSON.stringify({ runId: `run-${state.runs.length}` }));
      });
    } else {
      response.writeHead(404).end();
    }
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => {
    const { port } = server.address() as AddressInfo;
    resolve({
      url: `http://127.0.0.1:${port}`,
      get runs() { return state.runs; },
      get assets() { return state.assets; },
      set assets(value) { state.assets = value; },
      close: () => server.close(),
    });
  }));
}
