/**
 * docs/cli.md documents every command `tributary --help` lists, and every flag of each one's --help
 * in that command's own section.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { runMain } from "../cli/helpers";

const root = path.join(__dirname, "..", "..");

describe("docs/cli.md", () => {
  it("has a section for every command and names every flag of its --help", async () => {
    const docs = readFileSync(path.join(root, "docs", "cli.md"), "utf8");
    const help = await runMain(["--help"], root);
    const commands = [...help.stdout.slice(help.stdout.indexOf("Commands:"), help.stdout.indexOf("Global options:")).matchAll(/^ {2}([a-z]+) /gm)].map((match) => match[1]!);
    assert.ok(commands.length >= 11, `expected the CLI's commands, found ${commands.join(", ")}`);
    // The sections, each from its "## " heading to the next.
    const sections = docs.split(/^(?=## )/m).filter((section) => section.startsWith("## "));
    const missing: string[] = [];
    for (const command of commands) {
      const own = sections.filter((section) => section.slice(0, section.indexOf("\n")).includes(`tributary ${command}`)).join("\n");
      if (own === "") missing.push(`section for ${command}`);
      const commandHelp = await runMain([command, "--help"], root);
      for (const [flag] of commandHelp.stdout.matchAll(/--[a-z][a-z-]*/g)) {
        if (flag !== "--help" && !own.includes(flag)) missing.push(`${command} ${flag}`);
      }
    }
    assert.deepEqual([...new Set(missing)], []);
  });
});
