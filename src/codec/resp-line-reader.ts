// Finds one line ("...\n") of a RESP stream that may arrive split over several chunks. A line
// inside one chunk is returned as a view of the chunk (no copy); only a line that spans chunks
// is concatenated, once, when its newline arrives. Its length is bounded while it is collected.

import { describeBytes } from "./resp-errors.js";

const CR = 13;
/** No valid length line (a type byte, a length of at most 16 digits, "\r") is longer. */
export const LENGTH_LINE_BYTES_MAX = 32;
const LF = 10;

/** read(): the chunk ended before the newline; the bytes seen so far are kept. */
export const LINE_NEEDS_MORE = -1;
/** read(): more than `bytesMax` bytes came without a newline. */
export const LINE_TOO_LONG = -2;

export class LineReader {
  /** After a successful read(): the line is `line[lineStart, lineEnd)`, without its "\n". */
  line: Buffer = Buffer.alloc(0);
  lineStart = 0;
  lineEnd = 0;
  private pieces: Buffer[] = [];
  private pendingBytes = 0;

  /** True while a line begun in an earlier chunk waits for its newline. */
  get hasPending(): boolean {
    return this.pendingBytes > 0;
  }

  /** Bytes of that pending line kept so far. */
  get pendingLength(): number {
    return this.pendingBytes;
  }

  /**
   * Reads the line that begins at chunk[pos] (or continues the pending one). Returns the position
   * just after its "\n", LINE_NEEDS_MORE, or LINE_TOO_LONG when more than `bytesMax` bytes precede
   * the newline (whatever way the input was split).
   */
  read(chunk: Buffer, pos: number, bytesMax: number): number {
    const windowEnd = pos + bytesMax - this.pendingBytes + 1;
    const newline = chunk.indexOf(LF, pos);
    if (newline < 0 || newline >= windowEnd) {
      if (windowEnd <= chunk.length) return LINE_TOO_LONG;
      // The views keep their chunks alive; Node never reuses a chunk it has handed out.
      this.pieces.push(chunk.subarray(pos));
      this.pendingBytes += chunk.length - pos;
      return LINE_NEEDS_MORE;
    }
    if (this.pendingBytes === 0) {
      this.line = chunk;
      this.lineStart = pos;
      this.lineEnd = newline;
    } else {
      this.pieces.push(chunk.subarray(pos, newline));
      this.line = Buffer.concat(this.pieces, this.pendingBytes + newline - pos);
      this.lineStart = 0;
      this.lineEnd = this.line.length;
      this.pieces = [];
      this.pendingBytes = 0;
    }
    return newline + 1;
  }

  /** After readLength(): the position after the line, LINE_NEEDS_MORE or LINE_TOO_LONG. */
  next = 0;

  /**
   * Reads a length line ("$3\r\n", "*-1\r\n": a type byte, then the length) and returns the
   * length, or LENGTH_INVALID when the line is not a valid one (see `next` for which case).
   */
  readLength(chunk: Buffer, pos: number): number {
    const quick = this.quickLength(chunk, pos);
    if (quick >= 0) return quick;
    this.next = this.read(chunk, pos, LENGTH_LINE_BYTES_MAX);
    if (this.next < 0 || this.line[this.lineEnd - 1] !== CR) return LENGTH_INVALID;
    return parseLength(this.line, this.lineStart + 1, this.lineEnd - 1);
  }

  /**
   * Reads a multibulk count line ("*3\r\n"): like readLength(), but any negative count is valid
   * (Redis ignores "*-10" as it ignores "*-1"); returns NaN when the line is not a count.
   */
  readCount(chunk: Buffer, pos: number): number {
    const quick = this.quickLength(chunk, pos);
    if (quick >= 0) return quick;
    this.next = this.read(chunk, pos, LENGTH_LINE_BYTES_MAX);
    if (this.next < 0 || this.line[this.lineEnd - 1] !== CR) return NaN;
    const start = this.lineStart + 1;
    const end = this.lineEnd - 1;
    if (this.line[start] !== 0x2d) {
      const count = parseLength(this.line, start, end);
      return count >= 0 ? count : NaN;
    }
    // A minus sign and a positive length: "-0" and "-01" are not counts, as in Redis.
    return this.line[start + 1] !== 0x30 && parseLength(this.line, start + 1, end) > 0 ? -1 : NaN;
  }

  /**
   * The common case, taken without searching: a plain non-negative length wholly inside the
   * chunk at chunk[pos]. Returns -1 for anything else (a line spanning chunks, a sign, a leading
   * zero, garbage), which readLength() then reads the general way.
   */
  private quickLength(chunk: Buffer, pos: number): number {
    if (this.pendingBytes > 0 || chunk[pos + 1] === 0x30) return -1;
    const digitsEnd = Math.min(chunk.length, pos + 16);
    let value = 0;
    let i = pos + 1;
    for (; i < digitsEnd; i++) {
      const digit = (chunk[i] as number) - 0x30;
      if (digit < 0 || digit > 9) break;
      value = value * 10 + digit;
    }
    if (i === pos + 1 || chunk[i] !== CR || chunk[i + 1] !== LF) return -1;
    this.next = i + 2;
    return value;
  }

  /** What the length line rejected by readLength() held, for an error message. */
  describeLengthLine(): string {
    if (this.next === LINE_TOO_LONG) return `more than ${LENGTH_LINE_BYTES_MAX} bytes without a newline`;
    if (this.line[this.lineEnd - 1] !== CR) {
      return `'${describeBytes(this.line.subarray(this.lineStart + 1, this.lineEnd))}' ended by '\\n' without '\\r'`;
    }
    return `'${describeBytes(this.line.subarray(this.lineStart + 1, this.lineEnd - 1))}'`;
  }

  /** Drops a pending line (after a fatal error). */
  reset(): void {
    this.pieces = [];
    this.pendingBytes = 0;
  }
}

/** parseLength(): the text is not a valid length. */
export const LENGTH_INVALID = -2;

/**
 * Parses a RESP length ("-1", "0", "42") from buf[start, end), strictly as Redis does: an optional
 * '-', digits, no leading zeros, no sign on zero, no spaces. Returns LENGTH_INVALID otherwise, and
 * for anything below -1 or above Number.MAX_SAFE_INTEGER.
 */
export function parseLength(buf: Buffer, start: number, end: number): number {
  if (start >= end) return LENGTH_INVALID;
  if (buf[start] === 0x2d) {
    return end - start === 2 && buf[start + 1] === 0x31 ? -1 : LENGTH_INVALID;
  }
  if (buf[start] === 0x30) return end - start === 1 ? 0 : LENGTH_INVALID;
  if (end - start > 16) return LENGTH_INVALID;
  let value = 0;
  for (let i = start; i < end; i++) {
    const digit = (buf[i] as number) - 0x30;
    if (digit < 0 || digit > 9) return LENGTH_INVALID;
    value = value * 10 + digit;
  }
  return value <= Number.MAX_SAFE_INTEGER ? value : LENGTH_INVALID;
}
