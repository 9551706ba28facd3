/**
 * Where a {@link BufferedEventWriter} keeps events beyond its memory bound while the database is
 * unreachable: files of a few thousand events each, oldest first, in a folder of its own that is
 * removed when the writer is done. A run that logs a lot during a long outage then costs disk, not
 * the worker's memory (an out-of-memory kill would lose every buffered event).
 */
import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RunEvent } from "../types";

/** Events in order: the oldest in files, the newest (up to `segmentSize`) in memory. */
export class EventSpill {
  private readonly files: string[] = [];
  private tail: RunEvent[] = [];
  private dir: string | undefined;
  private filesMade = 0;
  private count = 0;

  /**
   * @param segmentSize events per file (and most events held in memory)
   * @param parentDir where the spill folder is made. @defaultValue the OS's temporary folder
   */
  constructor(
    private readonly segmentSize: number,
    private readonly parentDir: string = tmpdir(),
  ) {}

  /** Events spilled and not taken back yet. */
  get size(): number {
    return this.count;
  }

  /** Files written so far (for tests and messages). */
  get filesWritten(): number {
    return this.filesMade;
  }

  /** Appends an event after every other one. */
  add(event: RunEvent): void {
    this.tail.push(event);
    this.count++;
    if (this.tail.length >= this.segmentSize) {
      this.dir ??= mkdtempSync(join(this.parentDir, "tributary-events-"));
      const file = join(this.dir, `${String(this.filesMade++).padStart(6, "0")}.json`);
      writeFileSync(file, JSON.stringify(this.tail));
      this.files.push(file);
      this.tail = [];
    }
  }

  /** Removes and returns the oldest events: the oldest file's, or those in memory when no file is left. */
  takeOldest(): RunEvent[] {
    const file = this.files.shift();
    let events: RunEvent[];
    if (file === undefined) {
      events = this.tail;
      this.tail = [];
    } else {
      events = JSON.parse(readFileSync(file, "utf8")) as RunEvent[];
      unlinkSync(file);
    }
    this.count -= events.length;
    // An empty spill keeps no folder behind.
    if (this.count === 0) this.dispose();
    return events;
  }

  /** Deletes the spill folder (and any events still in it). */
  dispose(): void {
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
    this.files.length = 0;
    this.tail = [];
    this.count = 0;
  }
}
