// What one key holds, and its bytes on disk. The storage envelope around it (per-key versions,
// tombstones for replica catch-up) is not part of an Entry: it wraps encodeEntry's bytes.
//
// Format (all integers big-endian):
//   byte 0      type tag: 0x01 string, 0x02 hash; bit 0x80 set when a deadline follows
//   [8 bytes]   the deadline, ms since the Unix epoch, a signed 64-bit integer
//   string:     the value's bytes, to the end
//   hash:       varint field count, then per field: varint length, name, varint length, value
// Values written before this format (raw bytes with no tag) cannot be told apart from tagged
// ones, so a store records which format its values are in (see entry-format.ts).

import { keyString } from "../cluster/key-string.js";

export type Entry = StringEntry | HashEntry;

export interface StringEntry {
  kind: "string";
  value: Uint8Array;
  /** Absolute deadline in ms since the Unix epoch; absent: the key never expires. */
  expiresAtMs?: number;
}

export interface HashEntry {
  kind: "hash";
  /** keyString(name) -> [name, value]; Map order is insertion order, as Redis's small hashes keep. */
  fields: Map<string, [Uint8Array, Uint8Array]>;
  expiresAtMs?: number;
}

const TAG_STRING = 0x01;
const TAG_HASH = 0x02;
const TAG_HAS_DEADLINE = 0x80;
const DEADLINE_BYTES = 8;
/** Bytes an entry adds to a string value at most: the tag and a deadline. */
export const ENTRY_OVERHEAD_BYTES_MAX = 1 + DEADLINE_BYTES;

export class EntryFormatError extends Error {
  override readonly name = "EntryFormatError";
}

/** True when the entry's deadline has passed: it is absent to every reader. */
export function isExpired(entry: Entry, nowMs: number): boolean {
  return entry.expiresAtMs !== undefined && entry.expiresAtMs <= nowMs;
}

export function encodeEntry(entry: Entry): Uint8Array {
  const deadline = entry.expiresAtMs !== undefined;
  const headerBytes = 1 + (deadline ? DEADLINE_BYTES : 0);
  const body = entry.kind === "string" ? entry.value : encodeFields(entry.fields);
  const out = new Uint8Array(headerBytes + body.length);
  out[0] = (entry.kind === "string" ? TAG_STRING : TAG_HASH) | (deadline ? TAG_HAS_DEADLINE : 0);
  if (deadline) new DataView(out.buffer).setBigInt64(1, BigInt(entry.expiresAtMs as number));
  out.set(body, headerBytes);
  return out;
}

/** The entry the bytes hold; throws EntryFormatError on bytes encodeEntry cannot have made. */
export function decodeEntry(bytes: Uint8Array): Entry {
  const tag = bytes[0];
  if (tag === undefined) throw new EntryFormatError("an entry has at least its tag byte; got no bytes");
  const type = tag & ~TAG_HAS_DEADLINE;
  let offset = 1;
  let expiresAtMs: number | undefined;
  if ((tag & TAG_HAS_DEADLINE) !== 0) {
    if (bytes.length < 1 + DEADLINE_BYTES) throw new EntryFormatError(`an entry's deadline is cut short (${bytes.length} bytes)`);
    expiresAtMs = Number(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigInt64(1));
    offset += DEADLINE_BYTES;
  }
  const body = bytes.subarray(offset);
  // No closure or spread: every read of a key decodes its entry.
  if (type === TAG_STRING) return expiresAtMs === undefined ? { kind: "string", value: body } : { kind: "string", value: body, expiresAtMs };
  if (type === TAG_HASH) {
    const fields = decodeFields(body);
    return expiresAtMs === undefined ? { kind: "hash", fields } : { kind: "hash", fields, expiresAtMs };
  }
  throw new EntryFormatError(`unknown entry type tag 0x${tag.toString(16).padStart(2, "0")}`);
}

function encodeFields(fields: HashEntry["fields"]): Uint8Array {
  const parts: Uint8Array[] = [varint(fields.size)];
  for (const [name, value] of fields.values()) parts.push(varint(name.length), name, varint(value.length), value);
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function decodeFields(body: Uint8Array): HashEntry["fields"] {
  const reader = { offset: 0 };
  const count = readVarint(body, reader);
  const fields: HashEntry["fields"] = new Map();
  for (let i = 0; i < count; i++) {
    const name = readBytes(body, reader);
    const value = readBytes(body, reader);
    fields.set(keyString(name), [name, value]);
  }
  if (reader.offset !== body.length) throw new EntryFormatError(`a hash entry has ${body.length - reader.offset} bytes after its last field`);
  return fields;
}

function varint(value: number): Uint8Array {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
  return Uint8Array.from(bytes);
}

function readVarint(bytes: Uint8Array, reader: { offset: number }): number {
  let value = 0;
  let scale = 1;
  for (let shift = 0; shift < 5; shift++) {
    const byte = bytes[reader.offset++];
    if (byte === undefined) throw new EntryFormatError("a hash entry ends inside a length");
    value += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) return value;
    scale *= 0x80;
  }
  throw new EntryFormatError("a hash entry has a length of more than 5 bytes");
}

function readBytes(bytes: Uint8Array, reader: { offset: number }): Uint8Array {
  const length = readVarint(bytes, reader);
  if (reader.offset + length > bytes.length) throw new EntryFormatError("a hash entry ends inside a field");
  const out = bytes.subarray(reader.offset, reader.offset + length);
  reader.offset += length;
  return out;
}
