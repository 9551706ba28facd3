import * as fs from "node:fs";
import * as path from "node:path";

/** Shape of the generated workspace. */
export interface GeneratedWorkspace {
  root: string;
  files: number;
  assets: number;
  /** A file in the middle of the graph, used for the edit benchmark. */
  editFile: string;
}

/**
 * Writes a workspace of `files` modules with `assetsPerFile` assets each (10,000 assets by default):
 * every asset depends on an asset of the previous module by identifier (a cross-file import) and on
 * one of its own module by key string; groups cycle through 20 names; one definitions.ts registers
 * everything through namespace imports; a job, a schedule and a check per 10 modules.
 */
export function generateWorkspace(root: string, files = 1000, assetsPerFile = 10): GeneratedWorkspace {
  fs.rmSync(root, { recursive: true, force: true });
  fs.mkdirSync(path.join(root, "src/assets"), { recursive: true });
  fs.mkdirSync(path.join(root, "node_modules"), { recursive: true });
  // The workspace imports the real runtime, so tsc type-checks against the real API.
  fs.symlinkSync(path.resolve(__dirname, "../../runtime"), path.join(root, "node_modules/tributary-ts"), "dir");
  fs.writeFileSync(path.join(root, "tsconfig.json"), JSON.stringify({
    compilerOptions: { target: "ES2022", module: "Node16", moduleResolution: "Node16", strict: true, noEmit: true, skipLibCheck: true, types: [] },
    include: ["src"],
  }, null, 2));
  const name = (file: number, asset: number): string => `m${file}_a${asset}`;
  for (let f = 0; f < files; f++) {
    const lines = [`import { asset, assetCheck, defineAssetJob, schedule } from "tributary-ts";`];
    if (f > 0) lines.push(`import { ${name(f - 1, 0)} } from "./m${f - 1}";`);
    for (let a = 0; a < assetsPerFile; a++) {
      const deps = [f > 0 ? name(f - 1, 0) : undefined, a > 0 ? `"${name(f, a - 1)}"` : undefined].filter(Boolean).join(", ");
      lines.push(
        "",
        `/** Asset ${a} of module ${f}. */`,
        `export const ${name(f, a)} = asset(`,
        `  { key: "${name(f, a)}", group: "group_${f % 20}", description: "Generated asset ${f}/${a}", deps: [${deps}] },`,
        `  async () => [{ id: ${a} }],`,
        `);`,
      );
    }
    if (f % 10 === 0) {
      lines.push(
        "",
        `export const check${f} = assetCheck({ name: "check_${f}", asset: ${name(f, 0)} }, async () => ({ passed: true }));`,
        `export const job${f} = defineAssetJob({ name: "job_${f}", selection: "group:group_${f % 20}+" });`,
        `export const schedule${f} = schedule({ name: "schedule_${f}", cron: "0 ${f % 24} * * *", job: job${f} });`,
      );
    }
    fs.writeFileSync(path.join(root, `src/assets/m${f}.ts`), lines.join("\n") + "\n");
  }
  const definitions = [`import { definitions } from "tributary-ts";`];
  for (let f = 0; f < files; f++) definitions.push(`import * as m${f} from "./assets/m${f}";`);
  const assets: string[] = [];
  for (let f = 0; f < files; f++) for (let a = 0; a < assetsPerFile; a++) assets.push(`m${f}.${name(f, a)}`);
  definitions.push("", `export default definitions({`, `  assets: [${assets.join(", ")}],`, `});`);
  fs.writeFileSync(path.join(root, "src/definitions.ts"), definitions.join("\n") + "\n");
  return { root, files: files + 1, assets: files * assetsPerFile, editFile: path.join(root, `src/assets/m${Math.floor(files / 2)}.ts`) };
}
