import assert from "node:assert/strict";
import { ConfigError } from "../../runtime/src/errors";
import { TypedEmitter, onAnyOf, STATE_CHANGE_EVENTS, type DaemonEvents } from "../../runtime/src/daemon/events";
import { Logger, createLogger, jsonSink, logSettingsFrom, pinoSink, textSink, type LogEntry } from "../../runtime/src/daemon/logger";
import { MAX_LOG_LINE } from "../../runtime/src/daemon/logLine";

const AT = new Date("2026-12-05T08:00:00.000Z");

describe("the daemon's logger", () => {
  it("writes today's lines of text: the component scope as a [prefix], the other fields left to machines", () => {
    const lines: string[] = [];
    const logger = new Logger(textSink((line) => lines.push(line)));
    logger.scope({ component: "scheduler" }).warn('schedule "nightly": 2 missed tick(s) skipped by the catch-up policy', { schedule: "nightly", skipped: 2 });
    logger.scope({ component: "runs" }).info("run r1 queued: \"a\"", { runId: "r1" });
    logger.info("no component");
    assert.deepEqual(lines, ['[scheduler] schedule "nightly": 2 missed tick(s) skipped by the catch-up policy', '[runs] run r1 queued: "a"', "no component"]);
  });

  it("writes one parseable JSON object per line: time, level, msg, the scopes' fields and the entry's", () => {
    const lines: string[] = [];
    const logger = new Logger(jsonSink((line) => lines.push(line)), {}, "debug", () => AT);
    const scheduler = logger.scope({ component: "scheduler", daemonId: "host:1:abc" }).scope({ schedule: "nightly" });
    scheduler.error("evaluation failed: boom", { error: new Error("boom"), attempt: 2n, skip: () => 1 });
    scheduler.debug("line\nwith a newline and \"quotes\"");
    assert.equal(lines.length, 2);
    const first = JSON.parse(lines[0]!) as Record<string, unknown>;
    assert.equal(first["time"], AT.toISOString());
    assert.equal(first["level"], "error");
    assert.equal(first["msg"], "evaluation failed: boom");
    assert.equal(first["component"], "scheduler");
    assert.equal(first["daemonId"], "host:1:abc");
    assert.equal(first["schedule"], "nightly");
    assert.equal((first["error"] as { message: string }).message, "boom");
    assert.equal(first["attempt"], "2");
    assert.equal("skip" in first, false, "a function is not data");
    assert.equal((JSON.parse(lines[1]!) as { msg: string }).msg, 'line\nwith a newline and "quotes"');
  });

  it("keeps a JSON line parseable when a message or a field is a megabyte of user input", () => {
    const lines: string[] = [];
    const logger = new Logger(jsonSink((line) => lines.push(line)));
    logger.error("x".repeat(1_000_000), { body: "y".repeat(1_000_000) });
    const entry = JSON.parse(lines[0]!) as { msg: string; body: string };
    assert.ok(entry.msg.length < MAX_LOG_LINE + 100 && entry.msg.endsWith("(cut: 1000000 characters in all)"));
    assert.ok(entry.body.length < MAX_LOG_LINE + 100);
  });

  it("drops entries below its level, in every scope", () => {
    const seen: LogEntry[] = [];
    const logger = new Logger((entry) => seen.push(entry), {}, "warn").scope({ component: "monitor" });
    logger.debug("d");
    logger.info("i");
    logger.warn("w");
    logger.error("e");
    assert.deepEqual(seen.map((entry) => entry.level), ["warn", "error"]);
  });

  it("turns the [component] prefix of a line from below the daemon's layer into the component field", () => {
    const seen: LogEntry[] = [];
    const log = new Logger((entry) => seen.push(entry)).scope({ daemonId: "d1" }).lines("warn");
    log("[pool] cannot write the bundle of code v1: EACCES");
    log("no prefix here");
    assert.deepEqual(seen.map((entry) => [entry.level, entry.scope, entry.message]), [
      ["warn", { daemonId: "d1", component: "pool" }, "cannot write the bundle of code v1: EACCES"],
      ["warn", { daemonId: "d1" }, "no prefix here"],
    ]);
  });

  it("hands entries to a pino logger (a structural fake: pino's overloaded level methods) with the scope's fields merged", () => {
    const calls: [string, Record<string, unknown>, string | undefined][] = [];
    // Pino's LogFn: (obj, msg?, ...args) | (msg, ...args). Typed so, the fake must be accepted as it is.
    type LogFn = { (obj: object, msg?: string, ...args: unknown[]): void; (msg: string, ...args: unknown[]): void };
    const level = (name: string): LogFn => ((obj: object | string, msg?: string) => void calls.push([name, obj as Record<string, unknown>, msg])) as LogFn;
    const fakePino: { level: string; debug: LogFn; info: LogFn; warn: LogFn; error: LogFn; fatal: LogFn; child(bindings: object): unknown } = {
      level: "info",
      debug: level("debug"),
      info: level("info"),
      warn: level("warn"),
      error: level("error"),
      fatal: level("fatal"),
      child: () => fakePino,
    };
    const logger = new Logger(pinoSink(fakePino), {}, "debug").scope({ component: "coordinator" });
    logger.error("claiming queued runs failed: timeout", { runId: "r9" });
    logger.debug("claimed 0");
    assert.deepEqual(calls, [
      ["error", { component: "coordinator", runId: "r9" }, "claiming queued runs failed: timeout"],
      ["debug", { component: "coordinator" }, "claimed 0"],
    ]);
  });

  it("never lets a failing sink break the part that logged", () => {
    const logger = new Logger(() => {
      throw new Error("EPIPE");
    });
    assert.doesNotThrow(() => logger.error("still running"));
  });

  it("takes its format and level from TRIBUTARY_LOG_FORMAT / TRIBUTARY_LOG_LEVEL, else from tributary.yaml, and names a bad value's way out", () => {
    assert.deepEqual(logSettingsFrom(undefined, {}), { format: "text", level: "info" });
    assert.deepEqual(logSettingsFrom({ logFormat: "json", logLevel: "warn" }, {}), { format: "json", level: "warn" });
    assert.deepEqual(logSettingsFrom({ logFormat: "text", logLevel: "warn" }, { TRIBUTARY_LOG_FORMAT: "JSON", TRIBUTARY_LOG_LEVEL: "debug" }), { format: "json", level: "debug" });
    assert.throws(() => logSettingsFrom(undefined, { TRIBUTARY_LOG_FORMAT: "yaml" }), (error: unknown) => error instanceof ConfigError && /TRIBUTARY_LOG_FORMAT=yaml/.test(error.message) && /text, json/.test(error.hint ?? ""));
    assert.throws(() => logSettingsFrom(undefined, { TRIBUTARY_LOG_LEVEL: "verbose" }), (error: unknown) => error instanceof ConfigError && /debug, info, warn, error/.test(error.hint ?? ""));
    const lines: string[] = [];
    createLogger({ format: "json", level: "error", write: (line) => lines.push(line) }).warn("dropped");
    assert.deepEqual(lines, []);
  });
});

describe("the daemon's typed events", () => {
  it("calls each listener with its event's payload, every onAny listener with every event, and survives a throwing listener", () => {
    const events = new TypedEmitter<DaemonEvents>();
    const queued: string[] = [];
    const all: string[] = [];
    events.on("runQueued", () => {
      throw new Error("a broken listener");
    });
    const stop = events.on("runQueued", (payload) => queued.push(payload.runId));
    events.onAny((name) => all.push(name));
    let wakes = 0;
    onAnyOf(events, STATE_CHANGE_EVENTS, () => wakes++);
    events.emit("runQueued", { runId: "r1", selection: "a", instigator: null });
    events.emit("loopStalled", { loop: "scheduler", lastBeatAt: AT.toISOString(), stalledForSeconds: 60 });
    stop();
    events.emit("runQueued", { runId: "r2", selection: "a", instigator: null });
    assert.deepEqual(queued, ["r1"]);
    assert.deepEqual(all, ["runQueued", "loopStalled", "runQueued"]);
    assert.equal(wakes, 2, "a stalled loop changes nothing event streams show");
  });
});
