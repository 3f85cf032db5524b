// Shows bytes as a double-quoted string that a person can read and that parseLine reads back
// to the very same bytes: printable text as is (UTF-8 included), \" and \\ escaped, common
// control characters as \n \r \t \b \a, and every other byte (invalid UTF-8 too) as \xHH.

const NAMED_ESCAPES: Record<number, string> = { 0x0a: "\\n", 0x0d: "\\r", 0x09: "\\t", 0x08: "\\b", 0x07: "\\a", 0x22: '\\"', 0x5c: "\\\\" };

export function quoteBytes(bytes: Uint8Array): string {
  let out = '"';
  let i = 0;
  while (i < bytes.length) {
    const byte = bytes[i]!;
    const named = NAMED_ESCAPES[byte];
    if (named !== undefined) {
      out += named;
      i += 1;
    } else if (byte >= 0x20 && byte < 0x7f) {
      out += String.fromCharCode(byte);
      i += 1;
    } else {
      const length = printableUtf8Length(bytes, i);
      out += length > 0 ? Buffer.from(bytes.subarray(i, i + length)).toString("utf8") : hexEscape(byte);
      i += Math.max(length, 1);
    }
  }
  return `${out}"`;
}

function hexEscape(byte: number): string {
  return `\\x${byte.toString(16).padStart(2, "0")}`;
}

/** Length of a valid, printable multi-byte UTF-8 character starting at `start`, or 0. */
function printableUtf8Length(bytes: Uint8Array, start: number): number {
  const lead = bytes[start]!;
  const length = lead >= 0xf0 && lead <= 0xf4 ? 4 : lead >= 0xe0 ? (lead <= 0xef ? 3 : 0) : lead >= 0xc2 && lead <= 0xdf ? 2 : 0;
  if (length === 0 || start + length > bytes.length) return 0;
  const slice = Buffer.from(bytes.subarray(start, start + length));
  const text = slice.toString("utf8");
  // Round-tripping catches overlong forms, surrogates and bad continuation bytes at once.
  if (!Buffer.from(text, "utf8").equals(slice)) return 0;
  return /^[\p{L}\p{M}\p{N}\p{P}\p{S}\p{Zs}]$/u.test(text) ? length : 0;
}
