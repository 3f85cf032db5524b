// Membership (PROTOCOL.md, Placement and Liveness): joining, sealing, refusing, and nodes that
// fall silent or close their connection.

import assert from "node:assert/strict";
import { test } from "node:test";
import { CoordinatorMachine } from "./coordinator.js";
import { bytes, ClusterHarness, COORDINATOR, ofType } from "./scenario-harness.js";

test("before recovered the coordinator answers CLUSTERDOWN; other events then are bugs", () => {
  const machine = new CoordinatorMachine();
  const effects = machine.step({ kind: "client", requestId: 1, op: { kind: "get", keys: [bytes("k")] }, deadlineTick: 100 });
  assert.deepEqual(effects.map((e) => e.kind), ["fail"]);
  assert.ok(effects[0]!.kind === "fail" && effects[0]!.error.code === "CLUSTERDOWN" && /recovering/.test(effects[0]!.error.message));
  assert.throws(() => machine.step({ kind: "nodeUp", node: { id: "n1", address: "x" } }), /before recovered/);
  assert.equal(machine.view().state, "starting");
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

test("the first write seals the membership: a new id is refused, a known id is welcome back", () => {
  const c = new ClusterHarness().start();
  assert.equal(c.coordinatorDisk.sealed, false);
  c.addNode("n4");
  c.completePersists(COORDINATOR);
  assert.equal(c.refused.length, 0, "before sealing, new nodes join");
  c.set("k", "v");
  c.deliver(ofType("prepare"));
  c.completePersists();
  c.deliver(ofType("vote"));
  const sealing = c.coordinatorPersists[0]!.records.map((record) => record.type);
  assert.deepEqual(sealing, ["members", "decision"], "the seal is persisted with the first decision");
  c.settle();
  assert.equal(c.coordinatorDisk.sealed, true);
  c.addNode("n5");
  assert.equal(c.refused.length, 1);
  assert.equal(c.refused[0]!.nodeId, "n5");
  assert.match(c.refused[0]!.reason, /sealed.*rebalancing/);
  c.crashNode("n2");
  c.restartNode("n2");
  c.crashCoordinator();
  c.settle();
  assert.equal(c.refused.length, 1, "known nodes re-register after restarts of either side");
  c.addNode("n6");
  assert.equal(c.refused.at(-1)!.nodeId, "n6", "still sealed after a coordinator restart");
});

test("a sealed cluster keeps the placement its data was written with", () => {
  const c = new ClusterHarness().start();
  c.set("k", "v");
  c.settle();
  const disk = c.coordinatorDisk;
  const machine = new CoordinatorMachine({ replicas: 3, partitions: 256, vnodesPerNode: 16 });
  const effects = machine.step({ kind: "recovered", epoch: disk.epoch + 1, members: disk.members, sealed: true, placement: disk.placement!, decisions: [] });
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
