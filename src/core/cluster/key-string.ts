// Keys are raw bytes, but Maps compare Uint8Arrays by identity. keyString() turns bytes into a
// string that is equal exactly when the bytes are: one UTF-16 code unit per byte (0..255), so the
// mapping is a bijection and costs no decoding. describeKey() is for people: error messages and logs.

import type { Bytes } from "./types.js";

/** Bytes per String.fromCharCode call: keeps the argument list far below engines' call limits. */
const CHUNK_BYTES = 4096;
/** Bytes of a key shown in a message before it is cut short. */
const DESCRIBE_BYTES_MAX = 64;

/** A Map key for `key`: equal strings exactly for equal bytes. */
export function keyString(key: Bytes): string {
  if (key.length <= CHUNK_BYTES) return String.fromCharCode(...key);
  let text = "";
  for (let start = 0; start < key.length; start += CHUNK_BYTES) {
    text += String.fromCharCode(...key.subarray(start, start + CHUNK_BYTES));
  }
  return text;
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
