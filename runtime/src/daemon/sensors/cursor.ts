/**
 * The cursor the built-in sensors keep: a JSON object of what they have seen (a file's version, an
 * asset's last event id). A missing or unreadable cursor (written by hand, or by an older version)
 * reads as "nothing seen yet".
 */
export function seenFromCursor<T>(cursor: string | null): Record<string, T> {
  try {
    const value = JSON.parse(cursor ?? "{}") as unknown;
    return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, T>) : {};
  } catch {
    return {};
  }
}
