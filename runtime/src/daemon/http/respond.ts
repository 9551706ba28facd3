/** Writing answers: JSON with the headers every API answer carries. */
import type { ServerResponse } from "node:http";

/**
 * Headers on every answer. No CORS headers, on purpose: browsers then refuse cross-origin reads, and
 * a JSON POST from another origin needs a preflight we never approve.
 */
export const COMMON_HEADERS: Readonly<Record<string, string>> = {
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "X-Frame-Options": "DENY",
};

/** Sends `body` as JSON with `status` (API answers are never cached). */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, {
    ...COMMON_HEADERS,
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": Buffer.byteLength(text),
    "Cache-Control": "no-store",
    ...headers,
  });
  res.end(text);
}
