// Redis's 64-bit integers (long long). JavaScript numbers are exact only to 2^53, so counters,
// offsets and expiry times are parsed as bigints and checked against Redis's own bounds.

export const INT64_MAX = (1n << 63n) - 1n;
export const INT64_MIN = -(1n << 63n);

/** Longest text string2ll can accept: "-9223372036854775808". */
const INT64_TEXT_LENGTH_MAX = 20;

/**
 * The integer the bytes spell, exactly as Redis's string2ll accepts it: optional '-', then
 * digits with no leading zero (or a lone "0"), no spaces, no '+', within 64 bits; else null.
 */
export function parseInt64(bytes: Uint8Array): bigint | null {
  const length = bytes.length;
  if (length === 0 || length > INT64_TEXT_LENGTH_MAX) return null;
  if (length === 1 && bytes[0] === 0x30) return 0n;
  let i = bytes[0] === 0x2d ? 1 : 0;
  if (i === length) return null;
  const first = bytes[i] as number;
  if (first < 0x31 || first > 0x39) return null;
  for (let j = i + 1; j < length; j++) {
    const byte = bytes[j] as number;
    if (byte < 0x30 || byte > 0x39) return null;
  }
  let text = "";
  for (; i < length; i++) text += String.fromCharCode(bytes[i] as number);
  const value = bytes[0] === 0x2d ? -BigInt(text) : BigInt(text);
  return value < INT64_MIN || value > INT64_MAX ? null : value;
}

export function inInt64Range(value: bigint): boolean {
  return value >= INT64_MIN && value <= INT64_MAX;
}
