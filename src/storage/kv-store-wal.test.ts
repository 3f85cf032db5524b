// The store with its write-ahead log: an LMDB file that lost everything since the last
// checkpoint (as an unsynced file can on power loss) is brought back by replay, a torn last
// group is dropped, and checkpoints keep the log bounded.

import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { DATA_DIR_FILES } from "./data-dir.js";
import { KVStore, type StoreWrite } from "./kv-store.js";
import { listSegments, segmentPath } from "./wal-file.js";
import { withTempDir } from "../../test/support/temp-dir.js";

const bytes = (text: string) => Buffer.from(text);
const noScrub = { scrub: { bytesPerSecond: 0 } };
const WRITES = 200;
/** Writes issued together, which group commit makes durable as one group (one frame, one sync). */
const GROUP = 20;

/** Write i puts k<i> and deletes k<i-1>'s twin, so that replay must apply deletes in order too. */
function writeOf(i: number): StoreWrite[] {
  return [
    { db: "data", key: bytes(`k${i}`), value: bytes(`v${i}`) },
    { db: "data", key: bytes(`twin${i}`), value: bytes("t") },
    { db: "txn", key: bytes(`twin${i - 1}`), value: null },
  ];
}

/**
 * A copy of DIR as a power loss could leave it: LMDB as at its last checkpoint (SNAPSHOT) and
 * the log as written — taken while the store that wrote it is still open.
 */
function lostPowerCopy(dir: string, snapshot: Buffer, to: string): void {
  mkdirSync(to, { mode: 0o700 });
  copyFileSync(join(dir, DATA_DIR_FILES.marker), join(to, DATA_DIR_FILES.marker));
  writeFileSync(join(to, DATA_DIR_FILES.store), snapshot, { mode: 0o600 });
  for (const number of listSegments(dir)) copyFileSync(segmentPath(dir, number), segmentPath(to, number));
}

describe("KVStore's write-ahead log", () => {
  it("replays what LMDB lost since its last checkpoint, and drops a torn last group", () =>
    withTempDir(async (root) => {
      const dir = join(root, "live");
      let store = await KVStore.open(dir, { kind: "node", ...noScrub });
      await store.write([{ db: "data", key: bytes("before"), value: bytes("checkpointed") }]);
      await store.close();
      const snapshot = readFileSync(join(dir, DATA_DIR_FILES.store));

      store = await KVStore.open(dir, { kind: "node", ...noScrub });
      for (let i = 0; i < WRITES; i += GROUP) await Promise.all(Array.from({ length: GROUP }, (_, j) => store.write(writeOf(i + j))));
      assert.equal(store.stats().commits, WRITES / GROUP, "one sync per group");
      assert.ok(store.stats().wal.bytes > 0);
      lostPowerCopy(dir, snapshot, join(root, "whole"));
      lostPowerCopy(dir, snapshot, join(root, "torn"));
      await store.close();
      const [last] = listSegments(join(root, "torn")).slice(-1);
      const tornPath = segmentPath(join(root, "torn"), last as number);
      truncateSync(tornPath, readFileSync(tornPath).length - 3);

      for (const [name, survivors] of [["whole", WRITES], ["torn", WRITES - GROUP]] as const) {
        const replayed = await KVStore.open(join(root, name), { kind: "node", ...noScrub });
        try {
          const { replay } = replayed.stats();
          assert.equal(replay.records, survivors, name);
          assert.equal(replay.discardedBytes > 0, name === "torn", name);
          assert.deepEqual(replayed.get("data", bytes("before")), bytes("checkpointed"));
          for (let i = 0; i < WRITES; i++) {
            const expected = i < survivors ? bytes(`v${i}`) : undefined;
            assert.deepEqual(replayed.get("data", bytes(`k${i}`)), expected, `${name}: write ${i}`);
          }
          assert.equal(replayed.count("data"), 1 + 2 * survivors, `${name}: nothing else`);
        } finally {
          await replayed.close();
        }
      }
    }));

  it("checkpoints in the background whenever a segment fills, keeping the log under two segments", () =>
    withTempDir(async (dir) => {
      const segmentBytesMax = 64 * 1024;
      const store = await KVStore.open(dir, { kind: "node", walSegmentBytesMax: segmentBytesMax, ...noScrub });
      const value = Buffer.alloc(1000, 0x61);
      let largest = 0;
      try {
        for (let round = 0; round < 40; round++) {
          await Promise.all(Array.from({ length: 16 }, (_, i) => store.write([{ db: "data", key: bytes(`r${round}:${i}`), value }])));
          largest = Math.max(largest, store.stats().wal.bytes);
        }
        const { wal } = store.stats();
        assert.ok(wal.checkpoints >= 4, `${wal.checkpoints} checkpoints for ${40 * 16 * 1000} bytes logged`);
        assert.ok(largest <= 2 * segmentBytesMax + 16 * 1100, `the log reached ${largest} bytes`);
        assert.ok(listSegments(dir).length <= 2);
      } finally {
        await store.close();
      }
      assert.deepEqual(readdirSync(dir).filter((name) => name.endsWith(".log")), [], "a clean close leaves no log to replay");
      const reopened = await KVStore.open(dir, { kind: "node", ...noScrub });
      try {
        assert.equal(reopened.stats().replay.records, 0);
        assert.equal(reopened.count("data"), 40 * 16);
      } finally {
        await reopened.close();
      }
    }));
});
