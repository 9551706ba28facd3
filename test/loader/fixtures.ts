import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** A project folder in the temp dir with the given files; `cleanup()` removes it. */
export function tempProject(files: Record<string, string>): { dir: string; cleanup: () => void } {
  // realpath: macOS' /tmp is a symlink, and stack traces show real paths.
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "tributary-loader-")));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A valid two-asset entry file. */
export const TWO_ASSETS = `import { asset, definitions } from "tributary-ts";

export const first = asset({ key: "first", group: "raw" }, async () => [{ id: 1 }]);

export const second = asset({ key: "second", deps: [first] }, async ({ inputs }) => inputs.first.length);

export default definitions({ assets: [first, second] });
`;
