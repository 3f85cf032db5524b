// The durability contract under kill -9: a child writes with many writes in flight and prints
// each write as soon as it is acknowledged; we SIGKILL it in mid-load, reopen the store, and
// check that every acknowledged write is there, whole — and that no write is there in part. The
// log's segments are small, so that checkpoints run all through the load and each kill leaves a
// log that the reopen replays.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { KVStore } from "./kv-store.js";
import { killChild, startChild, type Child } from "../../test/support/storage/child.js";
import { survivingWrites } from "../../test/support/storage/crash-workload.js";
import { withTempDir } from "../../test/support/temp-dir.js";

const crashWriter = new URL("../../test/support/storage/crash-writer.js", import.meta.url);
const ROUNDS = 3;
const IN_FLIGHT = 64;
const VALUE_BYTES = 100;
const ACKS_BEFORE_KILL = 2000;
/** Each round's child gets its own range of write numbers. */
const ROUND_STRIDE = 1_000_000;
const CHILD_TIMEOUT_MS = 10_000;
const SEGMENT_BYTES = 128 * 1024;

/** Write numbers the child acknowledged (complete lines only: a torn last line is not an ack). */
function acknowledged(child: Child): number[] {
  return child.lines.filter((line) => /^\d+$/.test(line)).map(Number);
}

describe("KVStore under kill -9", () => {
  it("keeps every acknowledged write, and no write in part, across repeated SIGKILLs", { timeout: 60_000 }, () =>
    withTempDir(async (dir) => {
      const acked: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const first = round * ROUND_STRIDE;
        const child = startChild(crashWriter, [dir, String(first), String(IN_FLIGHT), String(VALUE_BYTES), String(SEGMENT_BYTES)]);
        try {
          await child.waitForLine(() => child.lines.length >= ACKS_BEFORE_KILL, CHILD_TIMEOUT_MS);
        } finally {
          await killChild(child);
        }
        assert.equal((await child.exited).signal, "SIGKILL", `the child ended before the kill: ${child.stderr()}`);
        const roundAcks = acknowledged(child);
        acked.push(...roundAcks);

        const store = await KVStore.open(dir, { kind: "node" }); // also takes over the dead child's lock
        try {
          assert.ok(store.stats().replay.records > 0, "the kill left a log to replay");
          for (const i of acked) {
            const { present, of } = survivingWrites(store, i, VALUE_BYTES);
            assert.equal(present, of, `acknowledged write ${i}: ${present} of its ${of} operations survived`);
          }
          // Writes in flight at the kill may or may not have survived, but each one wholly or not at all.
          const issuedMax = Math.max(...roundAcks) + 2 * IN_FLIGHT;
          const roundAcked = new Set(roundAcks);
          let unackedSurvivors = 0;
          for (let i = first; i <= issuedMax; i++) {
            const { present, of } = survivingWrites(store, i, VALUE_BYTES);
            assert.ok(present === 0 || present === of, `write ${i} survived in part: ${present} of ${of} operations`);
            if (present === of && !roundAcked.has(i)) unackedSurvivors++;
          }
          assert.ok(unackedSurvivors <= IN_FLIGHT, `${unackedSurvivors} unacknowledged writes survived, more than were in flight`);
        } finally {
          await store.close();
        }
      }
      assert.ok(acked.length >= ROUNDS * ACKS_BEFORE_KILL);
    }));
});
