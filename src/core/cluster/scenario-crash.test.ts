// Crash scenarios (PROTOCOL.md, Writes 6-7): a crash is a persist whose `persisted` never comes
// plus the loss of every message in flight to or from the process; a restart starts from disk.

import assert from "node:assert/strict";
import { test } from "node:test";
import { ClusterHarness, COORDINATOR, ofType } from "../../../test/support/scenario-harness.js";

/** A SET of `key` taken up to the point where the decision is durable and the client has its OK. */
function decidedWrite(c: ClusterHarness, key: string, value: string): number {
  const id = c.set(key, value);
  c.deliver(ofType("prepare"));
  c.completePersists();
  c.deliver(ofType("vote"));
  c.completePersists(COORDINATOR);
  assert.deepEqual(c.answer(id)?.result, { kind: "set", written: true });
  return id;
}

test("crash after prepare, decided commit: the restarted participant is in doubt, inquires, applies", () => {
  const c = new ClusterHarness().start();
  const key = "k";
  const [first] = c.replicasOf(key);
  decidedWrite(c, key, "v");
  c.crashNode(first!); // its commit is lost with the crash
  c.restartNode(first!);
  assert.equal(c.nodes.get(first!)!.disk.prepared.size, 1, "the prepared record survived the crash");
  c.drop(ofType("commit", { to: first })); // the resend on reconnect is lost too: only the inquiry can resolve it
  assert.equal(c.inFlight(ofType("inquire", { from: first })).length, 1, "it inquires on reconnect");
  c.deliver(ofType("inquire"));
  assert.equal(c.inFlight(ofType("commit", { to: first })).length, 1, "the coordinator answers commit");
  c.settle();
  assert.deepEqual(c.valuesOnReplicas(key), ["v", "v"]);
  assert.equal(c.coordinatorDisk.decisions.size, 0);
});

test("crash after prepare, no decision: the restarted participant inquires and aborts", () => {
  const c = new ClusterHarness().start();
  const key = "k";
  const [first, second] = c.replicasOf(key);
  c.set(key, "old");
  c.settle();
  const id = c.set(key, "new");
  c.deliver(ofType("prepare"));
  c.completePersists(first);
  c.crashNode(first!); // its yes vote dies with it; the coordinator has not heard it
  assert.equal(c.answer(id)?.error?.code, "TRYAGAIN");
  c.completePersists(second);
  c.restartNode(first!);
  assert.equal(c.nodes.get(first!)!.disk.prepared.size, 1, "in doubt after the restart");
  c.settle();
  assert.deepEqual(c.valuesOnReplicas(key), ["old", "old"]);
  for (const node of [first!, second!]) assert.equal(c.nodes.get(node)!.disk.prepared.size, 0, `${node} resolved`);
});

test("crash before the prepared record is durable: an OK'd write is on every replica", () => {
  const c = new ClusterHarness().start();
  const key = "k";
  const [first] = c.replicasOf(key);
  const id = c.set(key, "v");
  c.deliver(ofType("prepare"));
  c.deliver(ofType("vote")); // any vote sent before its record is durable would be counted here
  c.crashNode(first!);
  c.completePersists();
  c.deliver(ofType("vote"));
  c.completePersists(COORDINATOR);
  c.restartNode(first!);
  c.settleWithTime();
  const answer = c.answer(id);
  assert.ok(answer !== undefined, "the client got an answer");
  if (answer.result !== undefined) assert.deepEqual(c.valuesOnReplicas(key), ["v", "v"], "OK means every replica holds it");
  else assert.deepEqual(c.valuesOnReplicas(key), [null, null]);
});

test("coordinator crash after the decision, before phase 2: it re-sends the commit; reads see the write at once", () => {
  const c = new ClusterHarness().start();
  const key = "k";
  decidedWrite(c, key, "v");
  c.crashNode(c.replicasOf(key)[0]!); // keeps the coordinator's lock on k busy past the restart
  c.crashCoordinator(); // every commit in flight is lost
  assert.equal(c.coordinatorDisk.decisions.size, 1);
  assert.deepEqual(c.valuesOnReplicas(key), [null, null], "no replica has applied it");
  const read = c.get(key);
  assert.deepEqual(c.values(read), ["v"], "answered from the recovered decision");
  assert.equal(c.inFlight(ofType("commit")).length, 1, "re-sent to the replica that is up");
  c.restartNode(c.replicasOf(key)[0]!);
  assert.equal(c.inFlight(ofType("commit")).length, 2, "and to the other once it is back");
  const later = c.set(key, "w");
  assert.equal(c.inFlight(ofType("prepare")).length, 0, "the recovered decision holds the key's lock");
  c.settleWithTime();
  assert.deepEqual(c.answer(later)?.result, { kind: "set", written: true });
  assert.deepEqual(c.valuesOnReplicas(key), ["w", "w"]);
  assert.equal(c.coordinatorDisk.decisions.size, 0);
});

test("coordinator crash before the decision is durable: presumed abort, the client never got OK", () => {
  const c = new ClusterHarness().start();
  const key = "k";
  c.set(key, "old");
  c.settle();
  const id = c.set(key, "new");
  c.deliver(ofType("prepare"));
  c.completePersists();
  c.deliver(ofType("vote"));
  assert.equal(c.coordinatorPersists.length, 1, "the decision is on its way to disk");
  assert.equal(c.answer(id), undefined, "no answer before it is durable");
  c.crashCoordinator();
  assert.equal(c.answer(id), undefined, "the client never got OK");
  assert.equal(c.inFlight(ofType("inquire")).length, 2, "both in-doubt participants inquire on reconnect");
  c.settle();
  assert.deepEqual(c.valuesOnReplicas(key), ["old", "old"]);
  for (const node of c.replicasOf(key)) assert.equal(c.nodes.get(node)!.disk.prepared.size, 0);
  const read = c.get(key);
  c.settle();
  assert.deepEqual(c.values(read), ["old"]);
});

test("a restarted coordinator uses a new epoch: no txid of the old run is reused", () => {
  const c = new ClusterHarness().start();
  c.set("k", "v");
  const before = c.inFlight(ofType("prepare"))[0]!.message;
  c.crashCoordinator();
  c.settle();
  c.set("k", "w");
  const after = c.inFlight(ofType("prepare"))[0]!.message;
  assert.ok(before.type === "prepare" && after.type === "prepare");
  assert.notEqual(before.txid, after.txid);
  assert.equal(after.txid.split(".")[0], String(c.coordinatorDisk.epoch));
});
