import { test } from "node:test";
import assert from "node:assert/strict";
import { CoordinatorMachine } from "../core/cluster/coordinator.js";
import { clusterHealth, partitionConditions, PARTITION_CONDITION } from "./cluster-health.js";
import { snapshotOf, type ClusterSnapshot } from "./cluster-snapshot.js";
import { clusterStateFields } from "./status-report.js";

/** A coordinator machine with these storage nodes joined (connection i is node i's). */
function coordinator(nodes: string[], replicas: number, minNodes = replicas): CoordinatorMachine {
  const machine = new CoordinatorMachine({ replicas, minNodes });
  const [epoch] = machine.step({ kind: "recovered", epoch: 1, members: [], sealed: false, decisions: [], inSync: [] });
  assert.ok(epoch?.kind === "persist");
  machine.step({ kind: "persisted", token: epoch.token });
  nodes.forEach((id, connection) => {
    const hello = { type: "hello", nodeId: id, address: `127.0.0.1:${7000 + connection}`, incarnation: "0f".repeat(16) };
    for (const effect of machine.step({ kind: "hello", connection, hello, proofValid: true })) {
      if (effect.kind === "persist") machine.step({ kind: "persisted", token: effect.token });
    }
  });
  return machine;
}

test("every node up: healthy, every partition fully replicated, INFO says serving", () => {
  const snapshot = snapshotOf(coordinator(["node-1", "node-2", "node-3"], 2));
  const health = clusterHealth(snapshot);
  assert.equal(health.status, "healthy");
  assert.deepEqual(health.reasons, []);
  assert.deepEqual(health.partitions, { total: 1024, underReplicated: 0, unwritable: 0, unavailable: 0 });
  assert.equal(clusterStateFields(snapshot).cluster_state, "serving");
  assert.equal(clusterStateFields(snapshot).cluster_state_reason, undefined);
});

test("a node down: degraded, naming the node, its partitions, and what to do; INFO says degraded and why", () => {
  const machine = coordinator(["node-1", "node-2", "node-3"], 2);
  machine.step({ kind: "connectionClosed", connection: 1 });
  const snapshot = snapshotOf(machine);
  const health = clusterHealth(snapshot);
  assert.equal(health.status, "degraded");
  assert.match(health.reasons[0]!, /^1 storage node down: node-2 \(127\.0\.0\.1:7001\)$/);
  const held = snapshot.nodes.find((node) => node.id === "node-2")!.replicaPartitions;
  assert.equal(health.partitions.unwritable, held, "every partition node-2 is in sync for cannot take writes");
  assert.equal(health.partitions.underReplicated, held);
  assert.equal(health.partitions.unavailable, 0, "with 2 replicas every partition still has a live one");
  assert.match(health.reasons[1]!, new RegExp(`^${held} of 1024 partitions cannot take writes`));
  assert.match(health.actions[0]!, /start node-2 again on its data directory/);
  const fields = clusterStateFields(snapshot);
  assert.equal(fields.cluster_state, "degraded");
  assert.match(String(fields.cluster_state_reason), /node-2/);
  assert.equal(fields.storage_nodes_down, 1);
});

test("both replicas of some partitions down: those partitions are unavailable", () => {
  const machine = coordinator(["node-1", "node-2", "node-3"], 2);
  machine.step({ kind: "connectionClosed", connection: 0 });
  machine.step({ kind: "connectionClosed", connection: 1 });
  const snapshot = snapshotOf(machine);
  const conditions = partitionConditions(snapshot);
  snapshot.replicas.forEach((replicas, partition) => {
    const downCount = replicas.filter((id) => id !== "node-3").length;
    const expected = downCount === 2 ? PARTITION_CONDITION.unavailable : downCount === 1 ? PARTITION_CONDITION.unwritable : PARTITION_CONDITION.full;
    assert.equal(conditions[partition], expected, `partition ${partition} of ${replicas.join(",")}`);
  });
  const health = clusterHealth(snapshot);
  assert.ok(health.partitions.unavailable > 0);
  assert.match(health.reasons.join("\n"), /have no live replica: their keys can be neither read nor written/);
});

test("too few nodes joined: down, and INFO keeps the coordinator's own state", () => {
  const snapshot = snapshotOf(coordinator(["node-1"], 2, 3));
  const health = clusterHealth(snapshot);
  assert.equal(health.status, "down");
  assert.match(health.reasons[0]!, /^1 of the 3 storage nodes needed have joined/);
  assert.equal(clusterStateFields(snapshot).cluster_state, "waiting-for-nodes");
});

test("a catching-up replica (a learner) makes the cluster degraded and is named", () => {
  const snapshot: ClusterSnapshot = { ...snapshotOf(coordinator(["node-1", "node-2"], 2)), catchUps: [{ node: "node-2", partitions: 12, streamedPartitions: 5, keys: 300, bytes: 9000 }] };
  const health = clusterHealth(snapshot);
  assert.equal(health.status, "degraded");
  assert.deepEqual(health.reasons, ["node-2 is catching up on 12 partitions (5 streamed so far, 300 keys)"]);
});
