import { strict as assert } from "node:assert";
import * as path from "node:path";
import { ProjectIndex, type ProjectModel } from "../../server/src/analysis";
import { seededRandom } from "../support/random";

/**
 * Incremental linking must give exactly what a link from scratch gives. A small project is
 * described as data (assets with keys, groups and deps, jobs, schedules, sensors, checks, a barrel
 * and a definitions() call), mutated at random, rendered to files, and fed to one long-lived index as
 * edits; after every edit its model is compared with a fresh index of the same texts.
 */

const root = path.join(path.sep, "tmp", "tributary-incremental-fixture");
const ASSET_FILES = 4;

interface AssetSpec {
  id: number;
  file: number;
  key: string;
  group: string;
  variable: string;
  deps: ({ kind: "key"; key: string } | { kind: "ref"; variable: string; viaBarrel: boolean })[];
  resources: string[];
  partitions?: PartitionsChoice;
  mapping?: { key: string; kind: MappingChoice };
  automation?: AutomationChoice;
}

type AutomationChoice = "eager" | "cron" | "badCron" | "shared";
const AUTOMATION_TEXT: Record<Exclude<AutomationChoice, "shared">, string> = {
  eager: "AutomationCondition.eager()",
  cron: `AutomationCondition.onCron("0 6 * * *", { timezone: "Europe/Paris" })`,
  badCron: `AutomationCondition.missing().and(AutomationCondition.cronTickPassed("0 6 * *", { timezone: "Mars/Base" }))`,
};

type PartitionsChoice = "daily" | "monthly" | "static" | "shared" | "bad";
type MappingChoice = "identity" | "timeWindow" | "all" | "static";

const PARTITIONS_TEXT: Record<Exclude<PartitionsChoice, "shared">, string> = {
  daily: `dailyPartitions({ start: "2024-01-01" })`,
  monthly: `monthlyPartitions({ start: "2024-01-01", timezone: "Europe/Paris" })`,
  static: `staticPartitions(["eu", "us"])`,
  bad: `dailyPartitions({ start: "2024-02-30", timezone: "Mars/Base" })`,
};
const MAPPING_TEXT: Record<MappingChoice, string> = {
  identity: "identityMapping()",
  timeWindow: "timeWindowMapping({ startOffset: -1 })",
  all: "allPartitionsMapping()",
  static: `staticMapping({ eu: ["eu", "fr"] })`,
};
const PARTITION_IMPORTS = "dailyPartitions, monthlyPartitions, staticPartitions, identityMapping, timeWindowMapping, allPartitionsMapping, staticMapping";

interface ProjectSpec {
  assets: AssetSpec[];
  jobs: { name: string; selection: string }[];
  schedules: { name: string; cron: string; job: { kind: "name" | "ref"; name: string } }[];
  /** Sensors live in the asset files, so their names can collide with schedules across files. */
  sensors: { name: string; file: number }[];
  checks: { name: string; target: string }[];
  unregistered: Set<string>;
  resources: string[];
  padding: number[];
  deleted: Set<number>;
  broken: Map<number, number>;
  nextId: number;
  /** The partitions constant `shared` of src/parts.ts, imported by assets with partitions "shared". */
  shared: Exclude<PartitionsChoice, "shared">;
  /** The condition constant `sharedCondition` of src/parts.ts, imported by assets with automation "shared". */
  sharedCondition: Exclude<AutomationChoice, "shared">;
  /** Whether sensors select explicit keys (else "*"): with jobs selecting keys, deps' updates become statically known. */
  sensorKeys: boolean;
}

function initialSpec(): ProjectSpec {
  const assets: AssetSpec[] = [];
  for (let i = 0; i < 10; i++) {
    assets.push({
      id: i, file: i % ASSET_FILES, key: `asset_${i}`, group: `g${i % 3}`, variable: `v${i}`,
      deps: i > 0 ? [i % 2 ? { kind: "key", key: `asset_${i - 1}` } : { kind: "ref", variable: `v${i - 1}`, viaBarrel: i % 4 === 0 }] : [],
      resources: i === 3 ? ["warehouse"] : [],
    });
  }
  return {
    assets,
    jobs: [{ name: "daily", selection: "group:g1+" }, { name: "one", selection: "asset_2" }],
    schedules: [{ name: "nightly", cron: "0 2 * * *", job: { kind: "name", name: "daily" } }, { name: "hourly", cron: "0 * * * *", job: { kind: "ref", name: "one" } }],
    sensors: [{ name: "watch", file: 1 }, { name: "poll", file: 2 }],
    checks: [{ name: "positive", target: "asset_4" }],
    unregistered: new Set(),
    resources: ["warehouse"],
    padding: [0, 0, 0, 0, 0, 0, 0],
    deleted: new Set(),
    broken: new Map(),
    nextId: 10,
    shared: "daily",
    sharedCondition: "eager",
    sensorKeys: false,
  };
}

/** The project's files as texts (file index: 0..3 assets, 4 jobs, 5 barrel, 6 definitions). */
function render(spec: ProjectSpec): Map<string, string> {
  const texts = new Map<string, string>();
  const name = (file: number): string => (file < ASSET_FILES ? `a${file}` : ["jobs", "index", "definitions"][file - ASSET_FILES] as string);
  const fileOf = (variable: string): number => spec.assets.find((a) => a.variable === variable)?.file ?? 0;
  const pad = (file: number): string => "// padding\n".repeat(spec.padding[file] ?? 0);
  for (let file = 0; file < ASSET_FILES; file++) {
    const own = spec.assets.filter((a) => a.file === file);
    const imports = new Map<string, Set<string>>();
    for (const asset of own) {
      for (const dep of asset.deps) {
        if (dep.kind !== "ref" || own.some((a) => a.variable === dep.variable)) continue;
        const module = dep.viaBarrel ? "./index" : `./${name(fileOf(dep.variable))}`;
        if (!imports.has(module)) imports.set(module, new Set());
        imports.get(module)?.add(dep.variable);
      }
    }
    if (own.some((a) => a.partitions === "shared")) imports.set("./parts", new Set(["shared"]));
    if (own.some((a) => a.automation === "shared")) imports.set("./parts", new Set([...imports.get("./parts") ?? [], "sharedCondition"]));
    const lines = [pad(file) + `import { asset, sensor, AssetSelection, AutomationCondition, ${PARTITION_IMPORTS} } from "tributary-ts";`];
    for (const [module, names] of imports) lines.push(`import { ${[...names].join(", ")} } from "${module}";`);
    for (const asset of own) {
      const deps = asset.deps.map((d) => (d.kind === "key" ? `"${d.key}"` : d.variable)).join(", ");
      const resources = asset.resources.length ? `, resources: [${asset.resources.map((r) => `"${r}"`).join(", ")}]` : "";
      const partitions = asset.partitions === undefined ? "" : `, partitions: ${asset.partitions === "shared" ? "shared" : PARTITIONS_TEXT[asset.partitions]}`;
      const mapping = asset.mapping ? `, partitionMappings: { "${asset.mapping.key}": ${MAPPING_TEXT[asset.mapping.kind]} }` : "";
      const automation = asset.automation === undefined ? "" : `, automation: ${asset.automation === "shared" ? "sharedCondition" : AUTOMATION_TEXT[asset.automation]}`;
      lines.push(`export const ${asset.variable} = asset({ key: "${asset.key}", group: "${asset.group}", deps: [${deps}]${resources}${partitions}${mapping}${automation} }, async () => 1);`);
    }
    spec.sensors.forEach((s, i) => {
      const selection = spec.sensorKeys ? `AssetSelection.keys("asset_1")` : `"*"`;
      if (s.file === file) lines.push(`export const sensor${i} = sensor({ name: "${s.name}", selection: ${selection} }, () => undefined);`);
    });
    texts.set(`src/${name(file)}.ts`, lines.join("\n") + "\n");
  }
  const jobs = [pad(ASSET_FILES) + `import { AssetSelection, defineAssetJob, schedule, assetCheck } from "tributary-ts";`];
  const checkTargets = new Set(spec.checks.map((c) => c.target));
  const imported = spec.assets.filter((a) => checkTargets.has(a.variable));
  if (imported.length) jobs.push(`import { ${imported.map((a) => a.variable).join(", ")} } from "./index";`);
  spec.jobs.forEach((job, i) => {
    const selection = job.selection.startsWith("@") ? `AssetSelection.keys("${job.selection.slice(1)}")` : `"${job.selection}"`;
    jobs.push(`export const job${i} = defineAssetJob({ name: "${job.name}", selection: ${selection} });`);
  });
  spec.schedules.forEach((s, i) => {
    const jobIndex = spec.jobs.findIndex((j) => j.name === s.job.name);
    const job = s.job.kind === "ref" && jobIndex >= 0 ? `job${jobIndex}` : `"${s.job.name}"`;
    jobs.push(`export const schedule${i} = schedule({ name: "${s.name}", cron: "${s.cron}", job: ${job} });`);
  });
  spec.checks.forEach((c, i) => {
    const target = spec.assets.some((a) => a.variable === c.target) ? c.target : `"${c.target}"`;
    jobs.push(`export const check${i} = assetCheck({ name: "${c.name}", asset: ${target} }, async () => ({ passed: true }));`);
  });
  texts.set("src/jobs.ts", jobs.join("\n") + "\n");
  texts.set("src/index.ts", pad(ASSET_FILES + 1) + Array.from({ length: ASSET_FILES }, (_, f) => `export * from "./${name(f)}";`).join("\n") + "\n");
  const registered = spec.assets.filter((a) => !spec.unregistered.has(a.variable));
  const definitions = [pad(ASSET_FILES + 2) + `import { definitions } from "tributary-ts";`];
  for (let f = 0; f < ASSET_FILES; f++) definitions.push(`import * as ${name(f)} from "./${name(f)}";`);
  const resources = spec.resources.map((r) => `${r}: {}`).join(", ");
  definitions.push(`export default definitions({ assets: [${registered.map((a) => `${name(a.file)}.${a.variable}`).join(", ")}], resources: { ${resources} } });`);
  texts.set("src/definitions.ts", definitions.join("\n") + "\n");
  texts.set("src/parts.ts", `import { AutomationCondition, ${PARTITION_IMPORTS} } from "tributary-ts";\nexport const shared = ${PARTITIONS_TEXT[spec.shared]};\n`
    + `export const sharedCondition = ${AUTOMATION_TEXT[spec.sharedCondition]};\n`);
  // Deleted and half-typed files.
  const files = [...texts.keys()];
  for (const index of spec.deleted) texts.delete(files[index] as string);
  for (const [index, at] of spec.broken) {
    const file = files[index] as string;
    const text = texts.get(file);
    if (text !== undefined) texts.set(file, text.slice(0, Math.floor(text.length * at)));
  }
  return texts;
}

/** One random change to the project: each kind of change the incremental linker must follow. */
function mutate(spec: ProjectSpec, next: () => number): string {
  const pick = <T>(items: readonly T[]): T | undefined => items[Math.floor(next() * items.length)];
  const asset = pick(spec.assets);
  const otherKey = (): string => pick(spec.assets)?.key ?? "asset_0";
  const choice = Math.floor(next() * 24);
  switch (choice) {
    case 0: if (asset) asset.key = next() < 0.3 ? otherKey() : next() < 0.5 ? `asset_${Math.floor(next() * 14)}` : `${asset.key}x`; return "rename a key";
    case 1: asset?.deps.push({ kind: "key", key: next() < 0.8 ? otherKey() : "asset_nope" }); return "add a key dep (maybe a cycle, a self-dep or unknown)";
    case 2: { const target = pick(spec.assets); if (asset && target) asset.deps.push({ kind: "ref", variable: target.variable, viaBarrel: next() < 0.5 }); return "add an identifier dep"; }
    case 3: asset?.deps.splice(Math.floor(next() * asset.deps.length), 1); return "remove a dep";
    case 4: if (asset) asset.file = Math.floor(next() * ASSET_FILES); return "move an asset to another file";
    case 5: { const id = spec.nextId++; spec.assets.push({ id, file: Math.floor(next() * ASSET_FILES), key: `asset_${id}`, group: `g${id % 4}`, variable: `v${id}`, deps: [{ kind: "key", key: otherKey() }], resources: [] }); return "add an asset"; }
    case 6: if (asset && spec.assets.length > 3) spec.assets.splice(spec.assets.indexOf(asset), 1); return "delete an asset";
    case 7: if (asset) asset.group = `g${Math.floor(next() * 5)}`; return "change a group";
    case 8: { const job = pick(spec.jobs); if (job) job.selection = pick(["group:g1+", "group:g4", `${otherKey()}+`, "asset_nope", "(group:g0", "*", `key:asset_*`, `@${otherKey()}`, `@${otherKey()}`])!; return "change a selection"; }
    case 9: { const s = pick(spec.schedules); if (s) s.job = { kind: next() < 0.5 ? "name" : "ref", name: pick(["daily", "one", "dayly", "weekly"])! }; if (s && next() < 0.3) s.cron = pick(["0 2 * * *", "61 * * * *", "* * *"])!; return "retarget a schedule"; }
    case 10: { const job = pick(spec.jobs); if (job) job.name = pick(["daily", "one", "weekly", "dayly"])!; return "rename a job"; }
    case 11: if (asset) { if (spec.unregistered.has(asset.variable)) spec.unregistered.delete(asset.variable); else spec.unregistered.add(asset.variable); } return "toggle registration";
    case 12: { const file = Math.floor(next() * spec.padding.length); spec.padding[file] = Math.floor(next() * 3); return "shift a file's lines"; }
    case 13: { const file = Math.floor(next() * spec.padding.length); if (spec.deleted.has(file)) spec.deleted.delete(file); else spec.deleted.add(file); return "delete or restore a file"; }
    case 14: { const file = Math.floor(next() * spec.padding.length); if (spec.broken.has(file)) spec.broken.delete(file); else spec.broken.set(file, next()); return "half-type a file, or finish it"; }
    case 17: if (asset) asset.partitions = pick([undefined, "daily", "monthly", "static", "shared", "shared", "bad"] as const); return "change an asset's partitions";
    case 18: if (asset) asset.mapping = next() < 0.2 ? undefined : { key: next() < 0.7 ? pick(asset.deps.map((d) => d.kind === "key" ? d.key : spec.assets.find((a) => a.variable === d.variable)?.key ?? "asset_0")) ?? otherKey() : otherKey(), kind: pick(["identity", "timeWindow", "all", "static"] as const)! }; return "change a partition mapping";
    case 19: spec.shared = pick(["daily", "monthly", "static", "bad"] as const)!; return "change the shared partitions constant";
    case 20: {
      const sensor = pick(spec.sensors);
      if (sensor && next() < 0.3) sensor.file = Math.floor(next() * ASSET_FILES);
      else (pick([...spec.sensors, ...spec.schedules]) ?? { name: "" }).name = pick(["nightly", "hourly", "watch", "poll", "fresh"])!;
      return "rename a schedule or sensor (maybe onto another's name), or move a sensor";
    }
    case 21: {
      // Half the time a partitioned asset, so that eager() meets partitions often enough.
      const target = next() < 0.5 ? pick(spec.assets.filter((a) => a.partitions !== undefined)) ?? asset : asset;
      if (target) target.automation = pick([undefined, "eager", "eager", "cron", "badCron", "shared", "shared"] as const);
      return "change an asset's automation condition";
    }
    case 22: spec.sharedCondition = pick(["eager", "cron", "badCron"] as const)!; return "change the shared condition constant";
    case 23: spec.sensorKeys = !spec.sensorKeys; return "toggle sensors between a selection string and explicit keys";
    case 15: if (asset) asset.resources = next() < 0.5 ? [] : [pick(["warehouse", "warehous", "lake"])!]; return "change a required resource";
    default: { const c = pick(spec.checks); if (c) c.target = next() < 0.5 ? pick(spec.assets)?.variable ?? "v0" : otherKey(); return "retarget a check"; }
  }
}

/** Everything a model exposes, in a comparable form. */
function snapshot(model: ProjectModel): unknown {
  const byFile = <T>(map: ReadonlyMap<string, T>): [string, T][] => [...map].sort((a, b) => (a[0] < b[0] ? -1 : 1));
  return {
    diagnostics: byFile(model.diagnostics),
    references: byFile(model.references),
    assets: [...model.assets.values()].map((a) => [a.key, a.location, [...a.deps], a.partitions, a.automation]).sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1)),
    allAssets: model.allAssets.map((a) => [a.key, a.location]),
    downstream: byFile(model.downstream).map(([k, v]) => [k, [...v].sort()]),
    edges: model.edges.map((e) => [e.from, e.to, e.file, e.span]),
    groups: [...model.groups].sort(),
    checks: model.checks.map((c) => [c.name, c.targets]),
    jobs: model.jobs.map((j) => [j.name, j.selected]),
    triggers: model.triggers.map((t) => [t.name, t.job]),
  };
}

function applyTexts(index: ProjectIndex, previous: Map<string, string>, texts: Map<string, string>): string[] {
  const changed: string[] = [];
  for (const [file, text] of texts) {
    if (previous.get(file) === text) continue;
    index.update(path.join(root, file), text);
    changed.push(file);
  }
  for (const file of previous.keys()) {
    if (texts.has(file)) continue;
    index.remove(path.join(root, file));
    changed.push(file);
  }
  return changed;
}

function fromScratch(incremental: ProjectIndex, texts: Map<string, string>): ProjectIndex {
  const fresh = new ProjectIndex(root);
  // Same files in the same order: "the first definition of a key" follows the indexing order.
  for (const file of incremental.fileNames()) fresh.update(file, texts.get(path.relative(root, file)) as string);
  return fresh;
}

describe("incremental linking", function () {
  this.timeout(60_000);
  const codesSeen = new Set<string>();

  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it(`gives the same model as a link from scratch after each of 150 random edits (seed ${seed})`, () => {
      const next = seededRandom(seed);
      const spec = initialSpec();
      let texts = render(spec);
      const incremental = new ProjectIndex(root);
      applyTexts(incremental, new Map(), texts);
      incremental.model();
      const history: string[] = [];
      for (let step = 0; step < 150; step++) {
        history.push(mutate(spec, next));
        const rendered = render(spec);
        applyTexts(incremental, texts, rendered);
        texts = rendered;
        const expected = snapshot(fromScratch(incremental, texts).model());
        const actual = snapshot(incremental.model());
        assert.deepEqual(actual, expected, `seed ${seed}, step ${step}, after: ${history.slice(-5).join(" / ")}`);
        for (const diagnostics of incremental.model().diagnostics.values()) for (const d of diagnostics) codesSeen.add(d.code);
      }
    });
  }

  it("exercised the partition, instigator name and automation rules across those edits (the generator reaches them)", () => {
    for (const code of ["incompatible-partition-mapping", "partition-mapping-unknown-dep", "invalid-partition-start", "unknown-timezone", "duplicate-instigator-name",
      "automation-invalid-cron", "automation-invalid-timezone", "automation-deps-never-updated", "automation-partitioned-eager-unpartitioned-deps"]) {
      assert.ok(codesSeen.has(code), `no edit produced ${code}; seen: ${[...codesSeen].sort().join(", ")}`);
    }
  });

  it("reports as changed exactly the files whose diagnostics changed, and none after an edit that changes nothing visible", () => {
    const spec = initialSpec();
    let texts = render(spec);
    const index = new ProjectIndex(root);
    applyTexts(index, new Map(), texts);
    index.takeChangedFiles();
    const file = (name: string): string => path.join(root, "src", name);

    // Renaming asset_2's key breaks the string dep of asset_3 (another file) and the job selecting it.
    (spec.assets[2] as AssetSpec).key = "asset_two";
    let rendered = render(spec);
    applyTexts(index, texts, rendered);
    texts = rendered;
    const changed = index.takeChangedFiles();
    assert.deepEqual([...changed].sort(), [file("a3.ts"), file("jobs.ts")].sort());
    const model = index.model();
    assert.deepEqual(model.diagnostics.get(file("a3.ts"))?.map((d) => d.code), ["unknown-dep"]);
    assert.match(model.diagnostics.get(file("a3.ts"))?.[0]?.message ?? "", /Unknown asset "asset_2"/);

    // Only whitespace and a comment inside a function body: nothing visible changes.
    const a1 = texts.get("src/a1.ts") as string;
    index.update(file("a1.ts"), a1.replace("async () => 1", "async () => /* soon */ 1"));
    assert.deepEqual([...index.takeChangedFiles()], []);

    // Renaming it back repairs both files.
    (spec.assets[2] as AssetSpec).key = "asset_2";
    rendered = render(spec);
    applyTexts(index, texts, rendered);
    assert.deepEqual([...index.takeChangedFiles()].sort(), [file("a3.ts"), file("jobs.ts")].sort());
    assert.equal(index.model().diagnostics.get(file("a3.ts")), undefined);
  });
});
