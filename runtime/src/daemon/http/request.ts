/**
 * Reading and validating input in one place: JSON bodies (content type, size, syntax; their shape by
 * the wire contract's schemas) and query parameters. Every failure is an {@link HttpError} saying what is wrong and how to fix it.
 */
import type { IncomingMessage } from "node:http";
import { RUN_STATUSES, type RunStatus } from "../../types";
import * as v from "valibot";
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

/** A body schema of the wire contract: an object with only the fields it names. */
type BodySchema = v.StrictObjectSchema<v.ObjectEntries, v.ErrorMessage<v.StrictObjectIssue> | undefined>;

/**
 * Validates a request body against its schema in the wire contract (`tributary-ts/wire`), for
 * endpoint `what`: a 400 naming the first wrong field, what it must be and what was sent. No body
 * counts as `{}` when the schema requires no field. `hints` give the fix per field (by dot path);
 * the default hint is an example body.
 */
export function parseBody<S extends BodySchema>(schema: S, body: unknown, what: string, hints: Record<string, string> = {}): v.InferOutput<S> {
  const allowed = Object.keys(schema.entries);
  const optional = Object.values(schema.entries).every((entry) => entry.type === "optional");
  if (body === undefined && optional) body = {};
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
  const result = v.safeParse(schema, body, { abortPipeEarly: true });
  if (result.success) return result.output;
  const issue = result.issues[0];
  const path = v.getDotPath(issue) ?? "";
  if (issue.type === "strict_object" && issue.expected === "never") {
    // An unknown field of a nested object (`policy`): the last key of the path is the field.
    const parent = path.split(".").slice(0, -1).join(".");
    const nested = path.split(".").at(-1);
    throw new HttpError(400, `${parent}: unknown field "${nested}"`, { hint: `Allowed fields of ${parent}: ${Object.keys(nestedEntries(schema, parent)).join(", ")}.` });
  }
  // A missing field is an issue of its object; the field's own schema says what it must be.
  const missing = issue.type === "strict_object" && issue.input === undefined;
  const expected = missing ? (v.safeParse(fieldSchema(schema, path) ?? v.never(), undefined).issues?.[0]?.message ?? issue.message) : issue.message;
  const received = issue.input === undefined ? " (it is missing)" : `, not ${preview(issue.input)}`;
  const hint = hints[path] ?? hints[path.split(".")[0]!];
  throw new HttpError(400, `"${path}" must be ${expected}${received}`, hint === undefined ? {} : { hint });
}

/** The schema of the field at dot `path` (through optional wrappers), or undefined. */
function fieldSchema(schema: BodySchema, path: string): v.GenericSchema | undefined {
  let current: v.GenericSchema | undefined = schema;
  for (const key of path.split(".")) {
    const entries: v.ObjectEntries | undefined = (unwrap(current) as { entries?: v.ObjectEntries } | undefined)?.entries;
    current = entries?.[key];
  }
  return current;
}

function unwrap(schema: v.GenericSchema | undefined): v.GenericSchema | undefined {
  const wrapped = (schema as { wrapped?: v.GenericSchema } | undefined)?.wrapped;
  return wrapped ?? schema;
}

function nestedEntries(schema: BodySchema, path: string): v.ObjectEntries {
  return (unwrap(fieldSchema(schema, path)) as { entries?: v.ObjectEntries } | undefined)?.entries ?? {};
}

/** A sent value in a message: JSON, cut short. */
function preview(value: unknown): string {
  const json = JSON.stringify(value) ?? String(value);
  return json.length > 60 ? `${json.slice(0, 57)}...` : json;
}

function example(allowed: readonly string[]): string {
  return `{${allowed.map((key) => `"${key}": ...`).join(", ")}}`;
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

