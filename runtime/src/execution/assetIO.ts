/**
 * How each asset's values are stored and loaded, chosen per asset. Today every asset uses its I/O
 * manager (the resource named by its `ioManager`, `io_manager` by default); a kind of asset whose
 * values live elsewhere (a warehouse table written by its own query) adds its choice here, and the
 * input loader and output writer need not change.
 */
import { DEFAULT_IO_MANAGER_KEY } from "../definitions/asset";
import { isIOManager, type IOManager } from "../definitions/ioManager";
import { TributaryError } from "../errors";
import type { AssetGraph } from "../graph/assetGraph";
import type { RunResources } from "./resources";

/** Where one asset's values go and come from. */
export interface AssetIO {
  /** Stores and loads the asset's values (errors it throws are the user's, wrapped by the caller). */
  readonly manager: IOManager;
  /** What stores them, for messages: `I/O manager "io_manager"`. */
  readonly label: string;
}

/** Chooses, per asset key, how the asset's values are stored and loaded in a run. */
export type AssetIOResolver = (assetKey: string) => Promise<AssetIO>;

/**
 * Each asset's I/O manager, resolved from the run's resources once per resource key (set up on
 * first use, like any resource).
 * @throws TributaryError (through the promise) when the resource is not an I/O manager.
 */
export function ioManagerResolver(graph: AssetGraph, resources: RunResources): AssetIOResolver {
  const byResourceKey = new Map<string, Promise<AssetIO>>();
  return (assetKey) => {
    const key = graph.assets.get(assetKey)?.ioManager ?? DEFAULT_IO_MANAGER_KEY;
    let io = byResourceKey.get(key);
    if (!io) {
      io = resources.get(key).then((value) => {
        if (!isIOManager(value)) {
          throw new TributaryError(`resource "${key}" is used as an I/O manager but has no handleOutput/loadInput methods`, {
            hint: "Provide an IOManager (see docs/io-managers.md) under that key.",
          });
        }
        return { manager: value, label: `I/O manager "${key}"` };
      });
      byResourceKey.set(key, io);
    }
    return io;
  };
}
