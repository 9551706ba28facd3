/**
 * Which partitions of a partitioned asset to materialize, asked when the user materializes it from
 * the editor: the latest partition (one run), a range (a backfill: one run per partition, as
 * `tributary backfill`), or all of them (one run). Without this, a click ran every partition.
 */
import * as vscode from "vscode";
import type { AssetPartitionsJson } from "tributary-ts/wire";

/** The user's pick. */
export type PartitionChoice =
  | { kind: "latest"; key: string }
  | { kind: "range"; from: string; to: string }
  | { kind: "all" };

/** A quick pick item with the choice it stands for (the range is asked next). */
export interface PartitionPickItem extends vscode.QuickPickItem {
  choice: "latest" | "range" | "all";
}

/** The items offered for an asset's partitions, latest first. */
export function partitionPickItems(status: AssetPartitionsJson): PartitionPickItem[] {
  const items: PartitionPickItem[] = [];
  if (status.lastKey) {
    items.push({ choice: "latest", label: "$(calendar) Latest partition", description: status.lastKey, detail: "One run for the latest partition that exists now" });
  }
  items.push(
    { choice: "range", label: "$(list-ordered) A range of partitions…", description: status.firstKey && status.lastKey ? `${status.firstKey} … ${status.lastKey}` : "", detail: "A backfill: one run per partition" },
    { choice: "all", label: `$(check-all) All ${status.total} partitions`, description: `${status.materialized.count} materialized, ${status.missing.count} missing${status.failed.count > 0 ? `, ${status.failed.count} failed` : ""}`, detail: "One run for every partition that exists now" },
  );
  return items;
}

/** Asks which partitions of `key` to run; undefined when the user dismissed the pick. */
export async function pickPartitions(key: string, status: AssetPartitionsJson): Promise<PartitionChoice | undefined> {
  const picked = await vscode.window.showQuickPick(partitionPickItems(status), {
    title: `Materialize ${key}: which partitions?`,
    placeHolder: status.definition,
  });
  if (!picked) return undefined;
  if (picked.choice === "latest" && status.lastKey) return { kind: "latest", key: status.lastKey };
  if (picked.choice === "all") return { kind: "all" };
  const nonEmpty = (value: string): string | undefined => (value.trim() ? undefined : "A partition key, e.g. " + (status.firstKey ?? "2024-01-01"));
  const from = await vscode.window.showInputBox({
    title: `Materialize ${key}: a range of partitions (1/2)`, prompt: "The first partition of the range", value: status.firstKey ?? "", validateInput: nonEmpty, ignoreFocusOut: true,
  });
  if (!from) return undefined;
  const to = await vscode.window.showInputBox({
    title: `Materialize ${key}: a range of partitions (2/2)`, prompt: `The last partition of the range (from ${from.trim()})`, value: status.lastKey ?? "", validateInput: nonEmpty, ignoreFocusOut: true,
  });
  if (!to) return undefined;
  return { kind: "range", from: from.trim(), to: to.trim() };
}
