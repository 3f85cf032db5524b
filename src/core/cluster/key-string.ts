// Keys are raw bytes, but Maps compare Uint8Arrays by identity. keyString() turns bytes into a
// string that is equal exactly when the bytes are: a single-byte decoding maps each byte to one
// UTF-16 code unit, a different one for each of the 256 byte values, so the mapping is injective.
// (Measured on Node 20, 10k keys of 5-45 bytes: TextDecoder 0.36 us per key, String.fromCharCode
// with apply 0.6 us, with spread 3.2 us.) describeKey() is for people: error messages and logs.

import type { Bytes } from "./types.js";

/** WHATWG's "latin1" label is windows-1252: one distinct code point per byte, never an error. */
const SINGLE_BYTE = new TextDecoder("latin1");
/** Bytes of a key shown in a message before it is cut short. */
const DESCRIBE_BYTES_MAX = 64;

/** A Map key for `key`: equal strings exactly for equal bytes. */
export function keyString(key: Bytes): string {
  return SINGLE_BYTE.decode(key);
}

/** A quoted, printable rendering of a key for messages: `"user:1"`, `"a\x00b"`, long keys cut short. */
export function describeKey(key: Bytes): string {
  let text = "";
  for (const byte of key.subarray(0, DESCRIBE_BYTES_MAX)) {
    if (byte === 0x22 || byte === 0x5c) text += `\\${String.fromCharCode(byte)}`;
    else if (byte >= 0x20 && byte < 0x7f) text += String.fromCharCode(byte);
    else text += `\\x${byte.toString(16).padStart(2, "0")}`;
  }
  const more = key.length > DESCRIBE_BYTES_MAX ? `... (${key.length} bytes)` : "";
  return `"${text}"${more}`;
}
