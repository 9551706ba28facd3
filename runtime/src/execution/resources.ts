import type { Logger } from "../definitions/context";
import { isResource, resolveConfig } from "../definitions/resource";
import { UserCodeError } from "../errors";

/**
 * The resources of one run: each is set up on first use (once, even when steps ask concurrently)
 * and torn down when the run ends, whatever its outcome.
 */
export class RunResources {
  private readonly values = new Map<string, Promise<unknown>>();
  private readonly teardowns: { key: string; teardown: () => void | Promise<void> }[] = [];

  constructor(
    private readonly provided: Readonly<Record<string, unknown>>,
    private readonly builtIns: Readonly<Record<string, unknown>>,
    private readonly runId: string,
    private readonly logFor: (key: string) => Logger,
  ) {}

  /** The resource under `key`, set up if needed. Rejects with a UserCodeError when setup throws. */
  get(key: string): Promise<unknown> {
    let value = this.values.get(key);
    if (!value) {
      value = this.setUp(key);
      this.values.set(key, value);
    }
    return value;
  }

  /** Resolves several resources into an object keyed like the request. */
  async getAll(keys: readonly string[]): Promise<Record<string, unknown>> {
    const entries = await Promise.all(keys.map(async (key) => [key, await this.get(key)] as const));
    return Object.fromEntries(entries);
  }

  /** Tears everything down in reverse setup order; returns the errors instead of throwing. */
  async teardownAll(): Promise<{ key: string; error: unknown }[]> {
    const errors: { key: string; error: unknown }[] = [];
    for (const { key, teardown } of this.teardowns.reverse()) {
      try {
        await teardown();
      } catch (error) {
        errors.push({ key, error });
      }
    }
    this.teardowns.length = 0;
    return errors;
  }

  private async setUp(key: string): Promise<unknown> {
    const definition = key in this.provided ? this.provided[key] : this.builtIns[key];
    if (definition === undefined) {
      throw new UserCodeError(`resource "${key}" is not provided`, new Error(`add it to definitions({ resources })`));
    }
    if (!isResource(definition)) return definition; // a plain value, used as it is
    const config = resolveConfig(definition.config, key);
    let value: unknown;
    try {
      value = await definition.setup({ config, key, runId: this.runId, log: this.logFor(key) });
    } catch (error) {
      throw new UserCodeError(`setting up resource "${key}" failed`, error);
    }
    if (definition.teardown) {
      const teardown = definition.teardown;
      this.teardowns.push({ key, teardown: () => teardown(value) });
    }
    return value;
  }
}
