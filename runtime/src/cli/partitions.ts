/** `tributary partitions status KEY`, `partitions add NAME KEY...`, `partitions remove NAME KEY...`. */
import { findProjectConfig } from "../loader/config";
import { partitionKeyProblem } from "../partitions/common";
import type { AssetPartitionsStatus, PartitionStatusGroup } from "../services/partitionStatus";
import { openStorage } from "../storage";
import { parseCommandArgs } from "./args";
import { EXIT_OK, UsageError, stylesFor, type CliContext } from "./context";

export const PARTITIONS_HELP = `Usage: tributary partitions status ASSET_KEY [--json]
       tributary partitions add NAME KEY [KEY...]
       tributary partitions remove NAME KEY [KEY...]

status   Materialized, failed and missing partitions of an asset: counts and ranges.
         --json prints {"asset","definition","total","materialized":{"count","ranges":[[first,last],...]},
         "failed":{...},"missing":{...},"strip"}.
add      Adds keys to dynamic partitions NAME (dynamicPartitions({ name })); present keys are ignored.
remove   Removes keys from dynamic partitions NAME.`;

/** Runs `partitions`. */
export async function partitionsCommand(args: string[], context: CliContext): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === "status") return partitionsStatus(rest, context);
  if (sub === "add" || sub === "remove") return changeDynamic(sub, rest, context);
  throw new UsageError(sub === undefined ? "partitions: missing subcommand" : `partitions: unknown subcommand "${sub}"`, {
    hint: "Use `tributary partitions status ASSET_KEY`, `partitions add NAME KEY...` or `partitions remove NAME KEY...`.",
  });
}

async function partitionsStatus(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs("partitions status", args, { json: { type: "boolean" } }, 1);
  const key = positionals[0];
  if (!key) throw new UsageError("partitions status: the asset key is required", { hint: "tributary partitions status daily_orders" });
  const config = findProjectConfig(context.cwd, context.env);
  const { loadProject } = require("../loader/loadDefinitions") as typeof import("../loader/loadDefinitions");
  const { assetPartitionsStatus } = require("../services/partitionStatus") as typeof import("../services/partitionStatus");
  const project = await loadProject(config);
  const node = project.graph.assets.get(key);
  if (!node) throw new UsageError(`partitions status: no asset "${key}"`, { hint: "`tributary assets list` shows the keys there are." });
  if (!node.partitions) throw new UsageError(`partitions status: asset "${key}" is not partitioned`);
  const storage = await openStorage(config.storage);
  try {
    const status = await assetPartitionsStatus(storage, project.graph, key);
    if (values["json"] === true) context.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
    else context.stdout.write(formatStatus(status, context));
    return EXIT_OK;
  } finally {
    await storage.close().catch(() => undefined);
  }
}

function formatStatus(status: AssetPartitionsStatus, context: CliContext): string {
  const styles = stylesFor(context.stdout, context.env);
  const ranges = (group: PartitionStatusGroup) => {
    const shown = group.ranges.slice(0, 6).map(([first, last]) => (first === last ? first : `${first}..${last}`));
    return `${shown.join(", ")}${group.ranges.length > 6 ? `, ... (${group.ranges.length} ranges)` : ""}`;
  };
  const lines = [
    `${styles.bold(status.asset)}: ${status.definition}; ${status.total} partition(s)`,
    `  ${styles.green("materialized")} ${status.materialized.count}${status.materialized.count ? `  ${ranges(status.materialized)}` : ""}`,
    `  ${styles.red("failed")}       ${status.failed.count}${status.failed.count ? `  ${ranges(status.failed)}` : ""}`,
    `  ${styles.dim("missing")}      ${status.missing.count}${status.missing.count ? `  ${ranges(status.missing)}` : ""}`,
  ];
  return `${lines.join("\n")}\n`;
}

async function changeDynamic(sub: "add" | "remove", args: string[], context: CliContext): Promise<number> {
  const { positionals } = parseCommandArgs(`partitions ${sub}`, args, {}, Number.MAX_SAFE_INTEGER);
  const [name, ...keys] = positionals;
  if (!name || keys.length === 0) throw new UsageError(`partitions ${sub}: give the dynamic partitions name and at least one key`, { hint: `tributary partitions ${sub} customers acme` });
  for (const key of keys) {
    const problem = partitionKeyProblem(key);
    if (problem) throw new UsageError(`partitions ${sub}: ${problem}`);
  }
  const config = findProjectConfig(context.cwd, context.env);
  const storage = await openStorage(config.storage);
  try {
    if (sub === "add") await storage.addDynamicPartitions(name, keys);
    else await storage.removeDynamicPartitions(name, keys);
    const now = await storage.dynamicPartitionKeys(name);
    context.stdout.write(`dynamic partitions "${name}": ${now.length} key(s)\n`);
    return EXIT_OK;
  } finally {
    await storage.close().catch(() => undefined);
  }
}
