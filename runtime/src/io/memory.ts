/** An I/O manager that keeps values in memory: for tests and benchmarks, never for real data. */
import type { InputContext, IOManager, OutputContext } from "../definitions/ioManager";
import { resource, type ResourceDefinition } from "../definitions/resource";
import { NeverMaterializedError } from "./errors";

/**
 * Keeps each asset's value in a `Map`, by asset key and partition. Values are stored by reference
 * (no copy, no serialization), so it measures the executor rather than the disk. Values live as
 * long as the `memoryIOManager()` definition, across runs of the same process.
 */
export class MemoryIOManager implements IOManager {
  private readonly values = new Map<string, unknown>();

  handleOutput(ctx: OutputContext, value: unknown): Record<string, unknown> {
    this.values.set(slot(ctx.assetKey, ctx.partitionKey), value);
    return Array.isArray(value) ? { rows: value.length } : {};
  }

  loadInput(ctx: InputContext): unknown {
    const id = slot(ctx.assetKey, ctx.partitionKey);
    if (!this.values.has(id)) {
      throw new NeverMaterializedError({
        assetKey: ctx.assetKey,
        downstreamKey: ctx.downstreamKey,
        partitionKey: ctx.partitionKey,
        where: "its in-memory value (values are kept only while the process lives)",
      });
    }
    return this.values.get(id);
  }

  /** True when a value is stored for the asset (and partition). */
  has(assetKey: string, partitionKey: string | null = null): boolean {
    return this.values.has(slot(assetKey, partitionKey));
  }

  /** The stored value, or `undefined`. */
  get(assetKey: string, partitionKey: string | null = null): unknown {
    return this.values.get(slot(assetKey, partitionKey));
  }

  /** Forgets every value. */
  clear(): void {
    this.values.clear();
  }
}

/** Map key of an asset and partition; NUL cannot occur in an asset key. */
function slot(assetKey: string, partitionKey: string | null): string {
  return partitionKey === null ? assetKey : `${assetKey}\u0000${partitionKey}`;
}

/**
 * An in-memory I/O manager resource. Every run set up from this definition shares one
 * {@link MemoryIOManager}, so a later run can load what an earlier one stored; read it back in tests
 * with `manager.value` (the same instance `setup` returns).
 *
 * @example
 * ```ts
 * const memory = memoryIOManager();
 * await executeInProcess({ definitions: definitions({ assets, resources: { io_manager: memory } }), ... });
 * assert.deepEqual(memory.value.get("orders"), [...]);
 * ```
 */
export function memoryIOManager(): ResourceDefinition<MemoryIOManager> & { readonly value: MemoryIOManager } {
  const manager = new MemoryIOManager();
  const definition = resource({ description: "values in memory (tests, benchmarks)", setup: () => manager });
  return Object.assign(definition, { value: manager });
}
