// The write-ahead log's format (DESIGN.md, "Write-ahead log"). One record per store write()
// batch; the records of one group commit are written as one frame, whose checksum covers them
// all, so that replay can tell a group torn by a crash from damage to a group that was synced:
//   frame:   u32 LE body length | u32 LE checksum | body = the group's records
//   checksum: CRC-32 of the frame's offset in its segment (u64 LE), then of the body — a frame is
//     whole only where it was written, never where its bytes happen to recur (inside a value)
//   record:  u32 LE payload length | payload
//   payload: u32 LE operation count, then per operation
//     u8 sub-database index | u8 1 = put, 0 = delete | u32 LE key length | key
//     [u32 LE value length | value]   (puts only)
// Keys and values are the caller's, before the store's key tag and record checksum.

import { crc32 } from "node:zlib";

/** One logged operation: the sub-database by its index, and a null value for a delete. */
export interface WalOp {
  db: number;
  key: Uint8Array;
  value: Uint8Array | null;
}

export const WAL_FRAME_HEADER_BYTES = 8;
/** A group holds one record at least, of 8 bytes at least (zeros are no frame). */
const BODY_BYTES_MIN = 8;
/** No group the log writes comes near this; a larger length is a torn or damaged header. */
const BODY_BYTES_MAX = 1 << 30;
/** The unit a disk writes whole or not at all; a torn write leaves whole sectors of zeros. */
const SECTOR_BYTES = 512;

/** The record of one batch (framed with the others of its group by encodeWalFrame). */
export function encodeWalRecord(ops: readonly WalOp[]): Buffer {
  let payloadBytes = 4;
  for (const op of ops) payloadBytes += 6 + op.key.length + (op.value === null ? 0 : 4 + op.value.length);
  const record = Buffer.allocUnsafe(4 + payloadBytes);
  let at = record.writeUInt32LE(payloadBytes, 0);
  at = record.writeUInt32LE(ops.length, at);
  for (const op of ops) {
    at = record.writeUInt8(op.db, at);
    at = record.writeUInt8(op.value === null ? 0 : 1, at);
    at = record.writeUInt32LE(op.key.length, at);
    record.set(op.key, at);
    at += op.key.length;
    if (op.value !== null) {
      at = record.writeUInt32LE(op.value.length, at);
      record.set(op.value, at);
      at += op.value.length;
    }
  }
  return record;
}

/** The frame of one group, to be written at byte OFFSET of its segment. */
export function encodeWalFrame(records: readonly Buffer[], offset: number): Buffer {
  const frame = Buffer.concat([Buffer.allocUnsafe(WAL_FRAME_HEADER_BYTES), ...records]);
  frame.writeUInt32LE(frame.length - WAL_FRAME_HEADER_BYTES, 0);
  frame.writeUInt32LE(frameChecksum(offset, frame.subarray(WAL_FRAME_HEADER_BYTES)), 4);
  return frame;
}

function frameChecksum(offset: number, body: Buffer): number {
  const place = Buffer.alloc(8);
  place.writeBigUInt64LE(BigInt(offset));
  return crc32(body, crc32(place));
}

export interface DecodedWal {
  /** The batches of the whole frames, in log order. */
  batches: WalOp[][];
  /** Bytes from the start that hold whole frames. */
  validBytes: number;
  /**
   * Why the bytes after validBytes cannot be a group torn by a crash, or null if they can (or
   * there are none). A group is written only once the one before it is synced, so a torn group is
   * the last of its log and, where it reached its full length, holds a sector of zeros.
   */
  damage: string | null;
}

/** The frames of LOG up to the first that is incomplete or fails its checksum, and what follows it. */
export function decodeWalFrames(log: Buffer): DecodedWal {
  const batches: WalOp[][] = [];
  let at = 0;
  for (let frame = wholeFrameAt(log, at); frame !== null; frame = wholeFrameAt(log, at)) {
    batches.push(...frame);
    at = nextFrameAt(log, at);
  }
  return { batches, validBytes: at, damage: at === log.length ? null : damageAfter(log, at) };
}

function nextFrameAt(log: Buffer, at: number): number {
  return at + WAL_FRAME_HEADER_BYTES + log.readUInt32LE(at);
}

/** The batches of the frame at AT if it is whole (complete, checksum matching, records adding up), else null. */
function wholeFrameAt(log: Buffer, at: number): WalOp[][] | null {
  if (log.length - at < WAL_FRAME_HEADER_BYTES) return null;
  const bodyBytes = log.readUInt32LE(at);
  if (bodyBytes < BODY_BYTES_MIN || bodyBytes > BODY_BYTES_MAX || log.length - at - WAL_FRAME_HEADER_BYTES < bodyBytes) return null;
  const body = log.subarray(at + WAL_FRAME_HEADER_BYTES, at + WAL_FRAME_HEADER_BYTES + bodyBytes);
  if (frameChecksum(at, body) !== log.readUInt32LE(at + 4)) return null;
  return decodeBody(body);
}

/** What the bytes from AT, which do not start a whole frame, show of damage (see DecodedWal.damage). */
function damageAfter(log: Buffer, at: number): string | null {
  for (let later = at + 1; later < log.length; later++) {
    if (wholeFrameAt(log, later) !== null) return `a whole group follows at byte ${later}`;
  }
  if (log.length - at < WAL_FRAME_HEADER_BYTES) return null; // cut short in its header
  if (at + WAL_FRAME_HEADER_BYTES + log.readUInt32LE(at) > log.length) return null; // cut short: the crash came before its write ended
  if (hasZeroSector(log, at, log.length)) return null; // sectors that never reached the disk
  return "its checksum fails, yet it is not cut short and holds no sector of zeros, as a group torn by a crash would";
}

/** Whether some sector-aligned stretch of LOG[from, end) (the part of a sector inside it) is all zeros. */
function hasZeroSector(log: Buffer, from: number, end: number): boolean {
  for (let start = from; start < end;) {
    const stop = Math.min(end, (Math.floor(start / SECTOR_BYTES) + 1) * SECTOR_BYTES);
    if (log.subarray(start, stop).every((byte) => byte === 0)) return true;
    start = stop;
  }
  return false;
}

/** The batches of a frame body whose checksum matched; null if its lengths do not add up. */
function decodeBody(body: Buffer): WalOp[][] | null {
  const batches: WalOp[][] = [];
  for (let at = 0; at < body.length;) {
    if (body.length - at < 4) return null;
    const payloadBytes = body.readUInt32LE(at);
    at += 4;
    if (body.length - at < payloadBytes) return null;
    const ops = decodePayload(body.subarray(at, at + payloadBytes));
    if (ops === null) return null;
    batches.push(ops);
    at += payloadBytes;
  }
  return batches;
}

/** The operations of a record's payload; null if its lengths do not add up. */
function decodePayload(payload: Buffer): WalOp[] | null {
  if (payload.length < 4) return null;
  const ops: WalOp[] = [];
  const count = payload.readUInt32LE(0);
  let at = 4;
  for (let i = 0; i < count; i++) {
    if (payload.length - at < 6) return null;
    const db = payload.readUInt8(at);
    const isPut = payload.readUInt8(at + 1) === 1;
    const keyBytes = payload.readUInt32LE(at + 2);
    at += 6;
    if (payload.length - at < keyBytes) return null;
    const key = payload.subarray(at, at + keyBytes);
    at += keyBytes;
    let value: Buffer | null = null;
    if (isPut) {
      if (payload.length - at < 4) return null;
      const valueBytes = payload.readUInt32LE(at);
      at += 4;
      if (payload.length - at < valueBytes) return null;
      value = payload.subarray(at, at + valueBytes);
      at += valueBytes;
    }
    ops.push({ db, key, value });
  }
  return at === payload.length ? ops : null;
}
