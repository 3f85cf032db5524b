// Splits an inline (telnet-style) command line into arguments the way Redis does (sdssplitargs):
// words separated by blanks; "double quotes" with \xHH, \n, \r, \t, \b, \a and \<char> escapes;
// 'single quotes' with \' as the only escape; a closing quote must be followed by a blank or the
// end of the line. Unquoted words are views of the line, quoted ones new buffers.

const SPACE = 0x20;
const TAB = 0x09;
const CR = 0x0d;
const VT = 0x0b;
const FF = 0x0c;
const DOUBLE_QUOTE = 0x22;
const SINGLE_QUOTE = 0x27;
const BACKSLASH = 0x5c;

const ESCAPES: Readonly<Record<number, number>> = { 0x6e: 0x0a, 0x72: 0x0d, 0x74: 0x09, 0x62: 0x08, 0x61: 0x07 };

function isBlank(byte: number | undefined): boolean {
  return byte === SPACE || byte === TAB || byte === CR || byte === VT || byte === FF;
}

function hexValue(byte: number | undefined): number {
  if (byte === undefined) return -1;
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  if (byte >= 0x61 && byte <= 0x66) return byte - 0x61 + 10;
  if (byte >= 0x41 && byte <= 0x46) return byte - 0x41 + 10;
  return -1;
}

/** A quoted word's bytes and the position after its closing quote, or null when unbalanced. */
interface QuotedWord {
  bytes: number[];
  end: number;
}

function readDoubleQuoted(line: Buffer, pos: number, end: number, bytes: number[]): QuotedWord | null {
  for (let p = pos; p < end; p++) {
    const byte = line[p] as number;
    if (byte === DOUBLE_QUOTE) return { bytes, end: p + 1 };
    if (byte !== BACKSLASH || p + 1 >= end) {
      bytes.push(byte);
      continue;
    }
    const next = line[p + 1] as number;
    const high = hexValue(line[p + 2]);
    const low = hexValue(line[p + 3]);
    if (next === 0x78 && p + 3 < end && high >= 0 && low >= 0) {
      bytes.push(high * 16 + low);
      p += 3;
    } else {
      bytes.push(ESCAPES[next] ?? next);
      p += 1;
    }
  }
  return null;
}

function readSingleQuoted(line: Buffer, pos: number, end: number, bytes: number[]): QuotedWord | null {
  for (let p = pos; p < end; p++) {
    const byte = line[p] as number;
    if (byte === SINGLE_QUOTE) return { bytes, end: p + 1 };
    if (byte === BACKSLASH && line[p + 1] === SINGLE_QUOTE && p + 1 < end) {
      bytes.push(SINGLE_QUOTE);
      p += 1;
    } else {
      bytes.push(byte);
    }
  }
  return null;
}

/** Reads one word starting at a non-blank byte; returns its end position or -1 on bad quoting. */
function readWord(line: Buffer, start: number, end: number, args: Buffer[]): number {
  let p = start;
  while (p < end && !isBlank(line[p]) && line[p] !== DOUBLE_QUOTE && line[p] !== SINGLE_QUOTE) p++;
  if (p === end || isBlank(line[p])) {
    args.push(line.subarray(start, p));
    return p;
  }
  // A quote opens inside or at the start of the word: what precedes it is part of the word.
  const prefix = Array.from(line.subarray(start, p));
  const quoted = line[p] === DOUBLE_QUOTE
    ? readDoubleQuoted(line, p + 1, end, prefix)
    : readSingleQuoted(line, p + 1, end, prefix);
  if (quoted === null) return -1;
  if (quoted.end < end && !isBlank(line[quoted.end])) return -1;
  args.push(Buffer.from(quoted.bytes));
  return quoted.end;
}

/** The arguments of line[start, end), or null when its quotes are unbalanced. */
export function splitInlineArgs(line: Buffer, start: number, end: number): Buffer[] | null {
  const args: Buffer[] = [];
  let p = start;
  for (;;) {
    while (p < end && isBlank(line[p])) p++;
    if (p >= end) return args;
    p = readWord(line, p, end, args);
    if (p < 0) return null;
  }
}
