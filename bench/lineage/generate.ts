/**
 * Synthetic asset graphs shaped like real warehouses, for the lineage bench and UI tests: domains
 * (orders, billing, ...) each flow raw -> staging -> intermediate -> marts -> reports, one group per
 * domain and stage; most deps come from the previous stage of the same domain, some from other
 * domains (fan-in), a few skip stages (long edges). Deterministic for a given size and seed.
 */
import type { LineageAsset } from "../../ui/src/protocol";
import { seededRandom } from "../../test/support/random";

const STAGES = ["raw", "staging", "intermediate", "marts", "reports"];
const STAGE_SHARE = [0.22, 0.26, 0.22, 0.2, 0.1];

/**
 * `count` assets in `/api/assets` shape (status varied, so the paint shows every colour).
 *
 * @example
 * const assets = syntheticWarehouse(2000); // ~2,000 assets, ~20 domains, ~100 groups
 */
export function syntheticWarehouse(count: number, seed = 42): LineageAsset[] {
  const random = seededRandom(seed + count);
  const domains = Math.max(1, Math.round(count / 100));
  const byStage: string[][][] = Array.from({ length: domains }, () => STAGES.map(() => []));
  const assets: LineageAsset[] = [];
  const statuses = ["FRESH", "FRESH", "FRESH", "STALE", "NEVER", "FAILED"] as const;
  const pick = <T,>(list: T[]): T => list[Math.floor(random() * list.length)]!;

  for (let i = 0; i < count; i++) {
    const domain = i % domains;
    // Walk the stages so every domain fills raw first, then staging, ...
    const progress = Math.floor(i / domains) / Math.ceil(count / domains);
    let stage = 0;
    for (let acc = STAGE_SHARE[0]!; stage < STAGES.length - 1 && progress >= acc; ) acc += STAGE_SHARE[++stage]!;
    const key = `${STAGES[stage]}/d${domain}/asset_${i}`;
    const deps = new Set<string>();
    if (stage > 0) {
      const fanIn = 1 + Math.floor(random() * random() * 4);
      for (let d = 0; d < fanIn; d++) {
        const crossDomain = random() < 0.12;
        const fromDomain = crossDomain ? Math.floor(random() * domains) : domain;
        // Mostly the previous stage; sometimes two back (a long edge), sometimes the same stage.
        const r = random();
        const fromStage = r < 0.72 ? stage - 1 : r < 0.86 ? Math.max(0, stage - 2) : stage;
        const candidates = byStage[fromDomain]![fromStage]!;
        if (candidates.length > 0) deps.add(pick(candidates));
      }
      if (deps.size === 0) {
        const fallback = byStage[domain]![stage - 1]!;
        if (fallback.length > 0) deps.add(pick(fallback));
      }
    }
    byStage[domain]![stage]!.push(key);
    const checks = random() < 0.3 ? [`${STAGES[stage]}_not_null`] : [];
    assets.push({
      key,
      group: `${STAGES[stage]}_d${domain}`,
      deps: [...deps],
      description: `Synthetic ${STAGES[stage]} asset ${i} of domain ${domain}`,
      kinds: [stage === 0 ? "csv" : "sql"],
      tags: stage === 3 ? { tier: "gold" } : {},
      owners: [`team:d${domain}`],
      checks,
      status: pick([...statuses]),
      latestMaterialization: null,
      latestChecks: checks.map((checkName) => ({
        checkName,
        passed: random() > 0.15,
        severity: "ERROR" as const,
        timestamp: "2025-01-01T00:00:00.000Z",
        runId: "bench",
      })),
    });
  }
  return assets;
}
