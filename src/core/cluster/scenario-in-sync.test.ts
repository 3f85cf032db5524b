// In-sync replicas and catch-up (PROTOCOL.md, In-sync replicas): a replica down too long leaves the
// in-sync sets (durably) and writes go on without it; below W they fail fast saying why; a
// returning replica catches up (applies and a scan stream) and rejoins behind a brief fence.

import assert from "node:assert/strict";
import { test } from "node:test";
import { bytes, ClusterHarness, COORDINATOR, ofType } from "../../../test/support/scenario-harness.js";

const TIMEOUT_TICKS = 50;

function cluster(): ClusterHarness {
  return new ClusterHarness({ coordinator: { replicas: 3, minInSync: 2, replicaTimeoutTicks: TIMEOUT_TICKS } }).start();
}

/** The in-sync members of the key's partition, sorted. */
const inSyncOf = (c: ClusterHarness, key: string) => [...c.coordinator.partitionStates()[c.coordinator.locate(bytes(key)).partition]!.inSync].sort();

/** Lets the replica timeout pass with everything delivered and persisted along the way. */
function waitOutTimeout(c: ClusterHarness): void {
  for (let waited = 0; waited <= TIMEOUT_TICKS + 30; waited += 10) {
    c.advance(10);
    c.settle();
  }
}

test("a replica down: writes fail fast naming the partition and W, then the in-sync set shrinks durably and writes go on", () => {
  const c = cluster();
  c.crashNode("n3");
  const early = c.set("k", "v1");
  assert.equal(c.answer(early)?.error?.code, "TRYAGAIN");
  assert.match(c.answer(early)!.error!.message, /partition \d+ of key "k": in-sync replica n3 .* is down; writes to it resume when it returns or leaves the in-sync set/);
  c.advance(TIMEOUT_TICKS + c.coordinator.config.heartbeatTicks); // the shrink is looked for every heartbeat
  const inSyncRecord = c.coordinatorPersists.find((persist) => persist.records.some((record) => record.type === "inSync"));
  assert.ok(inSyncRecord, "the shrink is a record to persist");
  const whilePersisting = c.set("k", "v1");
  assert.equal(c.answer(whilePersisting)?.error?.code, "TRYAGAIN", "no write counts on the smaller set before it is durable");
  c.settle();
  assert.deepEqual(inSyncOf(c, "k"), ["n1", "n2"]);
  assert.ok([...c.coordinatorDisk.inSync.values()].every((record) => !record.members.includes("n3")));
  const ok = c.set("k", "v2");
  c.settle();
  assert.deepEqual(c.answer(ok)?.result, { kind: "set", written: true });
  assert.deepEqual(["n1", "n2"].map((node) => c.valueOn(node, "k")), ["v2", "v2"], "on W = 2 disks");
  assert.equal(c.coordinator.view().underReplicatedPartitions, c.coordinator.view().placement.partitions);
});

test("below W the set does not shrink: writes keep failing fast, saying that too few in-sync replicas would remain", () => {
  const c = cluster();
  c.crashNode("n3");
  waitOutTimeout(c);
  c.crashNode("n2");
  waitOutTimeout(c);
  assert.deepEqual(inSyncOf(c, "k"), ["n1", "n2"]);
  const refused = c.set("k", "v");
  assert.match(c.answer(refused)!.error!.message, /only 1 in-sync replica would remain, fewer than the 2 required \(--min-in-sync\)/);
});

test("a decided write waiting for the down replica's ack frees its key once the replica leaves the in-sync set", () => {
  const c = cluster();
  const first = c.set("k", "v1");
  c.deliver(ofType("prepare"));
  c.completePersists();
  c.deliver(ofType("vote"));
  c.completePersists(COORDINATOR);
  assert.deepEqual(c.answer(first)?.result, { kind: "set", written: true });
  c.crashNode("n3"); // before it applied the commit
  c.deliver(ofType("commit"));
  c.completePersists();
  c.deliver(ofType("ack"));
  assert.equal(c.coordinator.view().decisionsUnacknowledged, 1, "still waiting for n3");
  waitOutTimeout(c);
  assert.equal(c.coordinator.view().lockedKeys, 0, "n3 was excused: the key is free");
  const next = c.set("k", "v2");
  c.settle();
  assert.deepEqual(c.answer(next)?.result, { kind: "set", written: true });
});

test("a returning replica catches up on what it missed (writes and deletions), rejoins, and is read from again", () => {
  const c = cluster();
  for (const key of ["a", "b", "gone"]) c.set(key, "before");
  c.settleWithTime();
  c.crashNode("n3");
  waitOutTimeout(c);
  c.set("a", "after");
  c.request({ kind: "del", keys: [bytes("gone")] });
  c.request({ kind: "mset", pairs: [[bytes("c"), bytes("new")], [bytes("b"), bytes("after")]] });
  c.settleWithTime();
  c.restartNode("n3");
  assert.ok(c.coordinator.view().catchUps.some((catchUp) => catchUp.node === "n3"), "n3 is learning");
  c.settleWithTime();
  waitOutTimeout(c);
  assert.deepEqual(c.coordinator.view().catchUps, []);
  assert.equal(c.coordinator.view().underReplicatedPartitions, 0);
  for (const [key, value] of [["a", "after"], ["b", "after"], ["c", "new"], ["gone", null]] as const) {
    assert.deepEqual(c.valuesOnReplicas(key), [value, value, value], key);
  }
  assert.equal(c.nodes.get("n3")!.disk.versions.has("gone"), true, "the deletion reached it as a tombstone");
});

test("a write that arrives while a learner rejoins waits behind the fence, then prepares on the learner too", () => {
  const c = cluster();
  c.set("k", "v0");
  c.settleWithTime();
  c.crashNode("n3");
  waitOutTimeout(c);
  c.restartNode("n3");
  const decided = c.set("k", "v1"); // decided while n3 learns: it gets an apply
  const notApplied = (envelope: { message: { type: string } }) => envelope.message.type !== "applied";
  for (let round = 0; round < 50 && c.deliver(notApplied) + c.completePersists() > 0; round += 1);
  assert.deepEqual(c.answer(decided)?.result, { kind: "set", written: true });
  c.advance(1); // the stream is done: the fence goes up, the learner's apply is still unconfirmed
  const waiting = c.set("k", "v2");
  assert.equal(c.answer(waiting), undefined, "queued behind the fence, not refused");
  assert.deepEqual(c.inFlight(ofType("prepare")), []);
  assert.deepEqual(inSyncOf(c, "k"), ["n1", "n2"], "the learner is not in sync before its apply is confirmed");
  c.deliver(ofType("applied"));
  c.advance(1);
  c.completePersists(COORDINATOR);
  assert.deepEqual(inSyncOf(c, "k"), ["n1", "n2", "n3"]);
  assert.deepEqual(c.inFlight(ofType("prepare")).map((envelope) => envelope.to).sort(), ["n1", "n2", "n3"]);
  c.settleWithTime();
  assert.deepEqual(c.answer(waiting)?.result, { kind: "set", written: true });
  assert.deepEqual(c.valuesOnReplicas("k"), ["v2", "v2", "v2"]);
});

test("a fence that does not drain is lifted within fenceTicks (the waiting write goes on), and raised again until the learner joins", () => {
  const FENCE_TICKS = 3;
  const c = new ClusterHarness({ coordinator: { replicas: 3, minInSync: 2, replicaTimeoutTicks: TIMEOUT_TICKS, fenceTicks: FENCE_TICKS } }).start();
  c.set("k", "v0");
  c.settleWithTime();
  c.crashNode("n3");
  waitOutTimeout(c);
  c.restartNode("n3");
  const decided = c.set("k", "v1"); // decided while n3 learns: its apply is held back below
  const notApplied = (envelope: { message: { type: string } }) => envelope.message.type !== "applied";
  const settleHoldingApplies = () => { for (let round = 0; round < 50 && c.deliver(notApplied) + c.completePersists() > 0; round += 1); };
  settleHoldingApplies();
  assert.deepEqual(c.answer(decided)?.result, { kind: "set", written: true });
  c.advance(1); // the stream is done: the fence goes up and cannot drain (the apply is unconfirmed)
  const waiting = c.set("k", "v2");
  assert.deepEqual(c.inFlight(ofType("prepare")), [], "held by the fence at first");
  c.advance(FENCE_TICKS);
  settleHoldingApplies();
  assert.deepEqual(c.answer(waiting)?.result, { kind: "set", written: true }, "the fence was lifted: the write went on without the learner");
  assert.deepEqual(inSyncOf(c, "k"), ["n1", "n2"], "the learner is not in sync: its applies are unconfirmed");
  c.drop(ofType("applied"));
  // The applies are resent and confirmed now: a later fence drains and the learner joins.
  for (let waited = 0; waited < 200 && inSyncOf(c, "k").length < 3; waited += 10) {
    c.advance(10);
    c.settle();
  }
  assert.deepEqual(inSyncOf(c, "k"), ["n1", "n2", "n3"]);
  c.settleWithTime();
  assert.deepEqual(c.valuesOnReplicas("k"), ["v2", "v2", "v2"]);
});

test("tombstones stay while a replica is out of sync, and are collected once every replica has them", () => {
  const c = new ClusterHarness({ coordinator: { replicas: 3, minInSync: 2, replicaTimeoutTicks: TIMEOUT_TICKS, tombstoneCollectTicks: 100 } }).start();
  c.set("gone", "v");
  c.settleWithTime();
  c.crashNode("n3");
  waitOutTimeout(c);
  c.request({ kind: "del", keys: [bytes("gone")] });
  c.settleWithTime();
  const tombstoneOn = (node: string) => c.nodes.get(node)!.disk.versions.has("gone");
  for (let waited = 0; waited < 300; waited += 10) { c.advance(10); c.settle(); }
  assert.deepEqual(["n1", "n2"].map(tombstoneOn), [true, true], "kept: n3 has not got it yet");
  assert.equal(c.valueOn("n3", "gone"), "v");
  c.restartNode("n3");
  c.settleWithTime();
  waitOutTimeout(c);
  assert.equal(c.coordinator.view().underReplicatedPartitions, 0);
  for (let waited = 0; waited < 300; waited += 10) { c.advance(10); c.settle(); }
  assert.deepEqual(["n1", "n2", "n3"].map(tombstoneOn), [false, false, false], "collected everywhere");
  assert.deepEqual(c.valuesOnReplicas("gone"), [null, null, null]);
});
