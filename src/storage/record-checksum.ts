// Every record the store keeps carries a checksum, verified on every read: a CRC-32 of the
// stored key and the value, in the 4 bytes before the value. A bit flipped on the disk (or by
// anyone writing into the file) is found, named (the key, the sub-database, the file) and
// reported as an error, never returned as a wrong value. The key is covered too, so a value that
// lands under another key does not pass either.
//
// CRC-32 finds every burst error of up to 32 bits and all but one in 2^32 of the others: it is
// for damage, not for an adversary who writes into the file (who could write a matching sum).

import { crc32 } from "node:zlib";
import { RingkvError } from "../shared/errors.js";
import { describeBytes } from "../codec/resp-errors.js";

export const CHECKSUM_BYTES = 4;

/**
 * The value as stored: its checksum, then its bytes. Never from Node's shared pool of small
 * buffers: lmdb-js may read a value's bytes only when it commits, and by then the pool's memory may
 * hold someone else's bytes.
 */
export function sealRecord(storedKey: Buffer, value: Buffer): Buffer {
  const sealed = Buffer.allocUnsafeSlow(CHECKSUM_BYTES + value.length);
  sealed.writeUInt32BE(checksumOf(storedKey, value), 0);
  value.copy(sealed, CHECKSUM_BYTES);
  return sealed;
}

/** The value of a stored record, once its checksum is found right (a view of `stored`, no copy). */
export function openRecord(storedKey: Buffer, stored: Buffer, where: RecordPlace): Buffer {
  const value = stored.subarray(CHECKSUM_BYTES);
  if (stored.length < CHECKSUM_BYTES || stored.readUInt32BE(0) !== checksumOf(storedKey, value)) {
    throw new CorruptRecordError(storedKey.subarray(1), where);
  }
  return value;
}

function checksumOf(storedKey: Buffer, value: Buffer): number {
  const keySum = crc32(storedKey);
  // zlib's crc32 of no bytes at a null address (an empty ArrayBuffer's) is 0, not the sum so far.
  return value.length === 0 ? keySum : crc32(value, keySum);
}

/** Where a record lives, for the message that says it is damaged. */
export interface RecordPlace {
  db: string;
  file: string;
}

/** A record whose checksum does not match: the store's file is damaged at that record. */
export class CorruptRecordError extends RingkvError {
  constructor(readonly key: Buffer, readonly place: RecordPlace) {
    super("ERR", `the record of key '${describeBytes(key, 64)}' in the ${place.db} sub-database of ${place.file} `
      + "fails its checksum: the file is damaged there; nothing was returned for it");
  }
}
