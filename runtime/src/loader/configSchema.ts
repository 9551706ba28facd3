/**
 * The schema of tributary.yaml, in one place: every section, key, type, default and unit. The
 * loader validates the whole file against it once (configFile.ts maps each problem to the line
 * and column of its node), the daemon and notifications read its typed output, and
 * `runtime/schema/tributary.schema.json` is generated from it for editors (scripts/configSchema.mjs).
 *
 * Units: every duration is a number of seconds in a key ending in `Seconds` (fractions allowed:
 * `heartbeatSeconds: 0.5`), as in Dagster's dagster.yaml (`max_runtime_seconds`,
 * `minimum_interval_seconds`). The older `*Ms` keys the docs showed (`queuePollMs`, `backoffMs`, ...)
 * are still read, as deprecated spellings of their `*Seconds` key.
 *
 * To add a section (`automation: { intervalSeconds }`), add its schema to {@link CONFIG_SECTIONS}
 * and its rows to docs/configuration.md, then regenerate the JSON Schema (`npm run build && node
 * runtime/scripts/configSchema.mjs`); test/loader/configSchema.test.ts fails until both are done.
 * Its typed output reaches `ProjectConfig` through loader/config.ts.
 */
import * as v from "valibot";

/**
 * Messages are what a value must be ("a whole number >= 0"): configFile.ts reports a problem as
 * `daemon.maxConcurrentRuns: expected a whole number >= 0, got 2.5`.
 */
function wholeNumber(min: number, description: string) {
  const expected = `a whole number >= ${min}`;
  return v.pipe(v.number(expected), v.integer(expected), v.minValue(min, expected), v.description(description));
}

function seconds(description: string) {
  const expected = "a number of seconds >= 0";
  return v.pipe(v.number(expected), v.finite(expected), v.minValue(0, expected), v.description(description));
}

function text(description: string) {
  const expected = "a non-empty string";
  return v.pipe(v.string(expected), v.regex(/\S/, expected), v.description(description));
}

/** A value with a default: optional in the file, always set in the output. */
function withDefault<TSchema extends v.GenericSchema, const TDefault extends v.InferOutput<TSchema>>(schema: TSchema, value: TDefault) {
  return v.optional(schema, value);
}

/** A mapping whose unknown keys are errors (configFile.ts adds "did you mean"). */
function mapping<TEntries extends v.ObjectEntries>(entries: TEntries, description: string) {
  return v.pipe(v.strictObject(entries, "a mapping"), v.description(description));
}

/**
 * An old `*Ms` key kept working: read as its `*Seconds` key / 1000. Setting both is an error, and
 * editors show the old key struck through (`deprecated`).
 */
function deprecatedMilliseconds(replacement: string) {
  const expected = "a number of milliseconds >= 0";
  return v.optional(v.pipe(
    v.number(expected), v.finite(expected), v.minValue(0, expected),
    v.metadata({ deprecated: true, deprecationMessage: `Use ${replacement} (seconds).` }),
    v.description(`Deprecated: use ${replacement} (in seconds).`),
  ));
}

/** Keys renamed from `*Ms` to `*Seconds`: old name -> new name, its default and what it means. */
type Renames = Record<string, { to: string; defaultSeconds: number; description: string }>;
type RenamedOutput<TRenames extends Renames> = { [K in keyof TRenames as TRenames[K]["to"]]: number };

/**
 * A section whose durations were once `*Ms` keys: both spellings are accepted (the old one
 * deprecated), the old one is read into the new one, and setting both is an error. Defaults of
 * renamed keys are applied here rather than by `v.optional`, so that "both set" can be told apart
 * from "the new one defaulted"; editors still see them (`default`).
 */
function sectionWithRenamedMilliseconds<TEntries extends v.ObjectEntries, const TRenames extends Renames>(
  entries: TEntries,
  renames: TRenames,
  description: string,
) {
  const all: v.ObjectEntries = { ...entries };
  for (const { to, defaultSeconds, description: meaning } of Object.values(renames)) {
    all[to] = v.optional(v.pipe(seconds(meaning), v.metadata({ default: defaultSeconds })));
  }
  for (const [old, { to }] of Object.entries(renames)) all[old] = deprecatedMilliseconds(to);
  type Output = v.InferOutput<v.StrictObjectSchema<TEntries, "a mapping">> & RenamedOutput<TRenames>;
  return v.pipe(
    // The renamed keys are added at run time; the type names only what the output holds.
    v.strictObject(all as TEntries, "a mapping"),
    v.description(description),
    v.rawTransform<v.InferOutput<v.StrictObjectSchema<TEntries, "a mapping">>, Output>(({ dataset, addIssue, NEVER }) => {
      const input = dataset.value as Record<string, unknown>;
      const output: Record<string, unknown> = { ...input };
      for (const [old, { to, defaultSeconds }] of Object.entries(renames)) {
        const oldValue = output[old];
        delete output[old];
        if (oldValue !== undefined && output[to] !== undefined) {
          addIssue({
            message: `only one of ${old} and ${to} (${old} is its old name, in milliseconds)`,
            path: [{ type: "object", origin: "value", input, key: old, value: oldValue }],
          });
          return NEVER;
        }
        output[to] ??= oldValue === undefined ? defaultSeconds : (oldValue as number) / 1000;
      }
      return output as Output;
    }),
  );
}

const tagConcurrencyLimit = v.strictObject({
  key: text("The tag's key."),
  value: v.optional(v.pipe(v.union([v.string(), v.number(), v.boolean()], "a string"), v.transform(String), v.string())),
  limit: wholeNumber(0, "Runs with this tag in progress at once, across every daemon and worker."),
}, "a mapping { key, value?, limit }");

const daemonEntries = {
  maxConcurrentRuns: withDefault(wholeNumber(0, "Runs this process executes at once (0: a daemon that leaves execution to workers)."), 10),
  globalMaxConcurrentRuns: withDefault(wholeNumber(0, "Runs in progress at once across every daemon and worker sharing the database (0: no global limit)."), 0),
  warmWorkers: withDefault(wholeNumber(0, "Worker processes kept loaded ahead of runs (0: a fresh process per run)."), 1),
  tagConcurrencyLimits: withDefault(v.pipe(v.array(tagConcurrencyLimit, "a list of { key, value?, limit }"),
    v.description("Limits on runs in progress per tag, across every daemon and worker.")), []),
  runRetries: withDefault(mapping({
    maxRetries: withDefault(wholeNumber(0, "A run whose worker died is retried as a new run up to this many times."), 0),
  }, "Retries of runs whose worker died."), { maxRetries: 0 }),
  heartbeatSeconds: withDefault(seconds("How often running runs get a heartbeat (and CANCELING runs are noticed)."), 2),
  heartbeatTimeoutSeconds: withDefault(seconds("A run whose heartbeat is older than this is failed by the monitor."), 30),
  monitorIntervalSeconds: withDefault(seconds("How often the monitor looks for dead runs."), 5),
  maxRuntimeSeconds: withDefault(seconds("Runs longer than this are canceled (0: no limit; the run tag tributary/max_runtime overrides)."), 0),
  logFormat: withDefault(v.pipe(v.picklist(["text", "json"], 'one of "text", "json"'),
    v.description("How the daemon writes its log: lines of text, or one JSON object per line (on stdout). TRIBUTARY_LOG_FORMAT overrides it.")), "text"),
  logLevel: withDefault(v.pipe(v.picklist(["debug", "info", "warn", "error"], 'one of "debug", "info", "warn", "error"'),
    v.description("The least severe log entries written. TRIBUTARY_LOG_LEVEL overrides it.")), "info"),
  loopUnhealthyAfterSeconds: v.optional(v.pipe(seconds("A daemon loop that has not completed a pass for this long is reported stalled by /api/health (status \"degraded\"). Default: five of its intervals, at least 60."),
    v.examples([300]))),
};

/** The `daemon:` section: the run queue, the monitor and the daemon's loops. */
export const DaemonSectionSchema = sectionWithRenamedMilliseconds(daemonEntries, {
  queuePollMs: { to: "queuePollSeconds", defaultSeconds: 1, description: "How often coordinators look for queued runs when nothing woke them (PostgreSQL wakes them at once)." },
  schedulerPollMs: { to: "schedulerPollSeconds", defaultSeconds: 1, description: "How often the scheduler re-reads statuses when no tick is due sooner." },
  sensorPollMs: { to: "sensorPollSeconds", defaultSeconds: 1, description: "How often sensors are looked at (each still waits its own minimumIntervalSeconds)." },
}, "Settings of `tributary daemon` and `tributary worker`: run limits, heartbeats, polling.");

/** The `daemon:` section, checked, defaults filled; durations in seconds. */
export type DaemonSection = v.InferOutput<typeof DaemonSectionSchema>;

/** What a notification is about. */
export const NOTIFICATION_EVENTS = ["run_failure", "check_failure", "run_success", "message", "asset_warn", "asset_stale", "asset_fresh_again"] as const;

const webhook = v.strictObject({
  url: v.pipe(v.string("an http(s) URL"), v.regex(/^https?:\/\/\S/, "an http(s) URL"),
    v.description("The webhook's URL, usually ${SOME_VARIABLE}: it is a secret."), v.examples(["${SLACK_WEBHOOK_URL}"])),
  format: withDefault(v.pipe(v.picklist(["json", "slack"], 'one of "json", "slack"'),
    v.description("json: the generic payload; slack: { text, blocks } (also Mattermost, Rocket.Chat, Teams workflows).")), "json"),
  events: withDefault(v.pipe(v.array(v.picklist(NOTIFICATION_EVENTS, `one of ${NOTIFICATION_EVENTS.join(", ")}`), "a list of events"),
    v.description("Events sent to this webhook (sensors' messages always are).")), ["run_failure", "check_failure"]),
  headers: withDefault(v.pipe(v.record(v.string(), v.pipe(v.union([v.string(), v.number(), v.boolean()], "a string"), v.transform(String), v.string()), "a mapping of header names to values"),
    v.description("Extra request headers, e.g. Authorization.")), {}),
}, "a mapping { url, format?, events?, headers? }");

const notificationEntries = {
  webhooks: withDefault(v.pipe(v.array(webhook, "a list of webhooks"), v.description("Where notifications are sent.")), []),
  retries: withDefault(wholeNumber(0, "Attempts after the first."), 3),
};

/** The `notifications:` section: webhooks and their retries. */
export const NotificationsSectionSchema = sectionWithRenamedMilliseconds(notificationEntries, {
  backoffMs: { to: "backoffSeconds", defaultSeconds: 1, description: "The first retry's delay, doubled at each retry." },
  timeoutMs: { to: "timeoutSeconds", defaultSeconds: 5, description: "Time allowed for each request." },
}, "Webhooks notified of failed runs, failed checks and (opt-in) successful runs.");

/** The `notifications:` section, checked, defaults filled; durations in seconds. */
export type NotificationsSection = v.InferOutput<typeof NotificationsSectionSchema>;

const automationEntries = {
  intervalSeconds: withDefault(v.pipe(seconds("How often automation conditions are evaluated: one tick per interval across every daemon sharing the database."),
    v.minValue(1, "a number of seconds >= 1")), 30),
  retentionDays: withDefault(v.pipe(v.number("a number of days >= 0"), v.finite("a number of days >= 0"), v.minValue(0, "a number of days >= 0"),
    v.description("Evaluations older than this are deleted (each asset still keeps its newest keepPerAsset).")), 7),
  keepPerAsset: withDefault(wholeNumber(0, "Evaluations of each asset kept whatever their age."), 100),
};

/** The `automation:` section: the daemon's evaluation of automation conditions. */
export const AutomationSectionSchema = mapping(automationEntries, "Declarative automation (docs/automation.md): how often conditions are evaluated and how long evaluations are kept.");

/** The `automation:` section, checked, defaults filled. */
export type AutomationSection = v.InferOutput<typeof AutomationSectionSchema>;

/**
 * Every top-level key of tributary.yaml. The one place a section is added.
 */
export const CONFIG_SECTIONS = {
  entry: v.optional(v.pipe(text("The file whose default export is definitions(...), relative to tributary.yaml. Default: definitions.ts, else src/definitions.ts."), v.examples(["src/definitions.ts"]))),
  storage: v.optional(mapping({
    url: v.pipe(text("postgres:// URL, or a SQLite file path (relative to tributary.yaml; :memory: for a throwaway database). TRIBUTARY_DATABASE_URL overrides it."),
      v.examples(["${TRIBUTARY_DATABASE_URL:-.tributary/tributary.db}", "postgres://user@localhost:5432/tributary"])),
    schema: v.optional(v.pipe(text("PostgreSQL schema holding Tributary's tables (created when missing). Default: public."), v.examples(["tributary"]))),
  }, "Where runs and events are stored. Default: SQLite at .tributary/tributary.db.")),
  executor: v.optional(mapping({
    maxConcurrency: v.optional(v.pipe(wholeNumber(1, "Steps running at once in a run. Default: definitions({ executor }), else the CPU count (at least 2)."), v.examples([4]))),
  }, "How a run executes its steps.")),
  daemon: v.optional(DaemonSectionSchema),
  notifications: v.optional(NotificationsSectionSchema),
  automation: v.optional(AutomationSectionSchema),
};

/** The whole of tributary.yaml. */
export const ConfigFileSchema = v.pipe(
  v.strictObject(CONFIG_SECTIONS, "a mapping of settings"),
  v.title("tributary.yaml"),
  v.description("The Tributary project file (docs/configuration.md lists every key)."),
);

/** The contents of tributary.yaml, checked and interpolated (paths still as written). */
export type ConfigFileContents = v.InferOutput<typeof ConfigFileSchema>;

/** The `daemon:` section of a file that does not set it: every default. */
export const DEFAULT_DAEMON_SECTION: DaemonSection = v.parse(DaemonSectionSchema, {});
/** The `notifications:` section of a file that does not set it: no webhooks. */
export const DEFAULT_NOTIFICATIONS_SECTION: NotificationsSection = v.parse(NotificationsSectionSchema, {});
/** The `automation:` section of a file that does not set it: every default. */
export const DEFAULT_AUTOMATION_SECTION: AutomationSection = v.parse(AutomationSectionSchema, {});
