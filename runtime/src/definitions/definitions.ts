import { DefinitionError } from "../errors";
import type { AssetDefinition } from "./asset";
import { DEFINITION_KIND, kindOf } from "./brand";
import type { AssetCheckDefinition } from "./checks";
import { callerLocation } from "../location";
import type { JobDefinition } from "./job";
import type { MultiAssetDefinition } from "./multiAsset";
import type { ScheduleDefinition } from "./schedule";
import type { SensorDefinition } from "./sensor";

/** Execution settings for runs of a code location. */
export interface ExecutorSettings {
  /** Steps running at once in a run. @defaultValue the number of CPU cores, at least 2 */
  maxConcurrency?: number;
}

/** Everything a project defines, as collected by `definitions()`. */
export interface Definitions {
  readonly [DEFINITION_KIND]: "definitions";
  readonly assets: readonly (AssetDefinition<string, any> | MultiAssetDefinition<any>)[];
  readonly checks: readonly AssetCheckDefinition<any>[];
  readonly jobs: readonly JobDefinition[];
  readonly schedules: readonly ScheduleDefinition[];
  readonly sensors: readonly SensorDefinition[];
  /** Resources by key: resource definitions, I/O managers, or plain values. */
  readonly resources: Readonly<Record<string, unknown>>;
  readonly executor: ExecutorSettings;
}

/** What `definitions()` takes; every list is optional. */
export interface DefinitionsSpec {
  assets?: readonly (AssetDefinition<string, any> | MultiAssetDefinition<any>)[];
  checks?: readonly AssetCheckDefinition<any>[];
  jobs?: readonly JobDefinition[];
  schedules?: readonly ScheduleDefinition[];
  sensors?: readonly SensorDefinition[];
  resources?: Record<string, unknown>;
  executor?: ExecutorSettings;
}

/**
 * Collects a project's assets, checks, jobs, schedules, sensors and resources. Export the result as
 * the default export of the project's entry file (`definitions.ts`). It is an inert value: the graph
 * is validated when it is loaded (unknown deps, cycles, duplicate keys, unknown resources).
 *
 * @example
 * ```ts
 * export default definitions({ assets: [rawOrders, stgOrders], jobs: [nightly], schedules: [nightlySchedule] });
 * ```
 */
export function definitions(spec: DefinitionsSpec): Definitions {
  const location = callerLocation();
  if (spec === null || typeof spec !== "object") {
    throw new DefinitionError("definitions() takes an object: definitions({ assets: [...] })", { location });
  }
  const list = <T>(value: readonly T[] | undefined, field: string): readonly T[] => {
    if (value === undefined) return [];
    if (!Array.isArray(value)) throw new DefinitionError(`definitions(): ${field} must be an array`, { location });
    value.forEach((item, index) => {
      if (item === undefined) {
        throw new DefinitionError(`definitions(): ${field}[${index}] is undefined`, {
          location,
          hint: "An imported definition is undefined when files import each other in a cycle; check its import.",
        });
      }
    });
    return [...value];
  };
  const maxConcurrency = spec.executor?.maxConcurrency;
  if (maxConcurrency !== undefined && (!Number.isInteger(maxConcurrency) || maxConcurrency < 1)) {
    throw new DefinitionError("definitions(): executor.maxConcurrency must be a whole number >= 1", { location });
  }
  return {
    [DEFINITION_KIND]: "definitions",
    assets: list(spec.assets, "assets"),
    checks: list(spec.checks, "checks"),
    jobs: list(spec.jobs, "jobs"),
    schedules: list(spec.schedules, "schedules"),
    sensors: list(spec.sensors, "sensors"),
    resources: { ...(spec.resources ?? {}) },
    executor: { ...(spec.executor ?? {}) },
  };
}

export function isDefinitions(value: unknown): value is Definitions {
  return kindOf(value) === "definitions";
}
