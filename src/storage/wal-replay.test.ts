import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import { describe, it } from "node:test";
import { encodeWalFrame, encodeWalRecord, type WalOp } from "./wal-record.js";
import { listSegments, segmentPath } from "./wal-file.js";
import { replayWal } from "./wal-replay.js";
import { withTempDir } from "../../test/support/temp-dir.js";

const put = (key: string): WalOp[] => [{ db: 0, key: Buffer.from(key), value: Buffer.from(`v-${key}`) }];

/** A segment of one group per key, each framed where it lands. */
function segmentOf(...keys: string[]): Buffer {
  const frames: Buffer[] = [];
  let offset = 0;
  for (const key of keys) {
    frames.push(encodeWalFrame([encodeWalRecord(put(key))], offset));
    offset += (frames[frames.length - 1] as Buffer).length;
  }
  return Buffer.concat(frames);
}

/** A replay target that records the keys applied and whether it was synced after them. */
function recorder(): { keys: string[]; syncedAfter: number; apply(batches: WalOp[][]): void; sync(): Promise<void> } {
  const target = {
    keys: [] as string[],
    syncedAfter: -1,
    apply(batches: WalOp[][]) {
      for (const ops of batches) for (const op of ops) target.keys.push(Buffer.from(op.key).toString());
    },
    sync() {
      target.syncedAfter = target.keys.length;
      return Promise.resolve();
    },
  };
  return target;
}

describe("replayWal", () => {
  it("applies every segment's records in order, discards a torn tail of the last, syncs, and removes the segments", () =>
    withTempDir(async (dir) => {
      writeFileSync(segmentPath(dir, 4), segmentOf("a", "b"));
      const whole = segmentOf("c");
      const torn = segmentOf("c", "d").subarray(whole.length, whole.length + 9);
      writeFileSync(segmentPath(dir, 5), Buffer.concat([whole, torn]));
      const target = recorder();
      const report = await replayWal(dir, target);
      assert.deepEqual(target.keys, ["a", "b", "c"]);
      assert.equal(target.syncedAfter, 3, "synced once everything was applied");
      assert.equal(report.records, 3);
      assert.equal(report.discardedBytes, torn.length);
      assert.equal(report.discardedFrom, segmentPath(dir, 5));
      assert.equal(report.nextSegment, 6);
      assert.deepEqual(listSegments(dir), [], "replayed segments are removed");
    }));

  it("refuses to start when a segment that is not the last is damaged, changing nothing", () =>
    withTempDir(async (dir) => {
      const torn = segmentOf("a").subarray(0, 20); // as a torn write would leave it, were it the last
      writeFileSync(segmentPath(dir, 1), torn);
      writeFileSync(segmentPath(dir, 2), segmentOf("b"));
      const target = recorder();
      await assert.rejects(replayWal(dir, target), /the write-ahead log segment .*wal-0000000000000001\.log is damaged at byte 0 of \d+ \(later segments follow it\)/);
      assert.deepEqual(target.keys, []);
      assert.ok(existsSync(segmentPath(dir, 1)) && existsSync(segmentPath(dir, 2)), "the log is left for a person to look at");
    }));

  it("refuses to start when a group of the last segment is damaged and another follows it, applying nothing of any segment", () =>
    withTempDir(async (dir) => {
      writeFileSync(segmentPath(dir, 1), segmentOf("a"));
      const damaged = segmentOf("b", "c", "d");
      damaged[20] = (damaged[20] as number) ^ 0x01;
      writeFileSync(segmentPath(dir, 2), damaged);
      const target = recorder();
      await assert.rejects(replayWal(dir, target),
        /the write-ahead log segment .*wal-0000000000000002\.log is damaged at byte 0 of \d+ \(a whole group follows at byte \d+\): a write acknowledged after that point would be lost/);
      assert.deepEqual(target.keys, []);
      assert.ok(existsSync(segmentPath(dir, 1)) && existsSync(segmentPath(dir, 2)), "the log is left for a person to look at");
    }));

  it("with no log, starts segment 1 and still syncs (what open() itself wrote)", () =>
    withTempDir(async (dir) => {
      const target = recorder();
      const report = await replayWal(dir, target);
      assert.equal(report.nextSegment, 1);
      assert.equal(target.syncedAfter, 0);
    }));
});
