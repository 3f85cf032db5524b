// Splits one line typed into `ringkv cli` into the words of a command. Two forms:
//   words:  put greeting "hello world"   (like redis-cli: double quotes with escapes, single quotes)
//   call:   put("greeting", "hello world")   (the original design's call form)
// Words are bytes: "\xff" in double quotes makes one byte that is not UTF-8. The parser never
// throws: whatever the line, the answer is a list of words or a message saying what is wrong.

export type ParsedLine = { ok: true; words: Buffer[] } | { ok: false; error: string };

const CALL_START = /^\s*([A-Za-z][A-Za-z0-9_.-]*)\s*\(/;
const SIMPLE_ESCAPES: Record<string, number> = { n: 10, r: 13, t: 9, b: 8, a: 7, "0": 0 };

export function parseLine(line: string): ParsedLine {
  const call = CALL_START.exec(line);
  if (call) return parseCall(line, call[1]!, call[0].length);
  return parseWords(line);
}

function parseWords(line: string): ParsedLine {
  const scanner = new Scanner(line);
  const words: Buffer[] = [];
  for (;;) {
    scanner.skipSpaces();
    if (scanner.atEnd()) return { ok: true, words };
    const word = scanner.readWord(isSpace);
    if (typeof word === "string") return { ok: false, error: word };
    if (!scanner.atEnd() && !isSpace(scanner.peek())) {
      return { ok: false, error: `a closing quote must be followed by a space (column ${scanner.column()})` };
    }
    words.push(word);
  }
}

function parseCall(line: string, name: string, bodyStart: number): ParsedLine {
  const scanner = new Scanner(line, bodyStart);
  const words: Buffer[] = [Buffer.from(name)];
  scanner.skipSpaces();
  if (scanner.peek() === ")") scanner.advance();
  else {
    for (;;) {
      scanner.skipSpaces();
      const word = scanner.readWord((char) => char === "," || char === ")" || isSpace(char));
      if (typeof word === "string") return { ok: false, error: word };
      words.push(word);
      scanner.skipSpaces();
      const separator = scanner.peek();
      scanner.advance();
      if (separator === ")") break;
      if (separator !== ",") {
        const found = separator === "" ? "the end of the line" : `"${separator}"`;
        return { ok: false, error: `expected "," or ")" after argument ${words.length - 1} of ${name}(...), found ${found}` };
      }
    }
  }
  scanner.skipSpaces();
  if (scanner.peek() === ";") scanner.advance();
  scanner.skipSpaces();
  if (!scanner.atEnd()) return { ok: false, error: `unexpected text after ${name}(...) at column ${scanner.column()}` };
  return { ok: true, words };
}

function isSpace(char: string): boolean {
  return char === " " || char === "\t" || char === "\n" || char === "\r";
}

function isHex(char: string): boolean {
  return /^[0-9a-fA-F]$/.test(char);
}

class Scanner {
  constructor(private readonly text: string, private position = 0) {}

  atEnd(): boolean {
    return this.position >= this.text.length;
  }

  peek(offset = 0): string {
    return this.text[this.position + offset] ?? "";
  }

  advance(count = 1): void {
    this.position += count;
  }

  column(): number {
    return this.position + 1;
  }

  skipSpaces(): void {
    while (!this.atEnd() && isSpace(this.peek())) this.advance();
  }

  /** One word: quoted (then it ends at its closing quote) or bare (up to a stop character). */
  readWord(isStop: (char: string) => boolean): Buffer | string {
    const first = this.peek();
    if (first === '"' || first === "'") return this.readQuoted(first);
    const start = this.position;
    while (!this.atEnd() && !isStop(this.peek())) this.advance();
    if (this.position === start) return `expected a word at column ${this.column()}`;
    return Buffer.from(this.text.slice(start, this.position));
  }

  private readQuoted(quote: string): Buffer | string {
    const openedAt = this.column();
    this.advance();
    const bytes: number[] = [];
    for (;;) {
      if (this.atEnd()) return `unbalanced quotes: the ${quote} at column ${openedAt} is never closed`;
      const char = this.peek();
      if (char === quote) {
        this.advance();
        return Buffer.from(bytes);
      }
      if (char === "\\") this.readEscape(quote, bytes);
      else this.readChar(bytes);
    }
  }

  /** In double quotes: \n \r \t \b \a \0 \xHH, and any other escaped character stands for itself.
   * In single quotes only \' is an escape, as in redis-cli. */
  private readEscape(quote: string, bytes: number[]): void {
    const next = this.peek(1);
    if (quote === "'") {
      if (next === "'") {
        bytes.push(0x27);
        this.advance(2);
      } else this.readChar(bytes);
      return;
    }
    if (next === "x" && isHex(this.peek(2)) && isHex(this.peek(3))) {
      bytes.push(Number.parseInt(this.peek(2) + this.peek(3), 16));
      this.advance(4);
      return;
    }
    const simple = SIMPLE_ESCAPES[next];
    if (simple !== undefined) bytes.push(simple);
    else if (next !== "") bytes.push(...Buffer.from(next));
    this.advance(next === "" ? 1 : 2);
  }

  /** One character as UTF-8 (a surrogate pair is one character). */
  private readChar(bytes: number[]): void {
    const codePoint = this.text.codePointAt(this.position)!;
    const char = String.fromCodePoint(codePoint);
    bytes.push(...Buffer.from(char));
    this.advance(char.length);
  }
}
