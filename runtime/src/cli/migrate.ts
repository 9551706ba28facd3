/** `tributary migrate`: applies pending storage migrations and prints the schema version. */
import { describeStorage, findProjectConfig } from "../loader/config";
import { openStorage } from "../storage";
import { parseCommandArgs } from "./args";
import { EXIT_OK, stylesFor, type CliContext } from "./context";

export const MIGRATE_HELP = `Usage: tributary migrate [--json]

Applies pending migrations to the project's storage (SQLite under .tributary/, or the PostgreSQL
of tributary.yaml / TRIBUTARY_DATABASE_URL) and prints the schema version. Other commands migrate
on their own; run this to upgrade a shared PostgreSQL database on purpose, before deploying.
Refuses a database migrated by a newer tributary.

Options:
  --json   Print {"storage","schemaVersionBefore","schemaVersion"}`;

/** Runs `migrate`. */
export async function migrateCommand(args: string[], context: CliContext): Promise<number> {
  const { values } = parseCommandArgs("migrate", args, { json: { type: "boolean" } }, 0);
  const config = findProjectConfig(context.cwd, context.env);
  const storage = await openStorage(config.storage, { migrate: false });
  try {
    const before = await storage.schemaVersion();
    await storage.migrate();
    const after = await storage.schemaVersion();
    const where = describeStorage(config);
    if (values["json"] === true) {
      context.stdout.write(`${JSON.stringify({ storage: where, schemaVersionBefore: before, schemaVersion: after })}\n`);
    } else {
      const s = stylesFor(context.stdout, context.env);
      const applied = after - before;
      context.stdout.write(`${where}: schema version ${s.bold(String(after))}${applied > 0 ? ` (applied ${applied} migration${applied === 1 ? "" : "s"})` : " (up to date)"}\n`);
    }
    return EXIT_OK;
  } finally {
    await storage.close();
  }
}
