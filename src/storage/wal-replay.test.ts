import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import { describe, it } from "node:test";
import { encodeWalRecord, type WalOp } from "./wal-record.js";
import { listSegments, segmentPath } from "./wal-file.js";
import { replayWal } from "./wal-replay.js";
import { withTempDir } from "../../test/support/temp-dir.js";

const put = (key: string): WalOp[] => [{ db: 0, key: Buffer.from(key), value: Buffer.from(`v-${key}`) }];

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
      writeFileSync(segmentPath(dir, 4), Buffer.concat([encodeWalRecord(put("a")), encodeWalRecord(put("b"))]));
      const torn = encodeWalRecord(put("d")).subarray(0, 9);
      writeFileSync(segmentPath(dir, 5), Buffer.concat([encodeWalRecord(put("c")), torn]));
      const target = recorder();
      const report = await replayWal(dir, target);
      assert.deepEqual(target.keys, ["a", "b", "c"]);
      assert.equal(target.syncedAfter, 3, "synced once everything was applied");
      assert.equal(report.records, 3);
      assert.equal(report.discardedBytes, torn.length);
      assert.equal(report.nextSegment, 6);
      assert.deepEqual(listSegments(dir), [], "replayed segments are removed");
    }));

  it("refuses to start when a segment that is not the last is damaged, changing nothing", () =>
    withTempDir(async (dir) => {
      const damaged = encodeWalRecord(put("a"));
      damaged[damaged.length - 1] = (damaged[damaged.length - 1] as number) ^ 1;
      writeFileSync(segmentPath(dir, 1), damaged);
      writeFileSync(segmentPath(dir, 2), encodeWalRecord(put("b")));
      const target = recorder();
      await assert.rejects(replayWal(dir, target), /the write-ahead log segment .*wal-0000000000000001\.log is damaged at byte 0 of \d+, and later segments follow it/);
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
