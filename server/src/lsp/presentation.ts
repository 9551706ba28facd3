import type { CodeLens, Hover } from "vscode-languageserver";
import { formatWallTime, nextFireTimes, parseCron } from "tributary-ts/schedules";
import {
  ancestors, automationInWords, automationOf, checksOf, cronsOf, describeAutomation, descendants, freshnessInWords, freshnessOf, type Position, type ProjectModel, writtenCronsOf,
} from "../analysis";
import { type JobInfo, MaterializeCommand, OpenAssetPageCommand, OpenRunCommand, ShowLineageCommand } from "../protocol";
import { pathToUri, spanContains, toRange } from "./convert";
import { partitionStatusLine, statusLine, timeAgo } from "./daemonClient";
import { assetAt, assetsInFile, type ServerState } from "./state";

const MAX_LISTED = 12;

function list(keys: Iterable<string>): string {
  const all = [...keys];
  if (all.length === 0) return "none";
  const shown = all.slice(0, MAX_LISTED).map((k) => `\`${k}\``).join(", ");
  return all.length > MAX_LISTED ? `${shown} and ${all.length - MAX_LISTED} more` : shown;
}

/** How many upcoming ticks the hover on a cron lists. */
const TICKS_SHOWN = 3;

/** Hover on an asset (declaration or reference): key, group, description, lineage, latest run; on a cron, its next ticks. */
export function hover(state: ServerState, model: ProjectModel, file: string, position: Position): Hover | null {
  const cron = cronHover(model, file, position) ?? automationCronHover(model, file, position);
  if (cron) return cron;
  const reference = assetAt(model, file, position);
  if (!reference) return null;
  const asset = model.assets.get(reference.key);
  if (!asset) return null;
  const lines = [`**${asset.key}**${asset.group ? ` · group \`${asset.group}\`` : ""}${asset.multiAsset ? ` · multiAsset \`${asset.multiAsset}\`` : ""}`];
  if (asset.description) lines.push("", asset.description);
  lines.push("", `Upstream: ${list(asset.deps)}`, "", `Downstream: ${list(model.downstream.get(asset.key) ?? [])}`);
  const checks = checksOf(model, asset.key);
  if (checks.length > 0) lines.push("", `Checks: ${checks.map((c) => `\`${c}\``).join(", ")}`);
  if (asset.resources.length > 0) lines.push("", `Resources: ${asset.resources.map((r) => `\`${r}\``).join(", ")}`);
  if (asset.partitions) lines.push("", `Partitions: ${asset.partitions}`);
  const automation = automationOf(asset);
  if (automation) {
    const described = describeAutomation(automation);
    lines.push("", `Automation${described ? `: \`${described}\`` : ""} · ${automationInWords(automation)}`);
    for (const { cron, timezone } of cronsOf(automation)) lines.push("", `\`${cron}\` in ${timezone}: ${nextTicksText(cron, timezone)}`);
  }
  const freshness = freshnessOf(asset);
  const freshnessWords = freshness && freshnessInWords(freshness);
  if (freshnessWords) lines.push("", `Freshness: ${freshnessWords}`);
  const status = state.daemonStatuses().get(asset.key);
  if (status?.partitions && typeof status.partitions.total === "number") lines.push("", `Partition status: ${partitionStatusLine(status.partitions)}`);
  if (status) {
    const latest = status.latestMaterialization;
    lines.push("", latest
      ? `Latest materialization: ${timeAgo(latest.timestamp)} (run \`${latest.runId}\`) · ${statusLine(status)}`
      : `Latest materialization: none · ${statusLine(status)}`);
    const metadata = latest?.metadata ? Object.entries(latest.metadata).slice(0, 8) : [];
    if (metadata.length > 0) lines.push("", ...metadata.map(([k, v]) => `- ${k}: \`${JSON.stringify(v)}\``));
  }
  return {
    contents: { kind: "markdown", value: lines.join("\n") },
    range: toRange(reference.location.span),
  };
}

/**
 * Hover on a schedule's cron string: its next ticks on the schedule's wall clock and in UTC, from
 * the runtime's own engine (the daemon fires at exactly these instants).
 */
function cronHover(model: ProjectModel, file: string, position: Position): Hover | null {
  const trigger = model.triggers.find((node) => node.file === file && node.definition.cron && spanContains(node.definition.cron.span, position));
  const cron = trigger?.definition.cron;
  if (!trigger || !cron) return null;
  const timezone = trigger.definition.timezone?.value ?? "UTC";
  const title = `**Schedule${trigger.name ? ` \`${trigger.name}\`` : ""}** · \`${cron.value}\` in ${timezone}`;
  return { contents: { kind: "markdown", value: `${title}\n\n${nextTicksText(cron.value, timezone)}` }, range: toRange(cron.span) };
}

/** Hover on the cron string of an asset's `onCron(...)` (or `cronTickPassed`, `allDepsUpdatedSinceCron`): its next ticks. */
function automationCronHover(model: ProjectModel, file: string, position: Position): Hover | null {
  for (const asset of assetsInFile(model, file)) {
    for (const { factory, cron, timezone } of writtenCronsOf(asset)) {
      if (!spanContains(cron.span, position)) continue;
      const title = `**${factory}** of \`${asset.key}\` · \`${cron.value}\` in ${timezone}`;
      return { contents: { kind: "markdown", value: `${title}\n\n${nextTicksText(cron.value, timezone)}` }, range: toRange(cron.span) };
    }
  }
  return null;
}

/** The next ticks of a cron on `timezone`'s wall clock and in UTC (the schedule and automation hovers). */
function nextTicksText(cron: string, timezone: string): string {
  try {
    const ticks = nextFireTimes(parseCron(cron, timezone), Date.now(), TICKS_SHOWN);
    return ticks.length === 0 ? "It never fires." : `Next ticks:\n${ticks.map((tick) => `- ${formatWallTime(tick, timezone)} (${new Date(tick).toISOString()})`).join("\n")}`;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** CodeLens above each asset: Materialize, Materialize with upstream, Show lineage, daemon status (opens the run's console page). */
export function codeLenses(state: ServerState, model: ProjectModel, file: string): CodeLens[] {
  if (!state.settings().codeLens) return [];
  const lenses: CodeLens[] = [];
  const statuses = state.daemonStatuses();
  const uri = pathToUri(file);
  for (const asset of assetsInFile(model, file)) {
    if (model.assets.get(asset.key) !== asset) continue; // a duplicate key: materializing it would be ambiguous
    const line = asset.definition.api !== "multiAsset" ? asset.definition.nameSpan.start : asset.location.span.start;
    const range = toRange({ start: line, end: line });
    const label = asset.definition.api === "multiAsset" ? ` ${asset.key}` : "";
    const target = { key: asset.key, ...(asset.definition.partitions ? { partitioned: true } : {}) };
    lenses.push(
      { range, command: { title: `▶ Materialize${label}`, command: MaterializeCommand, arguments: [{ selection: quoteKey(asset.key), ...target }] } },
      { range, command: { title: "Materialize with upstream", command: MaterializeCommand, arguments: [{ selection: `+${quoteKey(asset.key)}`, ...target }] } },
      { range, command: { title: "Show lineage", command: ShowLineageCommand, arguments: [{ key: asset.key, uri }] } },
    );
    const status = statuses.get(asset.key);
    // The status opens the console: the run of the latest materialization, else the asset's page.
    const runId = status?.latestMaterialization?.runId;
    if (status) {
      lenses.push({
        range,
        command: runId
          ? { title: statusLine(status), command: OpenRunCommand, arguments: [{ runId, key: asset.key }] }
          : { title: statusLine(status), command: OpenAssetPageCommand, arguments: [{ key: asset.key }] },
      });
    }
  }
  return lenses;
}

/** A key as a selection term: plain when the selection grammar allows it, else `key:"..."`. */
export function quoteKey(key: string): string {
  return /^[A-Za-z0-9_/.-]+$/.test(key) ? key : `key:${JSON.stringify(key)}`;
}

/** Ancestors and descendants, for the lineage request. */
export function neighbourhood(model: ProjectModel, focus: string, depth?: number): Set<string> {
  return new Set([focus, ...ancestors(model, focus, depth), ...descendants(model, focus, depth)]);
}

/** The project's jobs with a literal name, for `tributary/jobs` (in source order). */
export function jobList(model: ProjectModel): JobInfo[] {
  return model.jobs.flatMap((job) => {
    const name = job.definition.name?.value;
    if (name === undefined) return [];
    const written = job.definition.selection;
    const selection = written?.kind === "string" ? written.text : job.selected ? job.selected.join(", ") : null;
    return [{ name, uri: pathToUri(job.file), range: toRange(job.definition.nameSpan), selection }];
  });
}
