import { sensor, type RunRequest, type SensorDefinition } from "../../definitions/sensor";
import type { JobDefinition, SelectionInput } from "../../definitions/job";
import type { InstigatorStatus } from "../../types";
import { seenFromCursor } from "./cursor";

/** Options of {@link assetSensor}. */
export interface AssetSensorSpec {
  name: string;
  /** The upstream assets to watch: a run is requested when any of them is materialized again. */
  assetKeys: string[];
  job?: JobDefinition;
  selection?: SelectionInput;
  /** @defaultValue 30 */
  minimumIntervalSeconds?: number;
  defaultStatus?: InstigatorStatus;
  description?: string;
}

/**
 * A sensor that requests a run when one of `assetKeys` gets a new materialization (by any run).
 * Its cursor holds the event id of the latest materialization seen per asset; the run key is
 * made of them, so a materialization triggers one run, once.
 *
 * @example
 * ```ts
 * export const afterRawOrders = assetSensor({ name: "after_raw_orders", assetKeys: ["raw_orders"], job: warehouseJob });
 * ```
 */
export function assetSensor(spec: AssetSensorSpec): SensorDefinition {
  const { assetKeys, ...rest } = spec;
  return sensor({ ...rest, description: spec.description ?? `Materializations of ${assetKeys.join(", ")}` }, async (ctx) => {
    const seen = seenFromCursor<number>(ctx.cursor);
    const latest = await ctx.instance.getLatestMaterializations(assetKeys);
    const changed = latest.filter((record) => record.eventId > (seen[record.assetKey] ?? 0));
    if (changed.length === 0) return { skip: `no new materialization of ${assetKeys.join(", ")}` };
    for (const record of changed) seen[record.assetKey] = record.eventId;
    ctx.updateCursor(JSON.stringify(seen));
    const request: RunRequest = {
      runKey: changed.map((record) => `${record.assetKey}@${record.eventId}`).join(","),
      tags: { "tributary/upstream_run": changed[0]!.runId },
    };
    return request;
  });
}
