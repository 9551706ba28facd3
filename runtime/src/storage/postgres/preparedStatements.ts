/**
 * Named (prepared) statements. PostgreSQL parses and plans an unnamed statement on every call; for
 * the run queue's short statements that planning was most of the server's work (measured: the end
 * of a run went from about 0.2 ms to well under 0.1 ms of server time once prepared). `pg` prepares
 * a named statement on a connection the first time it runs there and reuses it afterwards.
 */

/**
 * Statement texts are a bounded set (fixed SQL plus a few shapes built from filters), but a bug or
 * an unusual caller must not grow every connection's prepared statements without end: past this
 * many distinct texts, new ones run unnamed.
 */
const MAX_PREPARED_STATEMENTS = 500;

/** Gives each distinct SQL text a statement name, the same for every connection of one pool. */
export class PreparedStatementNames {
  private readonly names = new Map<string, string>();
  private counter = 0;

  constructor(private readonly enabled: boolean) {}

  /** The name to run `sql` under, or undefined to run it unnamed. */
  nameOf(sql: string): string | undefined {
    if (!this.enabled) return undefined;
    let name = this.names.get(sql);
    if (name === undefined && this.names.size < MAX_PREPARED_STATEMENTS) {
      name = `tributary_s${++this.counter}`;
      this.names.set(sql, name);
    }
    return name;
  }

  /**
   * Stops using the name `sql` had; the text gets a new name (prepared afresh on each connection)
   * at its next use. Connections keep the stale one, unused, until they close.
   */
  forget(sql: string): void {
    this.names.delete(sql);
  }
}

/**
 * PostgreSQL refuses a prepared statement whose result columns changed since it was prepared (a
 * migration by another process added a column to a table it selects `*` from).
 */
export function isStalePreparedStatement(error: unknown): boolean {
  return error instanceof Error && /cached plan must not change result type/.test(error.message);
}
