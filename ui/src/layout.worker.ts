/**
 * The layout web worker: lays out graphs off the main thread so the page stays responsive while
 * 5,000 assets are placed. Messages: `{ id, input }` in, `{ id, result }` or `{ id, error }` out;
 * the result's typed arrays are transferred, not copied.
 */
import { layoutGraph, type LayoutInput } from "./layout/layout";

interface WorkerScope {
  onmessage: ((event: { data: { id: number; input: LayoutInput } }) => void) | null;
  postMessage(message: unknown, transfer?: unknown[]): void;
}

const scope = self as unknown as WorkerScope;
scope.onmessage = (event) => {
  const { id, input } = event.data;
  try {
    const result = layoutGraph(input);
    scope.postMessage({ id, result }, [result.positions.buffer, result.edgePoints.buffer, result.edgeOffsets.buffer]);
  } catch (error) {
    scope.postMessage({ id, error: error instanceof Error ? `${error.message}\n${error.stack ?? ""}` : String(error) });
  }
};
