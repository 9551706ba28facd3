/**
 * `${VAR}` interpolation for tributary.yaml, so one file serves laptops, CI and production
 * (`url: ${DATABASE_URL:-.tributary/tributary.db}`) without committing secrets.
 */

/** A `${VAR}` without a default whose variable is not set. */
export class MissingVariableError extends Error {
  constructor(readonly variable: string, readonly offset: number) {
    super(`environment variable ${variable} is not set`);
  }
}

const REFERENCE = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}/g;

/**
 * Replaces `${VAR}`, `${VAR:-default}` (default when unset or empty) and `${VAR-default}` (default
 * when unset) with values from `env`; `$$` stands for a literal `$`.
 *
 * @throws MissingVariableError for `${VAR}` when VAR is not set (an empty value is kept as "").
 * @example
 * interpolateEnv("postgres://${DB_HOST:-localhost}/app", { DB_HOST: "db" }) // "postgres://db/app"
 */
export function interpolateEnv(text: string, env: NodeJS.ProcessEnv): string {
  return text.replace(REFERENCE, (match: string, name: string | undefined, operator: string | undefined, fallback: string | undefined, offset: number) => {
    if (match === "$$") return "$";
    const value = env[name!];
    if (operator === ":-") return value === undefined || value === "" ? fallback! : value;
    if (operator === "-") return value === undefined ? fallback! : value;
    if (value === undefined) throw new MissingVariableError(name!, offset);
    return value;
  });
}

/** True when `text` contains something {@link interpolateEnv} would replace. */
export function hasInterpolation(text: string): boolean {
  REFERENCE.lastIndex = 0;
  return REFERENCE.test(text);
}
