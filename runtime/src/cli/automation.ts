/** `tributary automation explain KEY`: why the daemon materialized an asset by itself, or why not. */
import { findProjectConfig } from "../loader/config";
import { openStorage } from "../storage";
import type { AutomationEvaluationRecord } from "../storage/port";
import { integerFlag, parseCommandArgs } from "./args";
import { EXIT_FAILED, EXIT_OK, UsageError, stylesFor, type CliContext } from "./context";
import type { AutomationNodeJson } from "../wire/responses";

export const AUTOMATION_HELP = `Usage: tributary automation explain KEY [--limit N] [--json]

explain   The latest evaluations of asset KEY's automation condition (newest first, --limit N,
          default 1, at most 1000): when, whether it was requested, the run it launched, the reason
          in one sentence, and the condition tree with each node's result.
          --json prints { "evaluations": [{ evaluatedAt, requested, partitions, runId, reason, tree }], "nextCursor" },
          as GET /api/assets/KEY/evaluations.`;

/** A node of a stored tree: the wire contract's (see services/automation/evaluator.ts). */
type TreeNode = AutomationNodeJson;

/** Runs `automation`. */
export async function automationCommand(args: string[], context: CliContext): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === "explain") return explain(rest, context);
  throw new UsageError(sub === undefined ? "automation: missing subcommand" : `automation: unknown subcommand "${sub}"`, {
    hint: "Use `tributary automation explain KEY [--limit N] [--json]`.",
  });
}

async function explain(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs("automation explain", args, { limit: { type: "string" }, json: { type: "boolean" } }, 1);
  const key = positionals[0];
  if (!key) throw new UsageError("automation explain: the asset key is required", { hint: "tributary automation explain stg_orders" });
  const limit = integerFlag("automation explain", "limit", values["limit"], 1) ?? 1;
  if (limit > 1000) throw new UsageError(`automation explain: --limit must be at most 1000, not ${limit}`);
  const config = findProjectConfig(context.cwd, context.env);
  const storage = await openStorage(config.storage);
  let records: AutomationEvaluationRecord[];
  try {
    records = await storage.listAutomationEvaluations(key, { limit: limit + 1 });
  } finally {
    await storage.close();
  }
  const page = records.slice(0, limit);
  if (values["json"] === true) {
    const evaluations = page.map((record) => ({
      evaluatedAt: record.evaluatedAt,
      requested: record.requested,
      partitions: record.partitions,
      runId: record.runId,
      reason: record.reason,
      tree: record.tree,
    }));
    context.stdout.write(`${JSON.stringify({ evaluations, nextCursor: records.length > limit ? String(page.at(-1)!.evaluationId) : null })}\n`);
    return EXIT_OK;
  }
  const s = stylesFor(context.stdout, context.env);
  if (page.length === 0) {
    context.stderr.write(
      `${s.red("error:")} no evaluation of "${key}" is stored\n${s.yellow("hint:")} an asset is evaluated when it has automation (asset({ automation: AutomationCondition.eager() })) and a daemon runs (tributary dev, tributary daemon); evaluations are kept automation.retentionDays.\n`,
    );
    return EXIT_FAILED;
  }
  for (const record of page) {
    const outcome = record.requested ? s.green("requested") : "not requested";
    const partitions = record.partitions.length > 0 ? ` ${record.partitions.join(", ")}` : "";
    context.stdout.write(`${key} at ${record.evaluatedAt}: ${outcome}${partitions}${record.runId ? ` (run ${record.runId})` : ""}\n  ${record.reason}\n`);
    if (record.tree) context.stdout.write(`${treeLines(record.tree as TreeNode, "  ").join("\n")}\n`);
  }
  return EXIT_OK;
}

/** The tree, one node a line: ✓ / ✗, its name, and what made it so. */
function treeLines(node: TreeNode, indent: string): string[] {
  const extras: string[] = [];
  if (node.partitions && node.partitions.length > 0) extras.push(`partitions ${node.partitions.join(", ")}`);
  if (node.matched && node.matched.length > 0) extras.push(`matched ${node.matched.join(", ")}`);
  if (node.detail) extras.push(node.detail);
  const line = `${indent}${node.result ? "✓" : "✗"} ${node.name}${extras.length > 0 ? `  (${extras.join("; ")})` : ""}`;
  return [line, ...(node.children ?? []).flatMap((child) => treeLines(child, `${indent}  `))];
}
