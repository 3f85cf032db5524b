// Duplicated, reordered, lost and late messages (PROTOCOL.md, Idempotence).

import assert from "node:assert/strict";
import { test } from "node:test";
import { bytes, ClusterHarness, COORDINATOR, ofType, type Envelope } from "../../../test/support/scenario-harness.js";

function cluster(options: ConstructorParameters<typeof ClusterHarness>[0] = {}): ClusterHarness {
  return new ClusterHarness(options).start();
}

test("duplicated prepares and votes: one prepared record per node, one answer, one value", () => {
  const c = cluster();
  const id = c.set("k", "v");
  c.duplicate(ofType("prepare"));
  c.deliver(ofType("prepare"));
  for (const node of c.replicasOf("k")) assert.equal(c.nodes.get(node)!.pendingPersists.length, 1, "a duplicate while persisting is not persisted again");
  c.completePersists();
  c.duplicate(ofType("vote"));
  c.deliver(ofType("vote"));
  assert.equal(c.coordinatorPersists.length, 1, "one decision");
  c.settle();
  assert.deepEqual(c.answer(id)?.result, { kind: "set", written: true });
  assert.deepEqual(c.valuesOnReplicas("k"), ["v", "v"]);
});

test("duplicated and reordered commits and acks change nothing more", () => {
  const c = cluster();
  c.set("k", "v1");
  c.deliver(ofType("prepare"));
  c.completePersists();
  c.deliver(ofType("vote"));
  c.completePersists(COORDINATOR);
  const commits = c.inFlight(ofType("commit"));
  c.duplicate(ofType("commit"));
  c.network.reverse();
  c.deliver(ofType("commit"));
  c.completePersists();
  c.duplicate(ofType("ack"));
  c.network.reverse();
  c.settle();
  assert.deepEqual(c.valuesOnReplicas("k"), ["v1", "v1"]);
  c.set("k", "v2");
  c.settle();
  // A stale commit of the first transaction arriving now must not undo the second.
  c.network.push(...commits);
  c.settle();
  assert.deepEqual(c.valuesOnReplicas("k"), ["v2", "v2"]);
});

test("a late yes vote after a timeout abort is answered with abort, and the voter lets go", () => {
  const c = cluster();
  const [first, second] = c.replicasOf("k");
  const id = c.set("k", "v");
  c.deliver(ofType("prepare"));
  c.completePersists(first);
  c.deliver(ofType("vote"));
  c.advance(c.coordinator.config.prepareTimeoutTicks);
  assert.equal(c.answer(id)?.error?.code, "TRYAGAIN");
  assert.match(c.answer(id)!.error!.message, new RegExp(`no vote from ${second}`));
  c.drop(ofType("abort", { to: second })); // lost
  c.completePersists(second); // its record becomes durable late; it votes yes
  assert.equal(c.inFlight(ofType("vote", { from: second })).length, 1);
  c.deliver(ofType("vote"));
  assert.equal(c.inFlight(ofType("abort", { to: second })).length, 1, "the late vote gets an abort");
  c.settle();
  for (const node of [first!, second!]) assert.equal(c.nodes.get(node)!.disk.prepared.size, 0);
  assert.deepEqual(c.valuesOnReplicas("k"), [null, null]);
});

test("a duplicated prepare after the commit is refused and locks nothing", () => {
  const c = cluster();
  const [first] = c.replicasOf("k");
  c.set("k", "v1");
  const prepare = c.inFlight(ofType("prepare", { to: first }))[0]!;
  c.settle();
  c.network.push(prepare);
  c.deliver();
  const vote = c.inFlight(ofType("vote"))[0]?.message;
  assert.ok(vote?.type === "vote" && !vote.yes && /already finished/.test(vote.reason));
  assert.equal(c.nodes.get(first!)!.machine.preparedCount, 0);
  c.settle();
  const id = c.set("k", "v2");
  c.settle();
  assert.deepEqual(c.answer(id)?.result, { kind: "set", written: true });
  assert.deepEqual(c.valuesOnReplicas("k"), ["v2", "v2"]);
});

test("an abort that overtakes its prepare: the late prepare is refused, nothing stays locked", () => {
  const c = cluster();
  const [first, second] = c.replicasOf("k");
  const id = c.set("k", "v", {});
  c.deliver(ofType("prepare", { to: first }));
  c.completePersists(first);
  c.deliver(ofType("vote"));
  c.advance(c.coordinator.config.prepareTimeoutTicks);
  assert.equal(c.answer(id)?.error?.code, "TRYAGAIN");
  // The prepare to the second replica was delayed (and re-sent); the abort gets there first.
  const prepares = c.inFlight(ofType("prepare", { to: second }));
  assert.ok(prepares.length >= 1);
  c.deliver(ofType("abort"));
  c.completePersists();
  c.deliver((e: Envelope) => prepares.includes(e));
  const vote = c.inFlight(ofType("vote", { from: second }))[0]?.message;
  assert.ok(vote?.type === "vote" && !vote.yes, "refused");
  assert.equal(c.nodes.get(second!)!.machine.preparedCount, 0);
  c.settle();
  const later = c.set("k", "w");
  c.settle();
  assert.deepEqual(c.answer(later)?.result, { kind: "set", written: true });
});

test("lost prepares, votes, commits and acks are re-sent until the write completes", () => {
  const c = cluster();
  const id = c.set("k", "v");
  const resend = () => c.advance(c.coordinator.config.resendTicks);
  assert.equal(c.drop(ofType("prepare")), 2);
  resend();
  assert.equal(c.deliver(ofType("prepare")), 2, "prepares re-sent");
  c.completePersists();
  assert.equal(c.drop(ofType("vote")), 2);
  resend();
  assert.equal(c.deliver(ofType("prepare")), 2, "prepares re-sent while votes are missing");
  assert.equal(c.deliver(ofType("vote")), 2, "prepared participants vote again");
  c.completePersists(COORDINATOR);
  assert.deepEqual(c.answer(id)?.result, { kind: "set", written: true });
  assert.equal(c.drop(ofType("commit")), 2);
  resend();
  assert.equal(c.deliver(ofType("commit")), 2, "commits re-sent");
  c.completePersists();
  assert.equal(c.drop(ofType("ack")), 2);
  resend();
  assert.equal(c.deliver(ofType("commit")), 2, "commits re-sent while acks are missing");
  assert.equal(c.deliver(ofType("ack")), 2, "a commit already applied is acknowledged again");
  c.settle();
  assert.deepEqual(c.valuesOnReplicas("k"), ["v", "v"]);
  assert.equal(c.coordinatorDisk.decisions.size, 0);
  assert.equal(c.coordinator.view().lockedKeys, 0);
});

test("a vote for a transaction the coordinator never heard of is answered with abort", () => {
  const c = cluster();
  const [first] = c.replicasOf("k");
  c.network.push({ from: COORDINATOR, to: first!, connection: c.nodes.get(first!)!.connection, message: { type: "prepare", txid: "0.42", writes: [{ key: bytes("k"), value: bytes("ghost") }], wantValues: false } });
  c.deliver();
  c.completePersists();
  c.deliver(ofType("vote"));
  assert.equal(c.inFlight(ofType("abort", { to: first })).length, 1);
  c.settle();
  assert.equal(c.nodes.get(first!)!.disk.prepared.size, 0);
  assert.equal(c.valueOn(first!, "k"), null);
});

test("a node whose connection is replaced gets its outstanding prepare and commit again at once", () => {
  const c = cluster();
  const [first] = c.replicasOf("k");
  const id = c.set("k", "v");
  c.reconnectNode(first!); // the prepare on the old connection is lost
  assert.equal(c.inFlight(ofType("prepare", { to: first })).length, 1, "re-sent without waiting for resendTicks");
  c.deliver(ofType("prepare"));
  c.completePersists();
  c.deliver(ofType("vote"));
  c.completePersists(COORDINATOR);
  assert.deepEqual(c.answer(id)?.result, { kind: "set", written: true });
  c.reconnectNode(first!); // the commit is lost
  assert.equal(c.inFlight(ofType("commit", { to: first })).length, 1);
  c.settle();
  assert.deepEqual(c.valuesOnReplicas("k"), ["v", "v"]);
});
