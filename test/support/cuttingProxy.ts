/**
 * A TCP proxy in front of a server (PostgreSQL) that can cut a connection right after the server
 * answered: the statement ran and committed, but the client never hears back. That is the case of
 * a commit whose outcome is unknown to the client, made on demand and deterministically (stopping
 * the server cannot hit that instant on purpose).
 */
import net from "node:net";

/** A running proxy. */
export interface CuttingProxy {
  /** The port it listens on (127.0.0.1). */
  port: number;
  /**
   * Cuts the connections open now at the next data the server sends on them, instead of passing it
   * on. Connections opened later are not affected.
   */
  cutAtNextReply(): void;
  /** Connections cut so far. */
  readonly cuts: number;
  close(): Promise<void>;
}

/** Starts a proxy to `host:port` on a free local port. */
export async function startCuttingProxy(host: string, port: number): Promise<CuttingProxy> {
  const pairs = new Set<{ client: net.Socket; server: net.Socket; cutArmed: boolean }>();
  let cuts = 0;
  const proxy = net.createServer((client) => {
    const server = net.connect(port, host);
    const pair = { client, server, cutArmed: false };
    pairs.add(pair);
    client.on("data", (chunk) => server.write(chunk));
    server.on("data", (chunk) => {
      if (pair.cutArmed) {
        cuts++;
        pair.cutArmed = false;
        client.destroy();
        server.destroy();
        return;
      }
      client.write(chunk);
    });
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      server.destroy();
    };
    client.on("close", end);
    server.on("close", end);
    client.on("error", end);
    server.on("error", end);
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  return {
    port: (proxy.address() as net.AddressInfo).port,
    cutAtNextReply() {
      for (const pair of pairs) pair.cutArmed = true;
    },
    get cuts() {
      return cuts;
    },
    async close() {
      for (const pair of pairs) {
        pair.client.destroy();
        pair.server.destroy();
      }
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    },
  };
}
