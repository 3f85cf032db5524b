// The write-ahead log's record format (PROTOCOL.md, "Write-ahead log"): one record per store
// write() batch, framed so that a torn tail is found on replay:
//   u32 LE payload length | u32 LE CRC-32 of the payload | payload
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

export const WAL_HEADER_BYTES = 8;
/** No batch the store accepts comes near this; a larger length is a torn or damaged header. */
const PAYLOAD_BYTES_MAX = 1 << 30;

/** The framed record of one batch. */
export function encodeWalRecord(ops: readonly WalOp[]): Buffer {
  let payloadBytes = 4;
  for (const op of ops) payloadBytes += 6 + op.key.length + (op.value === null ? 0 : 4 + op.value.length);
  const record = Buffer.allocUnsafe(WAL_HEADER_BYTES + payloadBytes);
  let at = WAL_HEADER_BYTES;
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
  record.writeUInt32LE(payloadBytes, 0);
  record.writeUInt32LE(crc32(record.subarray(WAL_HEADER_BYTES)), 4);
  return record;
}

export interface DecodedWal {
  /** The whole records, in log order. */
  batches: WalOp[][];
  /** Bytes from the start that hold whole records; everything after is a torn or damaged tail. */
  validBytes: number;
}

/**
 * The records of LOG up to the first that is incomplete or fails its checksum: a write torn by a
 * crash leaves its group's records partly written, and none of them was acknowledged.
 */
export function decodeWalRecords(log: Buffer): DecodedWal {
  const batches: WalOp[][] = [];
  let at = 0;
  while (log.length - at >= WAL_HEADER_BYTES) {
    const payloadBytes = log.readUInt32LE(at);
    if (payloadBytes < 4 || payloadBytes > PAYLOAD_BYTES_MAX || log.length - at - WAL_HEADER_BYTES < payloadBytes) break;
    const payload = log.subarray(at + WAL_HEADER_BYTES, at + WAL_HEADER_BYTES + payloadBytes);
    if (crc32(payload) !== log.readUInt32LE(at + 4)) break;
    const ops = decodePayload(payload);
    if (ops === null) break;
    batches.push(ops);
    at += WAL_HEADER_BYTES + payloadBytes;
  }
  return { batches, validBytes: at };
}

/** The operations of a payload whose checksum matched; null if its lengths do not add up. */
function decodePayload(payload: Buffer): WalOp[] | null {
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

