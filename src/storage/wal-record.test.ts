import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodeWalFrames, encodeWalFrame, encodeWalRecord, WAL_FRAME_HEADER_BYTES, type WalOp } from "./wal-record.js";

const bytes = (text: string) => Buffer.from(text);
const FIRST: WalOp[] = [{ db: 0, key: bytes("a"), value: bytes("one") }, { db: 2, key: bytes("txn:7"), value: null }];
const SECOND: WalOp[] = [{ db: 1, key: Buffer.alloc(0), value: Buffer.alloc(0) }];
const LAST: WalOp[] = [{ db: 3, key: bytes("k"), value: Buffer.alloc(1300, 0x61) }, { db: 0, key: bytes("gone"), value: null }];

function asPlain(batches: WalOp[][]): unknown {
  return batches.map((ops) => ops.map((op) => ({ db: op.db, key: Buffer.from(op.key), value: op.value && Buffer.from(op.value) })));
}

/** A log of GROUPS (each a list of batches), each framed at the offset where it lands. */
function logOf(...groups: WalOp[][][]): Buffer {
  const frames: Buffer[] = [];
  let offset = 0;
  for (const group of groups) {
    const frame = encodeWalFrame(group.map(encodeWalRecord), offset);
    frames.push(frame);
    offset += frame.length;
  }
  return Buffer.concat(frames);
}

/** LOG with the byte at AT changed. */
function damagedAt(log: Buffer, at: number): Buffer {
  const copy = Buffer.from(log);
  copy[at] = (copy[at] as number) ^ 0x10;
  return copy;
}

describe("write-ahead log frames", () => {
  it("decode to the batches encoded, several per group, deletes and empty keys and values included", () => {
    const log = logOf([FIRST, SECOND], [LAST]);
    const decoded = decodeWalFrames(log);
    assert.deepEqual({ validBytes: decoded.validBytes, damage: decoded.damage }, { validBytes: log.length, damage: null });
    assert.deepEqual(asPlain(decoded.batches), asPlain([FIRST, SECOND, LAST]));
  });

  it("frames each group with its body length, and a checksum that holds only at the offset it was written for", () => {
    const frame = encodeWalFrame([encodeWalRecord(SECOND)], 0);
    assert.equal(frame.readUInt32LE(0), frame.length - WAL_FRAME_HEADER_BYTES);
    assert.equal(decodeWalFrames(frame).batches.length, 1);
    const moved = Buffer.concat([logOf([FIRST]), encodeWalFrame([encodeWalRecord(SECOND)], 0)]);
    assert.equal(decodeWalFrames(moved).batches.length, 1, "a frame's bytes elsewhere than where they were written are no frame");
    assert.deepEqual(decodeWalFrames(Buffer.alloc(0)), { batches: [], validBytes: 0, damage: null });
  });

  it("a last group cut at any byte is a torn write: discarded, the groups before it kept", () => {
    const whole = logOf([FIRST], [SECOND]);
    const log = logOf([FIRST], [SECOND], [LAST, FIRST]);
    for (let cut = whole.length; cut < log.length; cut++) {
      const decoded = decodeWalFrames(log.subarray(0, cut));
      assert.deepEqual({ validBytes: decoded.validBytes, damage: decoded.damage }, { validBytes: whole.length, damage: null }, `cut at ${cut}`);
      assert.deepEqual(asPlain(decoded.batches), asPlain([FIRST, SECOND]), `cut at ${cut}`);
    }
  });

  it("a last group of full length with any of its sectors read as zeros (never reached the disk) is a torn write", () => {
    const whole = logOf([FIRST], [SECOND]);
    const log = logOf([FIRST], [SECOND], [LAST, FIRST]);
    assert.ok(log.length - whole.length > 2 * 512, "the last group spans several sectors");
    for (let sector = Math.floor(whole.length / 512) * 512; sector < log.length; sector += 512) {
      const torn = Buffer.from(log);
      torn.fill(0, Math.max(sector, whole.length), Math.min(sector + 512, log.length));
      const decoded = decodeWalFrames(torn);
      assert.deepEqual({ validBytes: decoded.validBytes, damage: decoded.damage }, { validBytes: whole.length, damage: null }, `sector at ${sector}`);
    }
  });

  it("a changed byte anywhere in a group followed by another group is damage, naming where the next group starts", () => {
    const log = logOf([FIRST, SECOND], [LAST], [SECOND]);
    const secondAt = encodeWalFrame([FIRST, SECOND].map(encodeWalRecord), 0).length;
    for (let at = 0; at < secondAt; at++) {
      const decoded = decodeWalFrames(damagedAt(log, at));
      assert.equal(decoded.validBytes, 0, `damage at ${at}`);
      assert.equal(decoded.batches.length, 0, `damage at ${at}`);
      assert.equal(decoded.damage, `a whole group follows at byte ${secondAt}`, `damage at ${at}`);
    }
  });

  it("a changed byte in the body of the last group, which holds no zero sector, is damage, not a torn write", () => {
    const log = logOf([FIRST], [LAST]);
    const lastAt = encodeWalFrame([encodeWalRecord(FIRST)], 0).length;
    for (let at = lastAt + WAL_FRAME_HEADER_BYTES; at < log.length; at++) {
      const decoded = decodeWalFrames(damagedAt(log, at));
      assert.equal(decoded.validBytes, lastAt, `damage at ${at}`);
      assert.match(decoded.damage ?? "", /checksum fails, yet it is not cut short and holds no sector of zeros/, `damage at ${at}`);
    }
  });
});
