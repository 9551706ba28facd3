/** Who may call the API: bearer tokens (compared in constant time), loopback binding, Host checks. */
import { createHash, timingSafeEqual } from "node:crypto";
import { isIP } from "node:net";
import type { IncomingMessage } from "node:http";
import { ConfigError } from "../../errors";
import { HttpError } from "./errors";

/** True for addresses only this machine can reach: 127.0.0.0/8, ::1, localhost. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  if (bare === "localhost" || bare === "::1" || bare === "0:0:0:0:0:0:0:1") return true;
  if (isIP(bare) === 4) return bare.startsWith("127.");
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(bare);
  return mapped !== null && mapped[1]!.startsWith("127.");
}

/**
 * The shortest token accepted on an address beyond loopback: 16 random hex characters are 64 bits,
 * beyond guessing over the network; a shorter one (or a word) is not.
 */
export const MIN_TOKEN_LENGTH = 16;

/**
 * Refuses a token anyone could guess for an API reachable beyond this machine: a short or blank
 * one, or one with spaces around it (the Authorization header is trimmed, so it would never match).
 * The message describes the token without printing it.
 * @throws ConfigError saying what is wrong and how to make a good one.
 */
export function checkTokenStrength(token: string, host: string): void {
  const problem = token.trim() === ""
    ? "a blank token"
    : token !== token.trim()
      ? "a token with spaces around it"
      : token.length < MIN_TOKEN_LENGTH
        ? `a ${token.length}-character token`
        : undefined;
  if (problem === undefined) return;
  throw new ConfigError(`refusing to serve the HTTP API on ${host} with ${problem}: anyone who can reach that address could guess it`, {
    hint: `Use a random token of at least ${MIN_TOKEN_LENGTH} characters (--token or TRIBUTARY_DAEMON_TOKEN), e.g. made by \`openssl rand -hex 32\`; or bind to 127.0.0.1.`,
  });
}

/** Hashing first makes the comparison constant-time whatever the lengths. */
function digest(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

/** Checks `Authorization: Bearer <token>`; throws 401 saying what is missing or wrong. */
export function checkBearerToken(req: IncomingMessage, expected: string): void {
  const header = req.headers.authorization;
  const challenge = { "WWW-Authenticate": 'Bearer realm="tributary"' };
  if (header === undefined || header.trim() === "") {
    throw new HttpError(401, "this daemon requires a bearer token", {
      hint: "Send the header Authorization: Bearer <token> (the daemon's --token or TRIBUTARY_DAEMON_TOKEN).",
      headers: challenge,
    });
  }
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  if (!match) {
    throw new HttpError(401, 'the Authorization header must be "Bearer <token>"', { hint: "Only bearer tokens are accepted.", headers: challenge });
  }
  if (!timingSafeEqual(digest(match[1]!.trim()), digest(expected))) {
    throw new HttpError(401, "wrong bearer token", { hint: "Use the token the daemon was started with (--token or TRIBUTARY_DAEMON_TOKEN).", headers: challenge });
  }
}

/**
 * Without a token, a loopback daemon only answers requests addressed to a loopback name: a web page
 * elsewhere cannot reach it through a DNS name it re-points at 127.0.0.1 (DNS rebinding).
 */
export function checkHostHeader(req: IncomingMessage, boundHost: string): void {
  const host = req.headers.host;
  if (host === undefined) return; // HTTP/1.0 clients; browsers always send Host
  const name = host.replace(/:\d+$/, "");
  if (isLoopbackHost(name) || name.toLowerCase() === boundHost.toLowerCase()) return;
  throw new HttpError(403, `this daemon answers requests for localhost only, not for "${host}"`, {
    hint: "Open http://127.0.0.1:<port>/ or start the daemon with a token to reach it under another name.",
  });
}
