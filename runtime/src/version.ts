import { readFileSync } from "node:fs";
import { join } from "node:path";

/** The version of the running `tributary-ts` package (from dist/ or src/, the package root is one up). */
export function runtimeVersion(): string {
  try {
    const manifest = JSON.parse(readFileSync(join(__dirname, "..", "package.json"), "utf8")) as { version?: string };
    return manifest.version ?? "0.0.0";
  } catch {
    return "0.0.0";
  }
}
