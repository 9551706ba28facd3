/**
 * Hiding the secrets of a database connection string before it reaches a message, a log line or
 * materialization metadata. One function for the storage, the PostgreSQL resource and the CLI, so
 * that no place forgets one of the ways pg and libpq accept a password.
 */

/** Parameters that carry a secret, in a URL's query or a libpq `key=value` string (pg accepts both). */
const SECRET_PARAMETERS = new Set(["password", "sslpassword"]);

/**
 * The connection string with every password replaced by `***`: the URL's userinfo password and the
 * `password` / `sslpassword` query parameters (`postgres://app@db/prod?password=...`), or the same
 * keywords in a libpq `key=value` string. Safe for messages, logs and metadata.
 *
 * @example
 * ```ts
 * redactConnectionString("postgres://app:s3cret@db/prod");          // "postgres://app:***@db/prod"
 * redactConnectionString("postgres://app@db/prod?password=s3cret"); // "postgres://app@db/prod?password=***"
 * ```
 */
export function redactConnectionString(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    for (const name of new Set(parsed.searchParams.keys())) {
      if (SECRET_PARAMETERS.has(name.toLowerCase())) parsed.searchParams.set(name, "***");
    }
    return parsed.toString();
  } catch {
    // Not a parseable URL (a libpq "key=value" string?): hide anything that looks like a password.
    return url
      .replace(/(\/\/[^:/@]*:)[^?#]*@/, "$1***@")
      .replace(/\b((?:ssl)?password\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s&]+)/gi, "$1***");
  }
}
