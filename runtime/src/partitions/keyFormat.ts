import type { WallTime } from "./timezone";

/**
 * Key formats: `YYYY`, `MM`, `DD`, `HH` and `mm` are fields, anything else from a small set of
 * separators is literal (`"YYYY-MM-DD-HH:mm"`, `"YYYYMMDD"`, `"YYYY/MM"` is refused: `/` would
 * split a partition into folders). Fields are fixed width, so parsing is unambiguous.
 */
export type KeyField = "YYYY" | "MM" | "DD" | "HH" | "mm";

type FormatPart = { field: KeyField } | { literal: string };

/** A parsed key format, ready to format and parse keys. */
export interface KeyFormat {
  readonly pattern: string;
  readonly fields: ReadonlySet<KeyField>;
  format(wall: WallTime): string;
  /** Reads the fields of a key; undefined when the key does not have the format's shape. */
  parse(key: string): { wall: WallTime; rest: string } | undefined;
}

const FIELDS: readonly KeyField[] = ["YYYY", "MM", "DD", "HH", "mm"];
const LITERALS = /^[-_:. T]$/;

/**
 * Parses a format pattern. Returns an error message (for a DefinitionError) when a character is
 * neither a field nor an allowed separator.
 */
export function parseKeyFormat(pattern: string): KeyFormat | string {
  const parts: FormatPart[] = [];
  const fields = new Set<KeyField>();
  let index = 0;
  while (index < pattern.length) {
    const field = FIELDS.find((candidate) => pattern.startsWith(candidate, index));
    if (field) {
      if (fields.has(field)) return `fmt ${JSON.stringify(pattern)} uses ${field} twice`;
      fields.add(field);
      parts.push({ field });
      index += field.length;
      continue;
    }
    const char = pattern[index]!;
    if (!LITERALS.test(char)) {
      return `fmt ${JSON.stringify(pattern)} has ${JSON.stringify(char)} at position ${index + 1}; a format is made of YYYY, MM, DD, HH, mm and the separators - _ : . T or a space`;
    }
    parts.push({ literal: char });
    index += 1;
  }
  const regex = new RegExp(
    "^" +
      parts
        .map((part) =>
          "field" in part ? `(${part.field === "YYYY" ? "\\d{4}" : "\\d{2}"})` : part.literal.replace(/[.]/g, "\\."),
        )
        .join("") +
      "(.*)$",
  );
  const order = parts.flatMap((part) => ("field" in part ? [part.field] : []));
  return {
    pattern,
    fields,
    format(wall) {
      return parts
        .map((part) => ("field" in part ? formatField(part.field, wall) : part.literal))
        .join("");
    },
    parse(key) {
      const match = regex.exec(key);
      if (!match) return undefined;
      const wall: WallTime = { year: 1970, month: 1, day: 1, hour: 0, minute: 0, second: 0 };
      order.forEach((field, position) => {
        const value = Number(match[position + 1]);
        if (field === "YYYY") wall.year = value;
        else if (field === "MM") wall.month = value;
        else if (field === "DD") wall.day = value;
        else if (field === "HH") wall.hour = value;
        else wall.minute = value;
      });
      return { wall, rest: match[order.length + 1] ?? "" };
    },
  };
}

function formatField(field: KeyField, wall: WallTime): string {
  switch (field) {
    case "YYYY":
      return String(wall.year).padStart(4, "0");
    case "MM":
      return pad2(wall.month);
    case "DD":
      return pad2(wall.day);
    case "HH":
      return pad2(wall.hour);
    case "mm":
      return pad2(wall.minute);
  }
}

function pad2(value: number): string {
  return String(value).padStart(2, "0");
}

/** `YYYY-MM-DD` of a wall time, for messages. */
export function isoDate(wall: WallTime): string {
  return `${String(wall.year).padStart(4, "0")}-${pad2(wall.month)}-${pad2(wall.day)}`;
}

/** `YYYY-MM-DD HH:mm` of a wall time, for messages. */
export function isoDateTime(wall: WallTime): string {
  return `${isoDate(wall)} ${pad2(wall.hour)}:${pad2(wall.minute)}`;
}
