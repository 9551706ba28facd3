import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

const file = path.join(__dirname, "..", "docs", "performance.md");

/**
 * Replaces (or appends) one `## heading` section of docs/performance.md, leaving the others alone:
 * each bench owns its section.
 */
export function writePerformanceSection(heading: string, body: string): void {
  const text = existsSync(file)
    ? readFileSync(file, "utf8")
    : "# Performance\n\nMeasured on this project's CI machine kind (2 cores, 24 GiB). Each section is written by its bench.\n";
  const section = `## ${heading}\n\n${body.trim()}\n`;
  const start = text.indexOf(`## ${heading}\n`);
  let next: string;
  if (start === -1) next = `${text.trimEnd()}\n\n${section}`;
  else {
    const end = text.indexOf("\n## ", start + 1);
    next = text.slice(0, start) + section + (end === -1 ? "" : `\n${text.slice(end + 1)}`);
  }
  writeFileSync(file, next.endsWith("\n") ? next : `${next}\n`);
}
