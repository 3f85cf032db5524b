// Scenarios of the write path, driven message by message (PROTOCOL.md, Writes).

import assert from "node:assert/strict";
import { test } from "node:test";
import { bytes, ClusterHarness, COORDINATOR, ofType, text } from "../../../test/support/scenario-harness.js";

function cluster(): ClusterHarness {
  return new ClusterHarness().start();
}

test("a SET is OK only after prepare, decision and reply; every replica holds it", () => {
  const c = cluster();
  const key = "k";
  const id = c.set(key, "v1");
  const replicas = c.replicasOf(key);
  assert.deepEqual(c.inFlight(ofType("prepare")).map((e) => e.to).sort(), [...replicas].sort());
  c.deliver(ofType("prepare"));
  assert.equal(c.inFlight(ofType("vote")).length, 0, "no vote before the prepared record is durable");
  for (const node of replicas) c.completePersists(node);
  assert.equal(c.inFlight(ofType("vote")).length, replicas.length);
  c.deliver(ofType("vote"));
  assert.equal(c.answer(id), undefined, "no OK before the decision is durable");
  assert.equal(c.inFlight(ofType("commit")).length, 0, "no commit before the decision is durable");
  assert.equal(c.coordinatorPersists.length, 1);
  c.completePersists(COORDINATOR);
  assert.deepEqual(c.answer(id)?.result, { kind: "set", written: true });
  assert.equal(c.inFlight(ofType("commit")).length, replicas.length);
  c.settle();
  assert.deepEqual(c.valuesOnReplicas(key), replicas.map(() => "v1"));
  assert.equal(c.coordinatorDisk.decisions.size, 0, "forgotten once every replica acknowledged");
  const read = c.get(key);
  c.settle();
  assert.deepEqual(c.values(read), ["v1"]);
});

test("SET with NX, XX and GET: answer and final value, from what the replicas held", () => {
  const cases: Array<{ name: string; before: string | null; options: { condition?: "NX" | "XX"; returnPrevious?: boolean }; written: boolean; previous?: string | null; after: string | null }> = [
    { name: "NX on absent", before: null, options: { condition: "NX" }, written: true, after: "new" },
    { name: "NX on present", before: "old", options: { condition: "NX" }, written: false, after: "old" },
    { name: "XX on absent", before: null, options: { condition: "XX" }, written: false, after: null },
    { name: "XX on present", before: "old", options: { condition: "XX" }, written: true, after: "new" },
    { name: "GET on present", before: "old", options: { returnPrevious: true }, written: true, previous: "old", after: "new" },
    { name: "GET on absent", before: null, options: { returnPrevious: true }, written: true, previous: null, after: "new" },
    { name: "NX GET on present", before: "old", options: { condition: "NX", returnPrevious: true }, written: false, previous: "old", after: "old" },
  ];
  for (const { name, before, options, written, previous, after } of cases) {
    const c = cluster();
    if (before !== null) c.set("k", before);
    c.settle();
    const persistsBefore = c.coordinatorDisk.decisions.size;
    const id = c.set("k", "new", options);
    c.settle();
    const result = c.answer(id)?.result;
    assert.equal(result?.kind, "set", name);
    if (result?.kind !== "set") continue;
    assert.equal(result.written, written, name);
    assert.equal("previous" in result, previous !== undefined, `${name}: previous only when asked`);
    if (previous !== undefined) assert.equal(text(result.previous), previous, name);
    assert.deepEqual(c.valuesOnReplicas("k"), [after, after], name);
    assert.equal(c.coordinatorDisk.decisions.size, persistsBefore, `${name}: nothing left in the log`);
  }
});

test("DEL counts the keys that existed, once each; deleting nothing logs nothing", () => {
  const c = cluster();
  c.request({ kind: "mset", pairs: [[bytes("a"), bytes("1")], [bytes("b"), bytes("2")]] });
  c.settle();
  const del = c.request({ kind: "del", keys: [bytes("a"), bytes("b"), bytes("c"), bytes("a")] });
  c.settle();
  assert.deepEqual(c.answer(del)?.result, { kind: "count", count: 2 });
  for (const key of ["a", "b"]) assert.deepEqual(c.valuesOnReplicas(key), [null, null]);
  const none = c.request({ kind: "del", keys: [bytes("a"), bytes("zzz")] });
  c.deliver(ofType("prepare"));
  c.completePersists();
  c.deliver(ofType("vote"));
  assert.deepEqual(c.answer(none)?.result, { kind: "count", count: 0 });
  assert.equal(c.coordinatorPersists.length, 0, "no decision logged for a DEL that changes nothing");
  assert.ok(c.inFlight(ofType("abort")).length > 0, "the participants are released with an abort");
  c.settle();
});

test("MSET naming a key twice: the last value wins", () => {
  const c = cluster();
  const id = c.request({ kind: "mset", pairs: [[bytes("k"), bytes("first")], [bytes("j"), bytes("x")], [bytes("k"), bytes("last")]] });
  c.settle();
  assert.deepEqual(c.answer(id)?.result, { kind: "ok" });
  assert.deepEqual(c.valuesOnReplicas("k"), ["last", "last"]);
  const read = c.get("k", "j");
  c.settle();
  assert.deepEqual(c.values(read), ["last", "x"]);
});

test("cross-node MSET is atomic: one replica votes no, no replica applies anything", () => {
  const c = cluster();
  const a = c.keyOn(["n1", "n2"]);
  const b = c.keyOn(["n2", "n3"]);
  // An in-doubt transaction from an earlier coordinator run holds b on n3.
  c.network.push({ from: COORDINATOR, to: "n3", connection: c.nodes.get("n3")!.connection, message: { type: "prepare", txid: "0.7", writes: [{ key: bytes(b), value: bytes("stale") }], wantValues: false } });
  c.deliver();
  c.completePersists("n3");
  c.drop(ofType("vote"));
  const id = c.request({ kind: "mset", pairs: [[bytes(a), bytes("A")], [bytes(b), bytes("B")]] });
  c.deliver(ofType("prepare"));
  c.completePersists();
  // n3's prepare waits for the in-doubt 0.7; its inquiry is lost, so 0.7 stays in doubt and the wait runs out.
  c.drop(ofType("inquire"));
  c.deliver(ofType("vote"));
  c.advance(c.nodes.get("n3")!.machine.config.prepareWaitTicks);
  c.drop((envelope) => envelope.message.type !== "vote");
  c.deliver(ofType("vote"));
  assert.equal(c.answer(id)?.error?.code, "TRYAGAIN");
  assert.match(c.answer(id)!.error!.message, /n3 .*refused.*locked by transaction 0\.7, still in doubt here after waiting/);
  c.settleWithTime();
  for (const node of ["n1", "n2"]) assert.equal(c.valueOn(node, a), null);
  for (const node of ["n2", "n3"]) assert.equal(c.valueOn(node, b), null);
  assert.equal(c.nodes.get("n3")!.disk.prepared.size, 0, "the refusing node asked about the blocker and learned it aborted");
});

test("cross-node MSET is atomic: all commit, and reads never see it half applied", () => {
  const c = cluster();
  const a = c.keyOn(["n1", "n2"]);
  const b = c.keyOn(["n2", "n3"]);
  c.request({ kind: "mset", pairs: [[bytes(a), bytes("A")], [bytes(b), bytes("B")]] });
  c.deliver(ofType("prepare"));
  c.completePersists();
  c.deliver(ofType("vote"));
  c.completePersists(COORDINATOR);
  c.deliver(ofType("commit", { to: "n1" }));
  c.completePersists("n1");
  assert.equal(c.valueOn("n1", a), "A");
  assert.equal(c.valueOn("n3", b), null, "n3 has not applied yet");
  const read = c.get(a, b);
  assert.deepEqual(c.values(read), ["A", "B"], "answered from the decision");
  c.settle();
  assert.deepEqual(c.valuesOnReplicas(a), ["A", "A"]);
  assert.deepEqual(c.valuesOnReplicas(b), ["B", "B"]);
});

test("writes to one key run one at a time, in arrival order, and none is lost", () => {
  const c = cluster();
  const ids = ["v1", "v2", "v3"].map((value) => c.set("k", value));
  const primary = c.replicasOf("k")[0];
  const prepared: string[] = [];
  for (let round = 0; round < 100 && c.network.length + c.coordinatorPersists.length > 0; round += 1) {
    const prepares = c.inFlight(ofType("prepare"));
    const txids = new Set(prepares.map((e) => (e.message.type === "prepare" ? e.message.txid : "")));
    assert.ok(txids.size <= 1, "never two transactions preparing one key");
    for (const e of prepares) if (e.message.type === "prepare" && e.to === primary) prepared.push(text(e.message.writes[0]!.value)!);
    c.deliver();
    c.completePersists();
  }
  assert.deepEqual(prepared.filter((value, index) => prepared.indexOf(value) === index), ["v1", "v2", "v3"]);
  for (const id of ids) assert.deepEqual(c.answer(id)?.result, { kind: "set", written: true });
  assert.deepEqual(c.valuesOnReplicas("k"), ["v3", "v3"]);
});

test("writes to different keys run in parallel: both prepares are out before any vote", () => {
  const c = cluster();
  c.set("a", "1");
  c.set("b", "2");
  const txids = new Set(c.inFlight(ofType("prepare")).map((e) => (e.message.type === "prepare" ? e.message.txid : "")));
  assert.equal(txids.size, 2);
  c.settle();
  assert.deepEqual(c.valuesOnReplicas("a"), ["1", "1"]);
  assert.deepEqual(c.valuesOnReplicas("b"), ["2", "2"]);
});

test("a replica down fails a write at once with TRYAGAIN naming the node and its address", () => {
  const c = cluster();
  const key = c.keyOn(["n1", "n3"]);
  c.crashNode("n3");
  const id = c.set(key, "v");
  const error = c.answer(id)?.error;
  assert.equal(error?.code, "TRYAGAIN");
  assert.match(error!.message, /n3 \(127\.0\.0\.1:7003\)/);
  assert.equal(c.inFlight(ofType("prepare")).length, 0, "nothing was sent");
  const other = c.set(c.keyOn(["n1", "n2"]), "v");
  c.settle();
  assert.deepEqual(c.answer(other)?.result, { kind: "set", written: true }, "keys not on the down node are writable");
});

test("a replica that goes down while preparing aborts the write with TRYAGAIN", () => {
  const c = cluster();
  const key = c.keyOn(["n1", "n2"]);
  const id = c.set(key, "v");
  c.deliver(ofType("prepare"));
  c.completePersists("n1");
  c.crashNode("n2");
  assert.equal(c.answer(id)?.error?.code, "TRYAGAIN");
  assert.match(c.answer(id)!.error!.message, /n2 .*went down/);
  c.restartNode("n2");
  c.settleWithTime();
  assert.deepEqual(c.valuesOnReplicas(key), [null, null]);
});
