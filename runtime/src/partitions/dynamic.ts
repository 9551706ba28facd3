import { DefinitionError, type SourceLocation } from "../errors";
import { lazyCallerLocation, withLazyLocation } from "../location";
import { PARTITIONS_BRAND } from "./common";

/**
 * Where dynamic partition keys live. The storage implements it (one table of `(name, key)` rows);
 * the CLI, the HTTP API, sensors and assets add and remove keys through it.
 */
export interface DynamicPartitionStore {
  /** The keys of a dynamic partitions definition, in the order they were added. */
  keys(name: string): Promise<string[]>;
  /** Adds keys; keys already present are ignored (adding is idempotent). */
  add(name: string, keys: readonly string[]): Promise<void>;
  /** Removes keys; absent keys are ignored. */
  remove(name: string, keys: readonly string[]): Promise<void>;
}

/** Partitions whose keys are added and removed at run time (new customers, new files). */
export interface DynamicPartitionsDefinition {
  readonly [PARTITIONS_BRAND]: true;
  /** Discriminant of `PartitionsDefinition`. */
  readonly kind: "dynamic";
  /** The name the keys are stored under; assets sharing a name share the keys. */
  readonly name: string;
  readonly location: SourceLocation | undefined;
  /** The stored keys, in the order they were added. */
  keys(store: DynamicPartitionStore): Promise<string[]>;
  /** `dynamic partitions "customers"`. */
  describe(): string;
}

const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_\-]*$/;

/**
 * Defines partitions whose keys are stored at run time under `name`: add keys from a sensor, the
 * CLI or the HTTP API; every asset with the same name sees the same keys.
 *
 * @example
 * ```ts
 * const customers = dynamicPartitions({ name: "customers" });
 * export const customerReport = asset({ key: "customer_report", partitions: customers }, async (ctx) => ...);
 * ```
 */
export function dynamicPartitions(spec: { name: string }): DynamicPartitionsDefinition {
  const location = lazyCallerLocation(dynamicPartitions);
  const name = spec?.name;
  if (typeof name !== "string" || !NAME_PATTERN.test(name)) {
    throw new DefinitionError(`dynamicPartitions(): name ${JSON.stringify(name)} is invalid`, {
      location,
      hint: 'Name the set of keys with letters, digits, _ and -, e.g. dynamicPartitions({ name: "customers" }).',
    });
  }
  const definition: Omit<DynamicPartitionsDefinition, "location"> = {
    [PARTITIONS_BRAND]: true as const,
    kind: "dynamic" as const,
    name,
    keys: (store: DynamicPartitionStore) => store.keys(name),
    describe: () => `dynamic partitions "${name}"`,
  };
  return withLazyLocation(definition, location);
}
