/**
 * The one temporary-project fixture of the tests: a folder in the OS's temp dir holding the files
 * given (paths relative to it, folders made as needed), removed by `cleanup()`.
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** A temporary project folder. */
export interface TempProject {
  /** The folder's real path (macOS' /tmp is a symlink, and stack traces and watchers show real paths). */
  readonly dir: string;
  /** Writes (or overwrites) files in the folder. */
  write(files: Record<string, string>): void;
  /** Removes the folder and everything in it. */
  cleanup(): void;
}

/**
 * Makes a temporary project folder with `files` in it.
 * @param prefix names the folder (`tributary-<prefix>-XXXXXX`), so a leftover says which test made it.
 */
export function tempProject(files: Record<string, string> = {}, prefix = "project"): TempProject {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), `tributary-${prefix}-`)));
  const write = (more: Record<string, string>) => {
    for (const [name, text] of Object.entries(more)) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
  };
  write(files);
  return { dir, write, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
