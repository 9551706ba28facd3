/**
 * Where this process's claims start looking in the queue. Claimed runs leave entries in the queue's
 * index until a vacuum removes them, all at its low end (runs are queued in `seq` order), so a claim
 * that starts from the beginning walks past every run claimed since the last vacuum: measurably the
 * largest part of the server's work in a busy queue. Starting after the last run this process
 * claimed skips them. A full look from the beginning is still taken at least every second, and
 * whenever a look from the frontier finds too few runs, so that a run queued out of order (given
 * back under a tag limit, or committed late with a lower `seq`) waits at most about a second.
 */
export class ClaimFrontier {
  private frontier = 0;
  private lastFullLookAt = 0;
  private fullLookDue = true;

  constructor(private readonly fullLookEveryMs = 1000) {}

  /** The `seq` to look after: 0 for a full look. */
  lookAfter(now = Date.now()): number {
    if (this.fullLookDue || now - this.lastFullLookAt >= this.fullLookEveryMs) {
      this.fullLookDue = false;
      this.lastFullLookAt = now;
      return 0;
    }
    return this.frontier;
  }

  /** Records a look after `after` that wanted `limit` runs and claimed those of `seqs`. */
  claimed(after: number, seqs: number[], limit: number): void {
    for (const seq of seqs) if (seq > this.frontier) this.frontier = seq;
    if (after > 0 && seqs.length < limit) this.fullLookDue = true;
  }
}
