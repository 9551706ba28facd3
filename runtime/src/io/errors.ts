/** Errors raised by the built-in I/O managers that users act on. */
import { TributaryError } from "../errors";

/**
 * A downstream step needs an upstream value that no run has stored yet (or that was stored by
 * another I/O manager). The hint gives the command that fixes it.
 */
export class NeverMaterializedError extends TributaryError {
  /** The upstream asset that has no stored value. */
  readonly assetKey: string;

  constructor(what: { assetKey: string; downstreamKey: string; partitionKey: string | null; where: string }) {
    const partition = what.partitionKey === null ? "" : ` (partition "${what.partitionKey}")`;
    super(
      `asset "${what.assetKey}"${partition} has never been materialized: ${what.where} does not exist, ` +
        `and "${what.downstreamKey}" needs its value`,
      {
        hint:
          what.partitionKey === null
            ? `Materialize it first: tributary materialize --select ${what.assetKey} ` +
              `(or select both: --select "+${what.downstreamKey}").`
            : `Materialize that partition first: tributary materialize --select ${what.assetKey} --partition ${what.partitionKey}, ` +
              `or the missing ones: tributary backfill --select ${what.assetKey} --missing-only --run-here.`,
      },
    );
    this.assetKey = what.assetKey;
  }
}

/** An asset returned a value its I/O manager cannot store (e.g. not an array of rows for a table). */
export class UnsupportedValueError extends TributaryError {}
