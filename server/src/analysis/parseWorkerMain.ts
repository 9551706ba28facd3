import { parentPort } from "node:worker_threads";
import { type ParseReply, type ParseRequest, type ReadyMessage, SlotState } from "./parseWorkers";
import { readFileFacts } from "./readFacts";

/**
 * The body of a parse worker (see {@link ParseWorkerPool}): claims files from the shared counter
 * until none is left, and replies with their facts as JSON, stringified file by file as it goes so
 * that nothing is left to do after the last file.
 */
export function parseWorkerMain(): void {
  const port = parentPort;
  if (!port) return;
  port.on("message", (request: ParseRequest) => {
    const counter = new Int32Array(request.counter);
    const states = new Int32Array(request.states);
    const reply: ParseReply = { batch: request.batch, indexes: [], facts: [] };
    // The main thread closes the slot when it finished before this worker joined: then do nothing.
    if (Atomics.compareExchange(states, request.slot, SlotState.Idle, SlotState.Working) === SlotState.Idle) {
      for (let i = Atomics.add(counter, 0, 1); i < request.files.length; i = Atomics.add(counter, 0, 1)) {
        const facts = readFileFacts(request.files[i] as string);
        reply.indexes.push(i);
        reply.facts.push(facts ? JSON.stringify(facts) : null);
      }
    }
    port.postMessage(reply);
  });
  const ready: ReadyMessage = { ready: true };
  port.postMessage(ready);
}
