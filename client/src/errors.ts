/**
 * Errors a command reports to the user: a message that says why it cannot run, and buttons for
 * what to do about it. Commands throw; the command table shows them (nothing fails silently).
 */
import * as vscode from "vscode";

/** A button under an error message that runs a command. */
export interface ErrorAction {
  title: string;
  command: string;
  args?: unknown[];
}

/**
 * An error whose message is for the user, with the actions that fix it.
 *
 * @example
 * ```ts
 * throw new CommandError("The language server is not running.", [{ title: "Restart Server", command: "tributary.restartServer" }]);
 * ```
 */
export class CommandError extends Error {
  constructor(message: string, readonly actions: ErrorAction[] = []) {
    super(message);
    this.name = "CommandError";
  }
}

/** Shows an error message with its actions, and runs the one the user picks. */
export async function showError(error: unknown, prefix = ""): Promise<void> {
  const actions = error instanceof CommandError ? error.actions : [];
  const hint = (error as { hint?: string })?.hint;
  const message = `${prefix}${error instanceof Error ? error.message : String(error)}${hint ? ` — ${hint}` : ""}`;
  const choice = await vscode.window.showErrorMessage(message, ...actions.map((a) => a.title));
  const action = actions.find((a) => a.title === choice);
  if (action) await vscode.commands.executeCommand(action.command, ...(action.args ?? []));
}
