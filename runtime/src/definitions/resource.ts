import { ConfigError, DefinitionError } from "../errors";
import { DEFINITION_KIND, kindOf } from "./brand";
import type { Logger } from "./context";
import { callerLocation } from "../location";

const ENV_VAR = Symbol.for("tributary.envVar");

/** A config value read from the environment when the resource is set up, never at import time. */
export interface EnvVarRef {
  readonly [ENV_VAR]: true;
  readonly name: string;
  readonly defaultValue: string | undefined;
}

/**
 * Reads a config value from an environment variable at run time. Secrets stay out of the code and
 * out of logs.
 *
 * @example
 * ```ts
 * postgresResource({ connectionString: EnvVar("WAREHOUSE_DATABASE_URL") })
 * ```
 */
export function EnvVar(name: string, options?: { default?: string }): EnvVarRef {
  if (typeof name !== "string" || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new DefinitionError(`EnvVar(${JSON.stringify(name)}): not a valid environment variable name`, {
      location: callerLocation(),
    });
  }
  return { [ENV_VAR]: true, name, defaultValue: options?.default };
}

export function isEnvVar(value: unknown): value is EnvVarRef {
  return typeof value === "object" && value !== null && (value as Partial<EnvVarRef>)[ENV_VAR] === true;
}

/** A config value: plain JSON-like data, with `EnvVar(...)` anywhere a string may stand. */
export type ConfigValue = string | number | boolean | null | EnvVarRef | ConfigValue[] | { [key: string]: ConfigValue };

/** The config as the setup function sees it: every `EnvVar` replaced by its string. */
export type ResolvedConfig<C> = C extends EnvVarRef
  ? string
  : C extends readonly (infer E)[]
    ? ResolvedConfig<E>[]
    : C extends object
      ? { [K in keyof C]: ResolvedConfig<C[K]> }
      : C;

/** What a resource's setup function receives. */
export interface ResourceSetupContext<C> {
  readonly config: ResolvedConfig<C>;
  /** The resource's key in `definitions({ resources })`. */
  readonly key: string;
  readonly runId: string;
  readonly log: Logger;
}

/** A resource: something user code needs (a database pool, an API client), set up once per run. */
export interface ResourceDefinition<T = unknown, C = any> {
  readonly [DEFINITION_KIND]: "resource";
  readonly description: string | undefined;
  readonly config: C;
  // Method syntax on purpose: it makes the parameters bivariant, so a ResourceDefinition<Pool> is
  // usable where a ResourceDefinition<unknown> is expected (mixed lists of resources).
  setup(ctx: ResourceSetupContext<C>): T | Promise<T>;
  teardown?(value: T): void | Promise<void>;
}

/**
 * Defines a resource with typed config. `setup` runs once per run (in the worker), before the first
 * step that needs it; `teardown` runs when the run ends, whatever the outcome.
 *
 * @example
 * ```ts
 * const api = resource({
 *   config: { token: EnvVar("SHOP_API_TOKEN"), baseUrl: "https://shop.example" },
 *   setup: ({ config }) => new ShopClient(config.baseUrl, config.token),
 * });
 * ```
 */
export function resource<T, const C extends ConfigValue = {}>(spec: {
  description?: string;
  config?: C;
  setup: (ctx: ResourceSetupContext<C>) => T | Promise<T>;
  teardown?: (value: T) => void | Promise<void>;
}): ResourceDefinition<T, C> {
  if (!spec || typeof spec.setup !== "function") {
    throw new DefinitionError("resource() needs a setup function: resource({ setup: ({ config }) => value })", {
      location: callerLocation(),
    });
  }
  return {
    [DEFINITION_KIND]: "resource",
    description: spec.description,
    config: (spec.config ?? {}) as C,
    setup: spec.setup,
    ...(spec.teardown ? { teardown: spec.teardown } : {}),
  };
}

export function isResource(value: unknown): value is ResourceDefinition {
  return kindOf(value) === "resource";
}

/** Replaces every EnvVar in a config by its value; a missing variable is a ConfigError naming it. */
export function resolveConfig<C>(config: C, resourceKey: string, env: NodeJS.ProcessEnv = process.env): ResolvedConfig<C> {
  const visit = (value: unknown, path: string): unknown => {
    if (isEnvVar(value)) {
      const found = env[value.name];
      if (found !== undefined && found !== "") return found;
      if (value.defaultValue !== undefined) return value.defaultValue;
      throw new ConfigError(
        `resource "${resourceKey}": environment variable ${value.name} (config ${path}) is not set`,
        { hint: `Set ${value.name}, or give a default: EnvVar("${value.name}", { default: "..." }).` },
      );
    }
    if (Array.isArray(value)) return value.map((item, index) => visit(item, `${path}[${index}]`));
    if (value && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, visit(item, `${path}.${key}`)]));
    }
    return value;
  };
  return visit(config, "config") as ResolvedConfig<C>;
}
