// Scenarios of one-phase commit (PROTOCOL.md, One-phase commit): a transaction whose keys all live
// on one participant commits with one message and one durable record, the participant's.

import assert from "node:assert/strict";
import { test } from "node:test";
import { bytes, ClusterHarness, COORDINATOR, ofType } from "../../../test/support/scenario-harness.js";

/** R = 1: every key has one replica; a first write seals the membership (by 2PC, which logs it). */
function cluster(): ClusterHarness {
  const c = new ClusterHarness({ coordinator: { replicas: 1, minNodes: 3 } }).start();
  c.set("seal", "v");
  c.settle();
  return c;
}

test("a SET on one participant: commitOne, the participant's record, its yes vote, the answer; nothing logged", () => {
  const c = cluster();
  const id = c.set("k", "v1");
  assert.equal(c.inFlight(ofType("prepare")).length, 0);
  assert.equal(c.inFlight(ofType("commitOne")).length, 1);
  c.deliver(ofType("commitOne"));
  const node = c.replicasOf("k")[0]!;
  assert.equal(c.inFlight(ofType("vote")).length, 0, "no vote before the write is durable");
  assert.equal(c.valueOn(node, "k"), null);
  c.completePersists(node);
  assert.equal(c.valueOn(node, "k"), "v1");
  c.deliver(ofType("vote"));
  assert.deepEqual(c.answer(id)?.result, { kind: "set", written: true });
  assert.equal(c.coordinatorPersists.length, 0, "the coordinator wrote nothing");
  const read = c.get("k");
  c.settle();
  assert.deepEqual(c.values(read), ["v1"]);
});

test("a lost vote: the commit is re-sent, applied once, and the answer comes", () => {
  const c = cluster();
  const id = c.set("k", "v1");
  const node = c.replicasOf("k")[0]!;
  c.deliver(ofType("commitOne"));
  c.completePersists(node);
  assert.equal(c.drop(ofType("vote")), 1);
  c.advance(c.coordinator.config.resendTicks);
  assert.equal(c.inFlight(ofType("commitOne")).length, 1, "re-sent");
  c.settle();
  assert.deepEqual(c.answer(id)?.result, { kind: "set", written: true });
  assert.equal(c.valueOn(node, "k"), "v1");
});

test("the participant crashes after its record is durable, before its vote: after it returns the re-sent commit finds it applied", () => {
  const c = cluster();
  const first = c.set("k", "v1");
  const node = c.replicasOf("k")[0]!;
  c.deliver(ofType("commitOne"));
  c.completePersists(node);
  c.drop(ofType("vote"));
  c.crashNode(node);
  c.restartNode(node);
  c.settleWithTime();
  assert.deepEqual(c.answer(first)?.result, { kind: "set", written: true });
  assert.equal(c.valueOn(node, "k"), "v1");
  const second = c.set("k", "v2");
  c.settle();
  assert.deepEqual(c.answer(second)?.result, { kind: "set", written: true });
  assert.equal(c.valueOn(node, "k"), "v2");
});

test("the participant crashes before its record is durable: nothing applied, the re-sent commit applies it once it is back", () => {
  const c = cluster();
  const id = c.set("k", "v1");
  const node = c.replicasOf("k")[0]!;
  c.deliver(ofType("commitOne"));
  c.crashNode(node);
  assert.equal(c.valueOn(node, "k"), null);
  c.restartNode(node);
  c.settleWithTime();
  assert.deepEqual(c.answer(id)?.result, { kind: "set", written: true });
  assert.equal(c.valueOn(node, "k"), "v1");
});

test("an MSET over keys on several nodes still runs two-phase commit", () => {
  const c = cluster();
  const keys = ["a", "b", "c", "d", "e"];
  assert.ok(new Set(keys.map((key) => c.replicasOf(key)[0])).size > 1);
  const id = c.request({ kind: "mset", pairs: keys.map((key) => [bytes(key), bytes("x")]) });
  assert.ok(c.inFlight(ofType("prepare")).length > 1);
  assert.equal(c.inFlight(ofType("commitOne")).length, 0);
  c.settle();
  assert.deepEqual(c.answer(id)?.result, { kind: "ok" });
  assert.ok(c.coordinatorDisk.decisions.size === 0);
  assert.equal(COORDINATOR, "coordinator");
});

test("while the participant may have applied a one-phase write unseen, the cache answers nothing of its keys", () => {
  const c = cluster();
  c.set("k", "old");
  c.settle();
  const warm = c.get("k");
  c.settle();
  assert.deepEqual(c.values(warm), ["old"]);
  c.set("k", "new");
  c.deliver(ofType("commitOne"));
  c.completePersists(c.replicasOf("k")[0]!); // applied; its vote is still on the way
  const read = c.get("k");
  assert.equal(c.answer(read), undefined, "not answered from the cache");
  c.deliver(ofType("read"));
  c.deliver(ofType("readReply"));
  assert.deepEqual(c.values(read), ["new"]);
});
