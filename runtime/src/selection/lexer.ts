/**
 * Splits a selection string into tokens. The lexer never throws: malformed input becomes `invalid`
 * tokens and unterminated strings, so the completion code can reuse it on half-typed text; the
 * parser turns those into syntax errors.
 *
 * Lexing is context-sensitive in one place: after `attribute:` the value may also contain `:` and
 * `=` (`owner:team:finance`, `tag:tier=gold`), which a bare key may not.
 */

/** One piece of an attribute value: a bare run of characters or a double-quoted string. */
export interface ValueSegment {
  /** The text, with quotes removed and escapes (`\"`, `\\`) resolved. */
  text: string;
  quoted: boolean;
  /** False for a quoted segment that runs to the end of the input without its closing quote. */
  terminated: boolean;
  start: number;
  end: number;
}

export type Token =
  | { type: "word"; text: string; start: number; end: number }
  | { type: "string"; segment: ValueSegment; start: number; end: number }
  | {
      type: "attribute";
      /** As written (case preserved). */
      name: string;
      nameEnd: number;
      /** Offset right after the `:` (and any whitespace after it): where the value starts or would start. */
      valueStart: number;
      /** Adjacent segments, concatenated to form the value; empty when nothing follows the `:`. */
      value: ValueSegment[];
      start: number;
      end: number;
    }
  | { type: "lparen" | "rparen" | "plus"; start: number; end: number }
  | { type: "invalid"; text: string; start: number; end: number }
  | { type: "eof"; start: number; end: number };

const WORD_CHAR = /^[\p{L}\p{N}\p{M}_\-.\/*@]$/u;
const VALUE_CHAR = /^[\p{L}\p{N}\p{M}_\-.\/*@:=]$/u;
const WHITESPACE = /^\s$/u;

/** True when `text` can be written as a bare word (no quotes needed). */
export function isBareWord(text: string): boolean {
  return text.length > 0 && [...text].every((char) => WORD_CHAR.test(char));
}

/** True when `text` can be written as a bare attribute value (no quotes needed). */
export function isBareValue(text: string): boolean {
  return text.length > 0 && [...text].every((char) => VALUE_CHAR.test(char));
}

/** Writes `text` as a double-quoted string, escaping `"` and `\`. */
export function quote(text: string): string {
  return `"${text.replace(/[\\"]/g, (char) => `\\${char}`)}"`;
}

class Scanner {
  position = 0;
  constructor(readonly text: string) {}

  /** The character (code point) at the current position, or "" at the end. */
  peek(offset = this.position): string {
    const codePoint = this.text.codePointAt(offset);
    return codePoint === undefined ? "" : String.fromCodePoint(codePoint);
  }

  skipWhitespace(): void {
    while (this.position < this.text.length && WHITESPACE.test(this.peek())) this.position += this.peek().length;
  }

  /** Reads a run of characters matching `charClass`. */
  readRun(charClass: RegExp): string {
    const start = this.position;
    while (this.position < this.text.length && charClass.test(this.peek())) this.position += this.peek().length;
    return this.text.slice(start, this.position);
  }

  /** Reads a double-quoted string; the current character is the opening quote. */
  readQuoted(): ValueSegment {
    const start = this.position;
    this.position++;
    // Copies runs between quotes and backslashes in one slice each: long values stay linear and fast.
    const special = /["\\]/g;
    let text = "";
    while (this.position < this.text.length) {
      special.lastIndex = this.position;
      const found = special.exec(this.text);
      if (!found) break;
      text += this.text.slice(this.position, found.index);
      this.position = found.index;
      if (found[0] === '"') {
        this.position++;
        return { text, quoted: true, terminated: true, start, end: this.position };
      }
      const escaped = this.text[this.position + 1];
      if (escaped === '"' || escaped === "\\") {
        text += escaped;
        this.position += 2;
      } else {
        text += "\\";
        this.position++;
      }
    }
    text += this.text.slice(this.position);
    this.position = this.text.length;
    return { text, quoted: true, terminated: false, start, end: this.position };
  }

  /** Reads adjacent quoted/bare segments of an attribute value. */
  readValue(): ValueSegment[] {
    const segments: ValueSegment[] = [];
    for (;;) {
      const char = this.peek();
      if (char === '"') {
        const segment = this.readQuoted();
        segments.push(segment);
        if (!segment.terminated) return segments;
      } else if (char !== "" && VALUE_CHAR.test(char)) {
        const start = this.position;
        const text = this.readRun(VALUE_CHAR);
        segments.push({ text, quoted: false, terminated: true, start, end: this.position });
      } else {
        return segments;
      }
    }
  }
}

/** Tokenizes a whole selection string; the last token is always `eof`. */
export function tokenize(text: string): Token[] {
  const scanner = new Scanner(text);
  const tokens: Token[] = [];
  for (;;) {
    scanner.skipWhitespace();
    const start = scanner.position;
    const char = scanner.peek();
    if (char === "") {
      tokens.push({ type: "eof", start, end: start });
      return tokens;
    }
    if (char === "(" || char === ")" || char === "+") {
      scanner.position++;
      tokens.push({ type: char === "(" ? "lparen" : char === ")" ? "rparen" : "plus", start, end: scanner.position });
      continue;
    }
    if (char === '"') {
      const segment = scanner.readQuoted();
      tokens.push({ type: "string", segment, start, end: segment.end });
      continue;
    }
    if (WORD_CHAR.test(char)) {
      const word = scanner.readRun(WORD_CHAR);
      const wordEnd = scanner.position;
      scanner.skipWhitespace();
      if (scanner.peek() === ":") {
        scanner.position++;
        scanner.skipWhitespace();
        const valueStart = scanner.position;
        const value = scanner.readValue();
        const end = value.length > 0 ? value[value.length - 1]!.end : valueStart;
        // Whitespace after an empty value belongs to no token; rewind so offsets stay tight.
        if (value.length === 0) scanner.position = valueStart;
        tokens.push({ type: "attribute", name: word, nameEnd: wordEnd, valueStart, value, start, end });
      } else {
        scanner.position = wordEnd;
        tokens.push({ type: "word", text: word, start, end: wordEnd });
      }
      continue;
    }
    // A run of characters that cannot start anything, reported as one token ("&&", not "&" twice).
    let end = start + char.length;
    while (end < text.length) {
      const next = scanner.peek(end);
      if (WHITESPACE.test(next) || WORD_CHAR.test(next) || '()+"'.includes(next)) break;
      end += next.length;
    }
    scanner.position = end;
    tokens.push({ type: "invalid", text: text.slice(start, end), start, end });
  }
}
