import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodeWalRecords, encodeWalRecord, WAL_HEADER_BYTES, type WalOp } from "./wal-record.js";

const bytes = (text: string) => Buffer.from(text);
const FIRST: WalOp[] = [{ db: 0, key: bytes("a"), value: bytes("one") }, { db: 2, key: bytes("txn:7"), value: null }];
const SECOND: WalOp[] = [{ db: 1, key: Buffer.alloc(0), value: Buffer.alloc(0) }];
const LAST: WalOp[] = [{ db: 3, key: bytes("k"), value: Buffer.alloc(300, 0x61) }, { db: 0, key: bytes("gone"), value: null }];

function asPlain(batches: WalOp[][]): unknown {
  return batches.map((ops) => ops.map((op) => ({ db: op.db, key: Buffer.from(op.key), value: op.value && Buffer.from(op.value) })));
}

describe("write-ahead log records", () => {
  it("decode to the batches encoded, deletes and empty keys and values included", () => {
    const log = Buffer.concat([FIRST, SECOND, LAST].map(encodeWalRecord));
    const decoded = decodeWalRecords(log);
    assert.equal(decoded.validBytes, log.length);
    assert.deepEqual(asPlain(decoded.batches), asPlain([FIRST, SECOND, LAST]));
  });

  it("a last record cut at any byte is discarded, and the records before it are kept", () => {
    const whole = Buffer.concat([FIRST, SECOND].map(encodeWalRecord));
    const last = encodeWalRecord(LAST);
    for (let cut = 0; cut < last.length; cut++) {
      const decoded = decodeWalRecords(Buffer.concat([whole, last.subarray(0, cut)]));
      assert.equal(decoded.validBytes, whole.length, `cut at ${cut}`);
      assert.deepEqual(asPlain(decoded.batches), asPlain([FIRST, SECOND]), `cut at ${cut}`);
    }
  });

  it("a last record whose bytes from any offset never reached the disk (zeros, garbage) is discarded by its checksum", () => {
    const whole = Buffer.concat([FIRST, SECOND].map(encodeWalRecord));
    const last = encodeWalRecord(LAST);
    for (let from = 0; from < last.length; from++) {
      for (const fill of [0x00, 0xa5]) {
        const torn = Buffer.from(last);
        torn.fill(fill, from);
        if (torn.equals(last)) continue; // the fill left it as it was
        const decoded = decodeWalRecords(Buffer.concat([whole, torn]));
        assert.equal(decoded.validBytes, whole.length, `torn from ${from} with ${fill}`);
        assert.equal(decoded.batches.length, 2, `torn from ${from} with ${fill}`);
      }
    }
  });

  it("a single flipped bit in the payload fails the record and everything after it", () => {
    const first = encodeWalRecord(FIRST);
    const log = Buffer.concat([first, encodeWalRecord(SECOND)]);
    const flipped = first.length - 2;
    log[flipped] = (log[flipped] as number) ^ 0x10;
    assert.deepEqual(decodeWalRecords(log), { batches: [], validBytes: 0 });
  });

  it("frames each record with its payload length and CRC-32", () => {
    const record = encodeWalRecord(SECOND);
    assert.equal(record.readUInt32LE(0), record.length - WAL_HEADER_BYTES);
    assert.equal(decodeWalRecords(Buffer.alloc(0)).validBytes, 0);
  });
});
