// Membership (PROTOCOL.md, Placement and Liveness): joining, sealing, refusing, and nodes that
// fall silent or close their connection.

import assert from "node:assert/strict";
import { test } from "node:test";
import { CoordinatorMachine } from "./coordinator.js";
import { bytes, ClusterHarness, COORDINATOR, ofType, type Envelope } from "../../../test/support/scenario-harness.js";

const hello = (nodeId: string) => ({ type: "hello", nodeId, address: "127.0.0.1:7001", incarnation: "0f".repeat(16) });

test("before recovered the coordinator answers CLUSTERDOWN; other events then are bugs", () => {
  const machine = new CoordinatorMachine();
  const effects = machine.step({ kind: "client", requestId: 1, op: { kind: "get", keys: [bytes("k")] }, deadlineTick: 100 });
  assert.deepEqual(effects.map((e) => e.kind), ["fail"]);
  assert.ok(effects[0]!.kind === "fail" && effects[0]!.error.code === "CLUSTERDOWN" && /recovering/.test(effects[0]!.error.message));
  assert.throws(() => machine.step({ kind: "hello", connection: 1, hello: hello("n1"), proofValid: true }), /before recovered/);
  assert.equal(machine.view().state, "starting");
});

test("a new epoch is durable before anything is served; a node that connects meanwhile is asked to come back", () => {
  const machine = new CoordinatorMachine({ replicas: 1 });
  const [epoch] = machine.step({ kind: "recovered", epoch: 41, members: [], sealed: false, decisions: [], inSync: [] });
  assert.deepEqual(epoch?.kind === "persist" && epoch.records, [{ type: "epoch", epoch: 42 }]);
  const early = machine.step({ kind: "hello", connection: 1, hello: hello("n1"), proofValid: true });
  assert.deepEqual(early.map((e) => e.kind), ["closeConnection"], "closed, not refused: the node redials");
  const client = machine.step({ kind: "client", requestId: 1, op: { kind: "get", keys: [bytes("k")] }, deadlineTick: 100 });
  assert.ok(client[0]?.kind === "fail" && /recovering/.test(client[0].error.message));
  machine.step({ kind: "persisted", token: epoch!.kind === "persist" ? epoch!.token : -1 });
  assert.equal(machine.view().epoch, 42);
  const welcomed = machine.step({ kind: "hello", connection: 2, hello: hello("n1"), proofValid: true });
  assert.deepEqual(welcomed.filter((e) => e.kind !== "log").map((e) => e.kind), ["welcome", "persist"]);
});

test("admission: a malformed hello or a wrong proof is refused with the reason; nothing joins", () => {
  const c = new ClusterHarness({ nodeIds: [] }).start();
  const refusals: string[] = [];
  for (const [raw, proofValid] of [[{ ...hello("n9"), incarnation: "zz" }, true], [hello("n9"), false]] as const) {
    const effects = c.coordinator.step({ kind: "hello", connection: 900 + refusals.length, hello: raw, proofValid });
    const refusal = effects.find((e) => e.kind === "refuse");
    assert.ok(refusal?.kind === "refuse");
    refusals.push(refusal.reason);
  }
  assert.match(refusals[0]!, /malformed hello: incarnation must be 32 lowercase hex digits/);
  assert.equal(refusals[1], "wrong cluster secret");
  assert.deepEqual(c.coordinator.view().members, []);
});

test("admission: only a member's current connection speaks for it; a replaced one is closed and ignored", () => {
  const c = new ClusterHarness().start();
  const n1 = c.nodes.get("n1")!;
  const old = n1.connection;
  const effects = c.coordinator.step({ kind: "hello", connection: 777, hello: { type: "hello", nodeId: "n1", address: "127.0.0.1:7001", incarnation: n1.incarnation }, proofValid: true });
  assert.deepEqual(effects.filter((e) => e.kind === "closeConnection").map((e) => e.kind === "closeConnection" && e.connection), [old]);
  // A pong on the old connection is not heard; a close of it changes nothing.
  c.coordinator.step({ kind: "message", connection: old, message: { type: "pong", tick: 0 } });
  c.coordinator.step({ kind: "connectionClosed", connection: old });
  assert.equal(c.coordinator.view().members.find((m) => m.id === "n1")?.up, true);
  c.coordinator.step({ kind: "connectionClosed", connection: 777 });
  assert.equal(c.coordinator.view().members.find((m) => m.id === "n1")?.up, false);
});

test("a node counts as joined only once its members record is durable; until minNodes, CLUSTERDOWN", () => {
  const c = new ClusterHarness({ nodeIds: [] }).start();
  c.addNode("n1");
  c.addNode("n2");
  const early = c.get("k");
  assert.equal(c.answer(early)?.error?.code, "CLUSTERDOWN");
  assert.match(c.answer(early)!.error!.message, /0 of the 2/);
  assert.deepEqual(c.coordinator.view().members.map((m) => m.joined), [false, false]);
  const whileJoining = c.set("k", "v");
  assert.equal(c.answer(whileJoining)?.error?.code, "CLUSTERDOWN");
  c.completePersists(COORDINATOR);
  assert.deepEqual(c.coordinatorDisk.members.map((m) => m.id), ["n1", "n2"]);
  assert.equal(c.coordinator.view().state, "serving");
  c.addNode("n3");
  const duringJoin = c.set("k", "v");
  assert.equal(c.answer(duringJoin)?.error?.code, "TRYAGAIN", "no write while the ring is about to change");
  assert.match(c.answer(duringJoin)!.error!.message, /joining/);
  c.completePersists(COORDINATOR);
  const id = c.set("k", "v");
  c.settle();
  assert.deepEqual(c.answer(id)?.result, { kind: "set", written: true });
});

test("the first write seals the membership: a new id then joins as a standby member and moves in; a known id is welcome back", () => {
  const c = new ClusterHarness().start();
  assert.equal(c.coordinatorDisk.sealed, false);
  c.addNode("n4");
  c.completePersists(COORDINATOR);
  assert.equal(c.refused.length, 0, "before sealing, new nodes join");
  assert.equal(c.coordinatorDisk.layout === undefined, true, "before sealing the ring is every member");
  c.set("k", "v");
  c.deliver(ofType("prepare"));
  c.completePersists();
  c.deliver(ofType("vote"));
  const sealing = c.coordinatorPersists[0]!.records.map((record) => record.type);
  assert.deepEqual(sealing, ["members", "decision"], "the seal is persisted with the first decision");
  c.settle();
  assert.equal(c.coordinatorDisk.sealed, true);
  assert.deepEqual(c.coordinatorDisk.layout?.ring, ["n1", "n2", "n3", "n4"], "the seal names the ring the data is placed on");
  c.addNode("n5");
  c.settle();
  assert.equal(c.refused.length, 0, "a new node joins a sealed cluster");
  assert.equal(c.coordinator.view().members.find((m) => m.id === "n5")?.role, "standby", "not in the ring until its partitions are moved");
  c.crashNode("n2");
  c.restartNode("n2");
  c.crashCoordinator();
  c.settle();
  assert.equal(c.refused.length, 0, "known nodes re-register after restarts of either side");
  const role = () => c.coordinator.view().members.find((m) => m.id === "n5")?.role;
  for (let waited = 0; waited < 500 && (role() !== "active" || c.coordinator.view().move !== null); waited += 1) {
    c.advance(10);
    c.settle();
  }
  assert.equal(c.coordinator.view().members.find((m) => m.id === "n5")?.role, "active", "moved in after the restart");
  const read = c.get("k");
  c.settleWithTime();
  assert.deepEqual(c.values(read), ["v"]);
});

test("a sealed cluster keeps the placement its data was written with", () => {
  const c = new ClusterHarness().start();
  c.set("k", "v");
  c.settle();
  const disk = c.coordinatorDisk;
  const machine = new CoordinatorMachine({ replicas: 3, partitions: 256, vnodesPerNode: 16 });
  const [epoch] = machine.step({ kind: "recovered", epoch: disk.epoch, members: disk.members, sealed: true, placement: disk.placement!, decisions: [], inSync: [] });
  const effects = machine.step({ kind: "persisted", token: epoch?.kind === "persist" ? epoch.token : -1 });
  assert.deepEqual(machine.view().placement, { partitions: 64, vnodesPerNode: 16, replicas: 2 });
  assert.ok(effects.some((e) => e.kind === "log" && e.level === "warn" && /placement/.test(e.message)));
  assert.deepEqual(machine.locate(bytes("k")).replicas.map((r) => r.id), c.replicasOf("k"));
});

test("a node that falls silent is down (writes fail fast); hearing from it brings it back", () => {
  const c = new ClusterHarness().start();
  const key = c.keyOn(["n1", "n3"]);
  const { heartbeatTicks, nodeDownTicks } = c.coordinator.config;
  for (let tick = 0; tick < nodeDownTicks; tick += heartbeatTicks) {
    c.advance(heartbeatTicks);
    c.deliver(ofType("ping"));
    c.drop(ofType("pong", { from: "n3" }));
    c.deliver(ofType("pong"));
  }
  assert.deepEqual(c.coordinator.view().members.filter((m) => !m.up).map((m) => m.id), ["n3"]);
  const id = c.set(key, "v");
  assert.equal(c.answer(id)?.error?.code, "TRYAGAIN");
  assert.match(c.answer(id)!.error!.message, /n3/);
  c.advance(heartbeatTicks);
  c.deliver(ofType("ping"));
  c.deliver(ofType("pong"));
  assert.equal(c.coordinator.view().members.every((m) => m.up), true);
  const again = c.set(key, "v");
  c.settle();
  assert.deepEqual(c.answer(again)?.result, { kind: "set", written: true });
});

test("view() and locate() describe members, load and a key's replicas", () => {
  const c = new ClusterHarness().start();
  const view = c.coordinator.view();
  assert.equal(view.members.length, 3);
  assert.equal(view.members.reduce((sum, m) => sum + m.replicaPartitions, 0), 64 * 2);
  assert.equal(view.members.reduce((sum, m) => sum + m.primaryPartitions, 0), 64);
  c.crashNode("n2");
  const location = c.coordinator.locate(bytes(c.keyOn(["n1", "n2"])));
  assert.deepEqual(location.replicas.map((r) => [r.id, r.up]).sort(), [["n1", true], ["n2", false]]);
  assert.equal(location.replicas.find((r) => r.id === "n2")!.address, "127.0.0.1:7002");
});

test("the membership is bounded: a node beyond membersMax is refused", () => {
  const c = new ClusterHarness({ coordinator: { membersMax: 3 } }).start();
  c.addNode("n4");
  assert.equal(c.refused[0]?.nodeId, "n4");
  assert.match(c.refused[0]!.reason, /membersMax 3/);
});

/** A cluster whose first write is durable (sealed), with the key it wrote. */
function sealedCluster(): { c: ClusterHarness; key: string } {
  const c = new ClusterHarness().start();
  const key = c.keyOn(["n1", "n2"]);
  const id = c.set(key, "v");
  c.settle();
  assert.deepEqual(c.answer(id)?.result, { kind: "set", written: true });
  assert.equal(c.coordinatorDisk.sealed, true);
  return { c, key };
}

const incarnationOf = (c: ClusterHarness, nodeId: string) => c.coordinator.view().members.find((m) => m.id === nodeId)?.incarnation;

test("sealed: a member back on a new data directory is refused, and nothing about it changes", () => {
  const { c, key } = sealedCluster();
  const original = c.nodes.get("n1")!;
  c.crashNode("n1");
  const viewBefore = c.coordinator.view();
  const wiped = c.addNode("n1");
  assert.notEqual(wiped.incarnation, original.incarnation);
  assert.equal(c.refused.length, 1);
  assert.equal(c.refused[0]!.nodeId, "n1");
  const reason = c.refused[0]!.reason;
  for (const part of [/"n1"/, /not on the data directory it joined with/, /new, wiped or replaced/, /would lose acknowledged writes/,
    /original data directory/, /--dead/, new RegExp(wiped.incarnation), new RegExp(original.incarnation)]) {
    assert.match(reason, part);
  }
  assert.ok(c.logs.some((log) => log.level === "warn" && log.message === "refused a storage node" && log.fields?.reason === reason));
  assert.deepEqual(c.coordinator.view(), viewBefore, "the member keeps its incarnation, address and ring share, and stays down");
  assert.equal(c.coordinatorPersists.length, 0, "nothing is persisted for a refused node");
  assert.deepEqual(c.coordinatorDisk.members.find((m) => m.id === "n1")?.incarnation, original.incarnation);
  assert.deepEqual(c.replicasOf(key).sort(), ["n1", "n2"]);
  const write = c.set(key, "w");
  assert.equal(c.answer(write)?.error?.code, "TRYAGAIN", "n1 is still a replica, and down");
  assert.match(c.answer(write)!.error!.message, /n1/);

  c.nodes.set("n1", original); // back on its original disk
  c.restartNode("n1");
  assert.equal(c.refused.length, 1, "the same incarnation is welcome back");
  const read = c.get(key);
  c.settle();
  assert.deepEqual(c.values(read), ["v"]);
  assert.equal(c.coordinator.view().members.find((m) => m.id === "n1")?.up, true);
});

test("not sealed: a member back on a new data directory re-joins once its members record is durable", () => {
  const c = new ClusterHarness().start();
  const first = c.nodes.get("n2")!.incarnation;
  c.crashNode("n2");
  const wiped = c.addNode("n2");
  assert.equal(c.refused.length, 0);
  const n2 = () => c.coordinator.view().members.find((m) => m.id === "n2")!;
  assert.deepEqual([n2().incarnation, n2().up, n2().joined], [wiped.incarnation, true, false]);
  assert.equal(c.coordinatorDisk.members.find((m) => m.id === "n2")?.incarnation, first, "not durable yet");
  const early = c.set(c.keyOn(["n2", "n3"]), "v");
  assert.equal(c.answer(early)?.error?.code, "TRYAGAIN", "no write, so no seal, while the membership is being written");
  assert.equal(c.completePersists(COORDINATOR), 1);
  assert.equal(c.coordinatorDisk.members.find((m) => m.id === "n2")?.incarnation, wiped.incarnation);
  assert.equal(n2().joined, true);
  const key = c.keyOn(["n2", "n3"]);
  const write = c.set(key, "v");
  c.settle();
  assert.deepEqual(c.answer(write)?.result, { kind: "set", written: true });
  assert.equal(c.valueOn("n2", key), "v");
});

test("not sealed: a member that flips back to an older directory while a record is pending joins only with its latest", () => {
  const c = new ClusterHarness().start();
  const original = c.nodes.get("n3")!;
  c.crashNode("n3");
  c.addNode("n3");
  c.crashNode("n3");
  c.nodes.set("n3", original);
  c.restartNode("n3");
  assert.equal(incarnationOf(c, "n3"), original.incarnation);
  assert.equal(c.completePersists(COORDINATOR, 1), 1, "the record with the new directory's incarnation is durable");
  assert.equal(c.coordinator.view().members.find((m) => m.id === "n3")?.joined, false, "that record is not the node's current incarnation");
  c.completePersists(COORDINATOR);
  assert.equal(c.coordinator.view().members.find((m) => m.id === "n3")?.joined, true);
  assert.equal(c.coordinatorDisk.members.find((m) => m.id === "n3")?.incarnation, original.incarnation);
});

test("incarnations survive a coordinator restart: the recovered members still refuse a wiped node", () => {
  const { c } = sealedCluster();
  const incarnations = ["n1", "n2", "n3"].map((id) => c.nodes.get(id)!.incarnation);
  c.crashCoordinator();
  c.settle();
  assert.deepEqual(["n1", "n2", "n3"].map((id) => incarnationOf(c, id)), incarnations);
  assert.equal(c.refused.length, 0, "every node re-registered on its own directory");
  c.crashNode("n3");
  c.addNode("n3");
  assert.equal(c.refused.at(-1)?.nodeId, "n3");
  assert.match(c.refused.at(-1)!.reason, /not on the data directory it joined with/);
});

test("a member listed before incarnations existed takes the first one it shows, and keeps it", () => {
  const { c } = sealedCluster();
  c.coordinatorDisk.members = c.coordinatorDisk.members.map((m) => ({ ...m, incarnation: "" }));
  c.crashCoordinator();
  assert.equal(c.refused.length, 0);
  assert.deepEqual(c.coordinator.view().members.map((m) => m.joined), [true, true, true], "they stay in the ring meanwhile");
  c.settle();
  assert.deepEqual(c.coordinatorDisk.members.map((m) => m.incarnation), ["n1", "n2", "n3"].map((id) => c.nodes.get(id)!.incarnation));
  c.crashNode("n1");
  c.addNode("n1");
  assert.equal(c.refused.at(-1)?.nodeId, "n1");
});

test("DBSIZE counts each key once while a move has copied partitions to a new node and the old copies are not dropped yet", () => {
  const c = new ClusterHarness({ coordinator: { replicas: 2 } }).start();
  const KEYS = 40;
  for (let index = 0; index < KEYS; index += 1) c.set(`k${index}`, "v");
  c.settleWithTime();
  // Everything moves but the old replicas' drops: they keep their copies of what moved to n4.
  const oldDrop = (envelope: Envelope) => envelope.message.type === "drop" && envelope.to !== "n4";
  const settleKeepingCopies = () => {
    for (let round = 0; round < 100 && c.deliver((envelope) => !oldDrop(envelope)) + c.completePersists() > 0; round += 1) c.drop(oldDrop);
    c.drop(oldDrop);
  };
  const dbsize = () => {
    const request = c.request({ kind: "dbsize" });
    settleKeepingCopies();
    return c.answer(request)?.result;
  };
  assert.deepEqual(dbsize(), { kind: "count", count: KEYS });
  c.addNode("n4");
  const role = () => c.coordinator.view().members.find((member) => member.id === "n4")?.role;
  for (let waited = 0; waited < 500 && role() !== "active"; waited += 1) {
    c.advance(10);
    settleKeepingCopies();
  }
  assert.equal(role(), "active");
  assert.notEqual(c.coordinator.view().move, null, "the old replicas are still to be cleaned up");
  const copies = [...c.nodes.values()].reduce((sum, node) => sum + [...node.disk.data.values()].filter((value) => value !== null).length, 0);
  assert.ok(copies > 2 * KEYS, `${copies} copies: more than R of some keys`);
  assert.deepEqual(dbsize(), { kind: "count", count: KEYS });
  for (let waited = 0; waited < 500 && c.coordinator.view().move !== null; waited += 1) {
    c.advance(10);
    c.settle();
  }
  assert.equal(c.coordinator.view().move, null, "cleaned up");
  assert.deepEqual(dbsize(), { kind: "count", count: KEYS });
});
