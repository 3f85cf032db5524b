// Reads through the coordinator (PROTOCOL.md, Reads): from a pending decision, the cache, or a
// live replica, with failover, and a cache that a racing write never leaves stale.

import assert from "node:assert/strict";
import { test } from "node:test";
import { bytes, ClusterHarness, COORDINATOR, ofType } from "../../../test/support/scenario-harness.js";

function settledCluster(values: Record<string, string>): ClusterHarness {
  const c = new ClusterHarness().start();
  for (const [key, value] of Object.entries(values)) c.set(key, value);
  c.settle();
  c.crashCoordinator(); // a fresh coordinator: empty cache, every read goes to a replica
  c.settle();
  return c;
}

test("a read misses the cache, reads one replica, then hits the cache", () => {
  const c = settledCluster({ k: "v" });
  const first = c.get("k", "absent");
  assert.equal(c.inFlight(ofType("read")).length >= 1, true);
  c.settle();
  assert.deepEqual(c.values(first), ["v", null]);
  const second = c.get("k");
  assert.equal(c.inFlight(ofType("read")).length, 0, "served from the cache");
  assert.deepEqual(c.values(second), ["v"]);
});

test("a missing key's absence is cached like a value, and a durable write of the key drops it", () => {
  const c = settledCluster({});
  const first = c.get("k");
  assert.equal(c.inFlight(ofType("read")).length, 1);
  c.settle();
  assert.deepEqual(c.values(first), [null]);
  const second = c.get("k");
  assert.equal(c.inFlight(ofType("read")).length, 0, "its absence is served from the cache");
  assert.deepEqual(c.values(second), [null]);
  c.set("k", "v");
  c.settle();
  const afterSet = c.get("k");
  assert.equal(c.inFlight(ofType("read")).length, 1, "the decision dropped the cached absence: read again");
  c.settle();
  assert.deepEqual(c.values(afterSet), ["v"]);
  assert.deepEqual(c.values(c.get("k")), ["v"]);
  assert.equal(c.inFlight(ofType("read")).length, 0, "the replica's answer is cached");
  c.request({ kind: "del", keys: [bytes("k")] });
  c.settle();
  const afterDel = c.get("k");
  assert.equal(c.inFlight(ofType("read")).length, 1, "the DEL dropped the cached value");
  c.settle();
  assert.deepEqual(c.values(afterDel), [null]);
});

test("a replica's 'absent' answer that a SET raced is ignored: it is neither answered nor cached", () => {
  const c = settledCluster({});
  const read = c.get("k");
  c.deliver(ofType("read")); // the replica answers "absent" ...
  const reply = c.inFlight(ofType("readReply"));
  c.network = c.network.filter((e) => !reply.includes(e)); // ... slowly
  c.set("k", "v");
  c.settle();
  assert.deepEqual(c.values(read), ["v"]);
  c.network.push(...reply);
  c.settle();
  const after = c.get("k");
  assert.equal(c.inFlight(ofType("read")).length, 1, "nothing cached for k: the stale absence was dropped");
  c.settle();
  assert.deepEqual(c.values(after), ["v"]);
});

test("EXISTS counts a key named twice twice", () => {
  const c = settledCluster({ a: "1", b: "2" });
  const id = c.request({ kind: "exists", keys: [bytes("a"), bytes("a"), bytes("nope"), bytes("b")] });
  c.settle();
  assert.deepEqual(c.answer(id)?.result, { kind: "count", count: 3 });
});

test("a write decided but not yet applied is read from the decision", () => {
  const c = settledCluster({ k: "old" });
  c.set("k", "new");
  c.deliver(ofType("prepare"));
  c.completePersists();
  c.deliver(ofType("vote"));
  const during = c.get("k");
  c.deliver(ofType("read"));
  c.deliver(ofType("readReply"));
  assert.deepEqual(c.values(during), ["old"], "undecided: the value before it");
  c.completePersists(COORDINATOR);
  c.settle();
  c.set("k", "newer");
  c.deliver(ofType("prepare"));
  c.completePersists();
  c.deliver(ofType("vote"));
  c.completePersists(COORDINATOR);
  const decided = c.get("k");
  assert.deepEqual(c.values(decided), ["newer"], "answered at once, from the decision");
  assert.deepEqual(c.valuesOnReplicas("k"), ["new", "new"], "the replicas still hold the older value");
});

test("a read in flight when a decision on its key becomes durable answers with the decision; the late replica answer is ignored", () => {
  const c = settledCluster({ k: "v1" });
  const read = c.get("k");
  c.deliver(ofType("read")); // the replica answers from v1 ...
  const reply = c.inFlight(ofType("readReply"));
  c.network = c.network.filter((e) => !reply.includes(e)); // ... and the answer is slow
  c.set("k", "v2");
  c.settle(); // the write is decided, applied everywhere and forgotten
  assert.deepEqual(c.values(read), ["v2"], "answered when the decision became durable");
  c.network.push(...reply);
  c.settle();
  const after = c.get("k");
  c.settle();
  assert.deepEqual(c.values(after), ["v2"], "the stale answer v1 was not cached");
});

test("an MGET concurrent with a cross-node MSET never sees it half applied", () => {
  const c = settledCluster({});
  const a = c.keyOn(["n1", "n2"]);
  const b = c.keyOn(["n2", "n3"]);
  c.request({ kind: "mset", pairs: [[bytes(a), bytes("A1")], [bytes(b), bytes("B1")]] });
  c.settle();
  c.crashCoordinator(); // empty cache: the MGET goes to replicas
  c.settle();
  c.request({ kind: "mset", pairs: [[bytes(a), bytes("A2")], [bytes(b), bytes("B2")]] });
  c.deliver(ofType("prepare"));
  c.completePersists();
  c.deliver(ofType("vote"));
  const read = c.get(a, b);
  const readOfA = c.inFlight((e) => e.message.type === "read" && e.message.keys.some((key) => new TextDecoder().decode(key) === a));
  c.deliver((e) => readOfA.includes(e)); // a is read before the MSET is decided ...
  const slowReplyOfA = c.inFlight(ofType("readReply"));
  c.network = c.network.filter((e) => !slowReplyOfA.includes(e));
  c.completePersists(COORDINATOR); // ... the MSET is decided ...
  c.deliver(ofType("commit"));
  c.completePersists(); // ... and applied, then b is read
  c.settle();
  c.network.push(...slowReplyOfA);
  c.settle();
  assert.deepEqual(c.values(read), ["A2", "B2"]);
});

test("a read that times out is retried on the next replica", () => {
  const c = settledCluster({ k: "v" });
  const [first, second] = [...c.replicasOf("k")];
  const id = c.get("k");
  const to = c.inFlight(ofType("read"))[0]!.to;
  c.drop(ofType("read"));
  c.advance(c.coordinator.config.readTimeoutTicks);
  const retry = c.inFlight(ofType("read"));
  assert.equal(retry.length, 1);
  assert.equal(retry[0]!.to, to === first ? second : first, "the other replica");
  c.settle();
  assert.deepEqual(c.values(id), ["v"]);
});

test("a read sent on a connection that is replaced goes out again at once", () => {
  const c = settledCluster({ k: "v" });
  const id = c.get("k");
  const to = c.inFlight(ofType("read"))[0]!.to;
  c.reconnectNode(to); // the read on the old connection is lost
  assert.equal(c.inFlight(ofType("read")).length, 1, "sent again without waiting for readTimeoutTicks");
  c.settle();
  assert.deepEqual(c.values(id), ["v"]);
});

test("a late answer from a timed-out replica still answers the read", () => {
  const c = settledCluster({ k: "v" });
  const id = c.get("k");
  c.deliver(ofType("read"));
  const slow = c.inFlight(ofType("readReply"));
  c.network = [];
  c.advance(c.coordinator.config.readTimeoutTicks);
  c.drop(ofType("read")); // the retry is lost
  c.network.push(...slow);
  c.settle();
  assert.deepEqual(c.values(id), ["v"]);
});

test("a read out to a node that goes down moves to another replica at once", () => {
  const c = settledCluster({ k: "v" });
  const id = c.get("k");
  const to = c.inFlight(ofType("read"))[0]!.to;
  c.crashNode(to);
  const retry = c.inFlight(ofType("read"));
  assert.equal(retry.length, 1);
  assert.notEqual(retry[0]!.to, to);
  c.settle();
  assert.deepEqual(c.values(id), ["v"]);
});

test("no replica up: TRYAGAIN naming them", () => {
  const c = settledCluster({});
  const key = c.keyOn(["n1", "n2"]);
  c.crashNode("n1");
  c.crashNode("n2");
  const id = c.get(key);
  const error = c.answer(id)?.error;
  assert.equal(error?.code, "TRYAGAIN");
  assert.match(error!.message, /n1 \(127\.0\.0\.1:7001\).*n2 \(127\.0\.0\.1:7002\)|n2 \(127\.0\.0\.1:7002\).*n1 \(127\.0\.0\.1:7001\)/);
});

test("a read with no answer by its deadline fails with TIMEOUT, on time", () => {
  const c = settledCluster({ k: "v" });
  const id = c.request({ kind: "get", keys: [bytes("k")] }, 30);
  const deadline = c.tick + 30;
  for (let tick = 0; tick < 40; tick += 1) {
    c.drop(ofType("read"));
    c.advance(1);
  }
  const answer = c.answer(id);
  assert.equal(answer?.error?.code, "TIMEOUT");
  assert.match(answer!.error!.message, /"k"/);
  assert.equal(answer!.tick, deadline, "answered at the deadline tick");
});

test("DBSIZE asks every node over the cluster link and answers the sum over R; a node down is TRYAGAIN naming it", () => {
  const c = new ClusterHarness().start();
  for (const key of ["a", "b", "c", "d"]) c.set(key, "v");
  c.settleWithTime();
  const id = c.request({ kind: "dbsize" });
  assert.equal(c.inFlight(ofType("count")).length, 3, "one count per storage node");
  c.settle();
  assert.deepEqual(c.answer(id)?.result, { kind: "count", count: 4 });
  const waiting = c.request({ kind: "dbsize" });
  c.crashNode("n2");
  assert.equal(c.answer(waiting)?.error?.code, "TRYAGAIN", "a node that goes down while counting ends the count");
  const refused = c.request({ kind: "dbsize" });
  assert.match(c.answer(refused)!.error!.message, /DBSIZE needs every storage node; 1 of 3 are down: n2/);
});
