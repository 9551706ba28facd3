/**
 * Reading and validating input in one place: JSON bodies (content type, size, syntax, shape) and query
 * parameters. Every failure is an {@link HttpError} saying what is wrong and how to fix it.
 */
import type { IncomingMessage } from "node:http";
import { RUN_STATUSES, type RunStatus } from "../../types";
import { HttpError } from "./errors";

/** One mebibyte: the default limit of a request body. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/**
 * Reads the body as JSON. An empty body is `undefined` (for POSTs that need none); a body must be
 * `application/json` (415 otherwise: this also keeps cross-site form posts out), at most
 * `maxBytes` (413), and valid JSON (400 with the parser's position).
 */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const declaredLength = Number(req.headers["content-length"] ?? Number.NaN);
  if (Number.isFinite(declaredLength) && declaredLength > maxBytes) throw tooLarge(maxBytes);
  const chunks: Buffer[] = [];
  let received = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    received += chunk.length;
    if (received > maxBytes) throw tooLarge(maxBytes);
    chunks.push(chunk);
  }
  if (received === 0) return undefined;
  const contentType = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  if (contentType !== "application/json") {
    throw new HttpError(415, `request bodies must be JSON, not ${contentType === "" ? "a body without Content-Type" : `"${contentType}"`}`, {
      hint: "Send the header Content-Type: application/json.",
    });
  }
  const text = Buffer.concat(chunks).toString("utf8");
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new HttpError(400, `the request body is not valid JSON: ${(error as Error).message}`, {
      hint: 'Send a JSON object, e.g. {"selection": "*"}.',
    });
  }
}

function tooLarge(maxBytes: number): HttpError {
  return new HttpError(413, `the request body is larger than ${maxBytes} bytes`, {
    hint: "Requests are small JSON objects; check what is being sent.",
  });
}

/**
 * Checks that a body is a JSON object with only `allowed` fields, for endpoint `what`.
 * `undefined` (no body) is an empty object when `optional`.
 */
export function expectObject(body: unknown, what: string, allowed: readonly string[], optional = false): Record<string, unknown> {
  if (body === undefined && optional) return {};
  if (body === undefined) {
    throw new HttpError(400, `${what} needs a JSON object body`, { hint: `Send ${example(allowed)} with Content-Type: application/json.` });
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new HttpError(400, `${what} takes a JSON object, not ${Array.isArray(body) ? "an array" : body === null ? "null" : typeof body}`, {
      hint: `Send ${example(allowed)}.`,
    });
  }
  const unknown = Object.keys(body).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) {
    throw new HttpError(400, `${what}: unknown field${unknown.length > 1 ? "s" : ""} ${unknown.map((key) => `"${key}"`).join(", ")}`, {
      hint: allowed.length > 0 ? `Allowed fields: ${allowed.join(", ")}.` : "Send no body.",
    });
  }
  return body as Record<string, unknown>;
}

function example(allowed: readonly string[]): string {
  return `{${allowed.map((key) => `"${key}": ...`).join(", ")}}`;
}

/** A string-to-string map (tags), or an error naming the field. */
export function expectStringMap(value: unknown, field: string): Record<string, string> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new HttpError(400, `"${field}" must be an object of strings, e.g. {"team": "finance"}`);
  }
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== "string") {
      throw new HttpError(400, `"${field}.${key}" must be a string, not ${item === null ? "null" : typeof item}`, {
        hint: `Quote the value: "${key}": "${String(item)}".`,
      });
    }
  }
  return value as Record<string, string>;
}

/** Query parameters of a request, read with validation. */
export class Query {
  constructor(private readonly params: URLSearchParams, allowed: readonly string[]) {
    const unknown = [...new Set(params.keys())].filter((key) => !allowed.includes(key));
    if (unknown.length > 0) {
      throw new HttpError(400, `unknown query parameter${unknown.length > 1 ? "s" : ""} ${unknown.map((key) => `"${key}"`).join(", ")}`, {
        hint: allowed.length > 0 ? `This endpoint takes: ${allowed.join(", ")}.` : "This endpoint takes no query parameters.",
      });
    }
    // URLSearchParams keeps every value and get() returns the first: ?limit=1&limit=2 would quietly
    // mean limit=1. A client that repeats a parameter means something we would not do.
    for (const name of new Set(params.keys())) {
      const values = params.getAll(name);
      if (values.length > 1) {
        throw new HttpError(400, `query parameter "${name}" is given ${values.length} times`, {
          hint: name === "status"
            ? `Give it once; several statuses go comma-separated: ?status=${values.join(",")}.`
            : `Give each query parameter once, e.g. ?${name}=${values[0]}.`,
        });
      }
    }
  }

  /** A parameter as a string, or undefined when absent. */
  string(name: string): string | undefined {
    const value = this.params.get(name);
    return value === null ? undefined : value;
  }

  /** A whole number in [min, max], or undefined when absent. */
  integer(name: string, min: number, max: number): number | undefined {
    const text = this.string(name);
    if (text === undefined) return undefined;
    const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      throw new HttpError(400, `query parameter "${name}" must be a whole number from ${min} to ${max}, not "${text}"`);
    }
    return value;
  }

  /** Comma-separated run statuses (any case), or undefined when absent. */
  statuses(name: string): RunStatus[] | undefined {
    const text = this.string(name);
    if (text === undefined) return undefined;
    const statuses = text.split(",").map((part) => part.trim().toUpperCase()).filter(Boolean);
    for (const status of statuses) {
      if (!RUN_STATUSES.includes(status as RunStatus)) {
        throw new HttpError(400, `unknown run status "${status}" in query parameter "${name}"`, {
          hint: `Use one or more of ${RUN_STATUSES.join(", ")}, comma-separated.`,
        });
      }
    }
    return statuses as RunStatus[];
  }
}

