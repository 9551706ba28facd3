/**
 * The one way tests wait: poll a condition until it holds, never a fixed sleep (CONVENTIONS.md).
 * Used by every test, the VS Code suite inside the extension host included.
 */

/**
 * Polls `check` every `everyMs` until it returns a truthy value, and resolves to that value. A check
 * that throws is polled again (a page or a server may not answer yet); at `timeoutMs` the wait
 * fails naming `what` and the last error.
 *
 * @example
 * ```ts
 * const run = await waitFor("the run to end", async () => (await storage.getRun(id))?.endedAt && run);
 * ```
 */
export async function waitFor<T>(
  what: string,
  check: () => T | Promise<T>,
  timeoutMs = 15_000,
  everyMs = 10,
): Promise<Exclude<T, false | null | undefined | "" | 0>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as Exclude<T, false | null | undefined | "" | 0>;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const reason = lastError === undefined ? "" : `; the last check threw: ${lastError instanceof Error ? lastError.message : String(lastError)}`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${reason}`);
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
