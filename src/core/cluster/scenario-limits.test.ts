// Deadlines and bounds: every request ends by its deadline with a reply or a clear error, and
// every bound, when hit, is a ClientError that names it.

import assert from "node:assert/strict";
import { test } from "node:test";
import { bytes, ClusterHarness, COORDINATOR, ofType } from "../../../test/support/scenario-harness.js";

test("deadline while waiting for a key's lock: TRYAGAIN at the deadline tick, nothing sent", () => {
  const c = new ClusterHarness().start();
  c.set("k", "first"); // never completes: its prepares are held
  const id = c.request({ kind: "set", key: bytes("k"), value: bytes("second") }, 20);
  c.advance(19);
  assert.equal(c.answer(id), undefined);
  c.advance(1);
  assert.equal(c.answer(id)?.error?.code, "TRYAGAIN");
  assert.equal(c.answer(id)!.tick, 20);
  assert.equal(c.inFlight(ofType("prepare")).every((e) => e.message.type === "prepare" && e.message.writes[0]!.value![0] === "f".charCodeAt(0)), true);
});

test("deadline while preparing: the write aborts, TIMEOUT, outcome known (not applied)", () => {
  const c = new ClusterHarness().start();
  const id = c.request({ kind: "set", key: bytes("k"), value: bytes("v") }, 20);
  c.drop(ofType("prepare"));
  c.advance(20);
  const error = c.answer(id)?.error;
  assert.equal(error?.code, "TIMEOUT");
  assert.equal(error!.outcomeUnknown, undefined);
  assert.match(error!.message, /nothing was applied/);
  c.settleWithTime();
  assert.deepEqual(c.valuesOnReplicas("k"), [null, null]);
});

test("deadline while the decision is being written: TIMEOUT with outcomeUnknown; the write still completes", () => {
  const c = new ClusterHarness().start();
  const id = c.request({ kind: "set", key: bytes("k"), value: bytes("v") }, 20);
  c.deliver(ofType("prepare"));
  c.completePersists();
  c.deliver(ofType("vote"));
  c.advance(20);
  const error = c.answer(id)?.error;
  assert.equal(error?.code, "TIMEOUT");
  assert.equal(error!.outcomeUnknown, true);
  c.settle(); // the harness throws if the request were answered a second time
  assert.deepEqual(c.valuesOnReplicas("k"), ["v", "v"]);
});

test("a deadline already passed on arrival fails at once", () => {
  const c = new ClusterHarness().start();
  c.advance(5);
  for (const op of [{ kind: "get" as const, keys: [bytes("k")] }, { kind: "del" as const, keys: [bytes("k")] }]) {
    const id = c.request(op, 0);
    assert.equal(c.answer(id)?.error?.code, "TIMEOUT");
  }
});

const bounds: Array<{ name: string; options: ConstructorParameters<typeof ClusterHarness>[0]; run: (c: ClusterHarness) => number; message: RegExp }> = [
  {
    name: "lockQueueMax",
    options: { coordinator: { lockQueueMax: 2 } },
    run: (c) => { c.set("k", "1"); c.set("k", "2"); return c.set("k", "3"); },
    message: /key "k" is busy: 2 writes are queued on it \(limit lockQueueMax 2\)/,
  },
  {
    name: "transactionsInFlightMax",
    options: { coordinator: { transactionsInFlightMax: 2 } },
    run: (c) => { c.set("a", "1"); c.set("b", "2"); return c.set("c", "3"); },
    message: /too many writes in flight: 2 \(limit transactionsInFlightMax 2\)/,
  },
  {
    name: "readsInFlightMax",
    options: { coordinator: { readsInFlightMax: 1 } },
    run: (c) => { c.get("a"); return c.get("b"); },
    message: /too many reads in flight: 1 \(limit readsInFlightMax 1\)/,
  },
  {
    name: "preparedMax",
    options: { participant: { preparedMax: 1 } },
    run: (c) => {
      c.set("a", "1");
      c.deliver(ofType("prepare"));
      const id = c.set("b", "2");
      c.deliver(ofType("prepare"));
      c.completePersists();
      c.deliver(ofType("vote"));
      return id;
    },
    message: /refused the write: too many prepared transactions: 1 \(limit preparedMax 1\)/,
  },
];

for (const bound of bounds) {
  test(`bound ${bound.name}: hit, it fails the request with TRYAGAIN naming the limit`, () => {
    const c = new ClusterHarness(bound.options).start();
    const id = bound.run(c);
    const error = c.answer(id)?.error;
    assert.equal(error?.code, "TRYAGAIN", JSON.stringify(c.answer(id)));
    assert.match(error!.message, bound.message);
    c.settleWithTime();
    assert.equal(c.coordinator.view().transactionsInFlight, 0);
  });
}

test("bound finishedTxidsMax: the oldest finished txid is forgotten; a very late duplicate prepare then aborts harmlessly", () => {
  const c = new ClusterHarness({ participant: { finishedTxidsMax: 1 } }).start();
  const [first] = c.replicasOf("k");
  c.set("k", "v1");
  const stale = c.inFlight(ofType("prepare", { to: first }))[0]!;
  c.settle();
  c.set("k", "v2");
  c.settle(); // the second txid pushes the first out of the bounded memory
  c.network.push(stale);
  c.deliver();
  c.completePersists();
  const vote = c.inFlight(ofType("vote"))[0]?.message;
  assert.ok(vote?.type === "vote" && vote.yes, "no longer remembered: it prepares again");
  c.deliver(ofType("vote"));
  assert.equal(c.inFlight(ofType("abort", { to: first })).length, 1, "the coordinator long forgot it: abort");
  c.settle();
  assert.deepEqual(c.valuesOnReplicas("k"), ["v2", "v2"]);
  assert.equal(c.nodes.get(first!)!.disk.prepared.size, 0);
});

test("every request is answered exactly once, by its deadline, even with every message lost", () => {
  const c = new ClusterHarness().start();
  const ids = [c.set("a", "1"), c.get("a"), c.request({ kind: "del", keys: [bytes("a")] }), c.set("a", "2", { condition: "NX" })];
  for (let tick = 0; tick < 1_100; tick += 1) {
    c.network = [];
    c.completePersists(COORDINATOR);
    c.advance(1);
  }
  for (const id of ids) {
    const answer = c.answer(id);
    assert.ok(answer?.error !== undefined, `request ${id} failed`);
    assert.ok(answer.tick <= 1_000, `request ${id} answered by its deadline`);
  }
});
