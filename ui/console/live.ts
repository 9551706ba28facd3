/**
 * One shared reader of the daemon's `/api/events/stream` for the whole page: pages subscribe to
 * run events (the runs list, the overview) and the stream runs while anyone listens. A dropped
 * stream marks the daemon down (the banner) and resumes after the last event id on its own.
 */
import { readEventStream, STREAM_EVENTS, type RunEventJson } from "tributary-ts/wire";
import { authHeaders, onDaemonState, reportDaemonDown } from "./api";

type Listener = (event: RunEventJson) => void;
const listeners = new Set<Listener>();
let controller: AbortController | null = null;

function start(): void {
  controller = new AbortController();
  const signal = controller.signal;
  readEventStream("/api/events/stream", {
    headers: authHeaders,
    signal,
    retry: { initialDelayMs: 250, maxDelayMs: 2000 },
    onEvent(event) {
      if (event.type !== STREAM_EVENTS.runEvent) return;
      let parsed: RunEventJson;
      try {
        parsed = JSON.parse(event.data) as RunEventJson;
      } catch {
        return;
      }
      for (const listener of listeners) listener(parsed);
    },
    onStatus(connected) {
      if (!connected) reportDaemonDown();
    },
  }).catch(() => reportDaemonDown());
}

/** Calls `listener` with every run event the daemon records from now on; returns the unsubscribe. */
export function subscribeRunEvents(listener: Listener): () => void {
  listeners.add(listener);
  if (!controller) start();
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) {
      controller?.abort();
      controller = null;
    }
  };
}

// A stream that gave up while the daemon was away starts again when it is back.
onDaemonState((up) => {
  if (up && listeners.size > 0 && controller) {
    controller.abort();
    start();
  }
});
