// The write-ahead log on a full disk (a real tmpfs): an append that finds no room is refused as
// "full" and cut back, so the log still ends in a whole record; once there is room appends go
// on, and replay finds every durable record and no torn one.

import assert from "node:assert/strict";
import { rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { decodeWalFrames, encodeWalRecord, WAL_FRAME_HEADER_BYTES } from "./wal-record.js";
import { readSegment, segmentPath } from "./wal-file.js";
import { Wal } from "./wal.js";
import { StoreWriteError } from "./write-failure.js";
import { tmpfsUnavailable, withTmpfs } from "../../test/support/storage/tmpfs.js";

const recordOf = (i: number) => encodeWalRecord([{ db: 0, key: Buffer.from(`k${i}`), value: Buffer.alloc(48 * 1024, i % 256) }]);

describe("Wal on a full disk", { skip: tmpfsUnavailable() }, () => {
  for (const checkRoom of [false, true]) {
    it(`refuses the append with 'disk full', keeps the log whole, and appends again once there is room (room checked first: ${checkRoom})`, () =>
      withTmpfs(2 * 1024 * 1024, async (mount) => {
        let checkpoints = 0;
        const wal = await Wal.open(mount, 1, { segmentBytesMax: 64 * 1024 * 1024, checkRoom, checkpoint: async () => void checkpoints++ });
        writeFileSync(join(mount, "filler"), Buffer.alloc(512 * 1024));
        let durable = 0;
        let failure: unknown;
        while (failure === undefined && durable < 100) {
          await wal.append(recordOf(durable)).then(() => durable++, (error: unknown) => (failure = error));
        }
        assert.ok(failure instanceof StoreWriteError, String(failure));
        assert.equal(failure.kind, "full");
        assert.match(failure.message, /^disk full: a write to .*wal-0000000000000001\.log failed \(.+\) and none of it was applied/);
        assert.equal(wal.failed, null, "the log still takes appends");
        let logBytes = 0;
        for (let i = 0; i < durable; i++) logBytes += WAL_FRAME_HEADER_BYTES + recordOf(i).length; // one group each
        assert.equal(statSync(segmentPath(mount, 1)).size, logBytes, "cut back to its last whole record");

        rmSync(join(mount, "filler"));
        await wal.append(recordOf(durable));
        durable++;
        const { batches, validBytes, damage } = decodeWalFrames(readSegment(mount, 1));
        assert.equal(batches.length, durable);
        assert.equal(validBytes, statSync(segmentPath(mount, 1)).size, "no torn group in the middle");
        assert.equal(damage, null);
        await wal.close();
        assert.equal(checkpoints, 1, "close checkpoints");
      }));
  }
});
