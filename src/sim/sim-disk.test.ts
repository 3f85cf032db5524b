import { test } from "node:test";
import assert from "node:assert/strict";
import { keyString } from "../core/cluster/key-string.js";
import type { ParticipantRecord } from "../core/cluster/types.js";
import {
  SimDisk, applyCoordinatorRecords, applyParticipantRecords, emptyCoordinatorDurable, emptyParticipantDurable,
  type ParticipantDurable,
} from "./sim-disk.js";
import { textToBytes } from "./trace.js";

const bytes = textToBytes;
const key = (text: string): string => keyString(bytes(text));

function participantDisk(): SimDisk<ParticipantRecord, ParticipantDurable> {
  return new SimDisk(emptyParticipantDurable(), applyParticipantRecords, 100);
}

test("a batch is durable only once synced, and syncs complete in write order", () => {
  const disk = participantDisk();
  const first = disk.write(1, [{ type: "prepared", txid: "1.1", writes: [{ key: bytes("a"), value: bytes("x") }] }], 0, 500);
  const second = disk.write(2, [{ type: "prepared", txid: "1.2", writes: [] }], 100, 50);
  assert.equal(first, 500);
  assert.equal(second, 500); // a faster sync still waits for the earlier one
  assert.equal(disk.durable.prepared.size, 0);
  assert.equal(disk.sync(2), false); // not the oldest
  assert.equal(disk.sync(1), true);
  assert.deepEqual([...disk.durable.prepared.keys()], ["1.1"]);
  assert.equal(disk.sync(2), true);
  assert.equal(disk.pendingBatches, 0);
});

test("committed applies writes and drops the prepared record in one batch; aborted only drops", () => {
  const disk = participantDisk();
  const writes = [{ key: bytes("a"), value: bytes("x") }, { key: bytes("b"), value: null }];
  disk.write(1, [{ type: "prepared", txid: "1.1", writes }, { type: "prepared", txid: "1.2", writes: [] }], 0, 1);
  disk.sync(1);
  disk.durable.data.set(key("b"), bytes("old"));
  disk.write(2, [{ type: "committed", txid: "1.1", writes }, { type: "aborted", txid: "1.2" }], 0, 1);
  disk.sync(2);
  assert.deepEqual(disk.durable.data.get(key("a")), bytes("x"));
  assert.equal(disk.durable.data.has(key("b")), false);
  assert.equal(disk.durable.versions.get(key("a")), "1.1", "a write keeps its version");
  assert.equal(disk.durable.versions.get(key("b")), "1.1", "a deletion leaves a tombstone: its version");
  assert.equal(disk.durable.prepared.size, 0);
  assert.equal(disk.durable.overwritten.get(key("a")), undefined);
  assert.deepEqual(disk.durable.overwritten.get(key("b")), bytes("old"));
});

test("a crash loses unsynced batches whole, or keeps a prefix of them whole", () => {
  const write = (disk: ReturnType<typeof participantDisk>): void => {
    for (let token = 1; token <= 3; token += 1) disk.write(token, [{ type: "prepared", txid: `1.${token}`, writes: [] }], 0, 10);
  };
  const lostAll = participantDisk();
  write(lostAll);
  assert.deepEqual(lostAll.crash(() => false), { survived: 0, lost: 3 });
  assert.equal(lostAll.durable.prepared.size, 0);
  assert.equal(lostAll.sync(1), false); // the sync of a lost batch never completes

  const keptTwo = participantDisk();
  write(keptTwo);
  let asked = 0;
  assert.deepEqual(keptTwo.crash(() => ++asked <= 2), { survived: 2, lost: 1 });
  assert.deepEqual([...keptTwo.durable.prepared.keys()], ["1.1", "1.2"]);
});

test("the coordinator's records: epoch, latest members, decisions until forgotten", () => {
  const disk = new SimDisk(emptyCoordinatorDurable(), applyCoordinatorRecords, 10);
  const placement = { partitions: 16, vnodesPerNode: 4, replicas: 2 };
  disk.write(1, [
    { type: "epoch", epoch: 3 },
    { type: "members", members: [{ id: "n1", address: "sim:n1", incarnation: "sim:n1" }], sealed: false, placement },
    { type: "members", members: [{ id: "n1", address: "sim:n1", incarnation: "sim:n1" }, { id: "n2", address: "sim:n2", incarnation: "sim:n2" }], sealed: true, placement },
    { type: "decision", txid: "3.1", participants: ["n1"], writes: [] },
    { type: "decision", txid: "3.2", participants: ["n2"], writes: [] },
    { type: "forget", txid: "3.1" },
  ], 0, 1);
  disk.sync(1);
  assert.equal(disk.durable.epoch, 3);
  assert.equal(disk.durable.members.length, 2);
  assert.equal(disk.durable.sealed, true);
  assert.deepEqual(disk.durable.placement, placement);
  assert.deepEqual([...disk.durable.decisions.keys()], ["3.2"]);
});

test("too many unsynced batches is a runaway", () => {
  const disk = new SimDisk(emptyCoordinatorDurable(), applyCoordinatorRecords, 1);
  disk.write(1, [], 0, 1);
  assert.throws(() => disk.write(2, [], 0, 1), /more than 1 batches/);
});

test("a deletion keeps its version; entries put values and tombstones at their versions", () => {
  const disk = participantDisk();
  disk.write(1, [{ type: "committed", txid: "2.1", writes: [{ key: bytes("a"), value: null }] }], 0, 1);
  disk.write(2, [{ type: "entries", entries: [{ key: bytes("b"), version: "1.9", value: bytes("v") }, { key: bytes("c"), version: "1.8", value: null }] }], 0, 1);
  disk.sync(1);
  disk.sync(2);
  assert.equal(disk.durable.versions.get(key("a")), "2.1");
  assert.equal(disk.durable.data.has(key("a")), false);
  assert.deepEqual(disk.durable.data.get(key("b")), bytes("v"));
  assert.deepEqual([disk.durable.versions.get(key("c")), disk.durable.data.has(key("c"))], ["1.8", false]);
});
