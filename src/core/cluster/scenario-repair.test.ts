// Repair (PROTOCOL.md, Repair; repair.ts, repair-participant.ts): the in-sync replicas of each
// partition are compared by digest and one that differs is brought back to what the others hold —
// a value damaged in place, a key lost, a deletion undone — without ever undoing a write committed
// while the repair runs, and with equal replicas costing one digest scan.

import assert from "node:assert/strict";
import { test } from "node:test";
import { bytes, ClusterHarness, ofType } from "../../../test/support/scenario-harness.js";
import { keyString } from "./key-string.js";

function cluster(): ClusterHarness {
  return new ClusterHarness({ coordinator: { replicas: 3, minInSync: 2 } }).start();
}

/** Writes each key's value (null: deletes it) and lets every replica apply it. */
function write(c: ClusterHarness, values: Record<string, string | null>): void {
  for (const [key, value] of Object.entries(values)) {
    if (value === null) c.request({ kind: "del", keys: [bytes(key)] });
    else c.set(key, value);
    c.settleWithTime();
  }
}

/** Changes a node's disk behind its machine's back, as a damaged disk or a careless hand would. */
function corrupt(c: ClusterHarness, node: string, key: string, change: { value?: string | null; version?: string | null }): void {
  const disk = c.nodes.get(node)!.disk;
  const name = keyString(bytes(key));
  if (change.value === null) disk.data.delete(name);
  else if (change.value !== undefined) disk.data.set(name, bytes(change.value));
  if (change.version === null) disk.versions.delete(name);
  else if (change.version !== undefined) disk.versions.set(name, change.version);
}

function repair(c: ClusterHarness): void {
  const request = c.request({ kind: "repair" });
  assert.deepEqual(c.answer(request)?.result, { kind: "repair", round: c.coordinator.view().repair.current!.id, started: true });
  c.settleWithTime();
  assert.equal(c.coordinator.view().repair.current, null, "the round is over");
}

const versionOn = (c: ClusterHarness, node: string, key: string) => c.nodes.get(node)!.disk.versions.get(keyString(bytes(key)));

test("equal replicas: one digest scan each, nothing listed, nothing fixed", () => {
  const c = cluster();
  write(c, { a: "1", b: "2", gone: "x" });
  write(c, { gone: null });
  repair(c);
  const last = c.coordinator.view().repair.last!;
  assert.equal(last.partitionsCompared, 64);
  assert.deepEqual([last.partitionsDiverged, last.keysCompared, last.keysDiverged, last.keysFixed], [0, 0, 0, 0]);
  assert.ok(last.bytesScanned > 0);
  assert.equal(c.inFlight(ofType("summarize")).length, 0);
  assert.ok(c.logs.some((log) => log.message === "repair round finished: the in-sync replicas agree"));
});

test("a damaged value, a lost key and an undone deletion are each found and brought back to the in-sync copy", () => {
  const c = cluster();
  write(c, { damaged: "good", lost: "kept", deleted: "old" });
  const oldVersion = versionOn(c, "n1", "deleted")!;
  write(c, { deleted: null, untouched: "u" });
  corrupt(c, "n2", "damaged", { value: "garbage" }); // same version, another value
  corrupt(c, "n3", "lost", { value: null, version: null }); // no trace left
  corrupt(c, "n1", "deleted", { value: "old", version: oldVersion }); // the deletion undone
  repair(c);
  assert.deepEqual(c.valuesOnReplicas("damaged"), ["good", "good", "good"]);
  assert.deepEqual(c.valuesOnReplicas("lost"), ["kept", "kept", "kept"]);
  assert.deepEqual(c.valuesOnReplicas("deleted"), [null, null, null]);
  assert.equal(versionOn(c, "n1", "deleted"), versionOn(c, "n2", "deleted"), "the tombstone is back too");
  const last = c.coordinator.view().repair.last!;
  assert.deepEqual([last.keysDiverged, last.keysFixed, last.keysUnresolved], [3, 3, 0]);
  assert.ok(last.partitionsDiverged >= 1 && last.partitionsDiverged <= 3);
  assert.ok(last.keysCompared < 10, "only the keys of differing ranges are listed");
  const again = c.request({ kind: "repair" });
  c.settleWithTime();
  assert.equal(c.answer(again)?.result?.kind, "repair");
  assert.equal(c.coordinator.view().repair.last!.keysDiverged, 0, "a second round finds nothing");
  assert.equal(c.coordinator.view().repair.keysFixed, 3);
});

test("a write committed between the listing and the fix is not undone by the fix", () => {
  const c = cluster();
  write(c, { k: "v1" });
  corrupt(c, "n3", "k", { value: null, version: null });
  c.request({ kind: "repair" });
  // Everything but the fixes goes through.
  for (let round = 0; round < 200 && c.inFlight(ofType("fix")).length === 0; round += 1) {
    c.deliver((envelope) => envelope.message.type !== "fix");
    c.completePersists();
  }
  assert.equal(c.inFlight(ofType("fix")).length, 1);
  const fix = c.inFlight(ofType("fix"))[0]!;
  // A new write commits everywhere first (the fix waits in the network).
  c.set("k", "v2");
  for (let round = 0; round < 50; round += 1) {
    c.deliver((envelope) => envelope !== fix);
    c.completePersists();
  }
  assert.deepEqual(c.valuesOnReplicas("k"), ["v2", "v2", "v2"]);
  c.settleWithTime();
  assert.deepEqual(c.valuesOnReplicas("k"), ["v2", "v2", "v2"], "the late fix found the key changed and left it");
  assert.equal(c.coordinator.view().repair.last!.keysFixed, 0);
});

test("a deleted value back on one replica while the others collected the deletion is not spread: reported, left alone", () => {
  const c = cluster();
  write(c, { k: "v" });
  const version = versionOn(c, "n1", "k")!;
  write(c, { k: null });
  for (const node of ["n2", "n3"]) corrupt(c, node, "k", { version: null }); // their tombstones collected
  corrupt(c, "n1", "k", { value: "v", version }); // n1's deletion undone
  repair(c);
  assert.deepEqual(c.valuesOnReplicas("k").sort(), [null, null, "v"], "no replica got the old value");
  assert.equal(c.coordinator.view().repair.last!.keysUnresolved, 1);
});

test("two replicas holding one version with different values and no majority: reported, left alone", () => {
  const c = new ClusterHarness({ coordinator: { replicas: 2, minInSync: 1 } }).start();
  write(c, { k: "v" });
  const [, second] = c.replicasOf("k");
  corrupt(c, second!, "k", { value: "other" });
  repair(c);
  const last = c.coordinator.view().repair.last!;
  assert.deepEqual([last.keysDiverged, last.keysUnresolved, last.keysFixed], [1, 1, 0]);
  assert.ok(c.logs.some((log) => log.level === "warn" && log.message.startsWith("repair cannot tell which replica is right")));
});

test("only in-sync replicas are compared: a replica down and out of sync is neither a source nor fixed, and its partitions go on among the others", () => {
  const c = new ClusterHarness({ coordinator: { replicas: 3, minInSync: 2, replicaTimeoutTicks: 20 } }).start();
  write(c, { k: "v1" });
  c.crashNode("n3");
  c.advance(20 + c.coordinator.config.heartbeatTicks);
  c.settle();
  corrupt(c, "n3", "k", { value: "stale-but-newer", version: "999.1" });
  corrupt(c, "n2", "k", { value: "older", version: "0.1" });
  repair(c);
  assert.equal(c.valueOn("n2", "k"), "v1", "fixed from n1, the other in-sync replica");
  assert.equal(c.valueOn("n3", "k"), "stale-but-newer", "n3 is not in sync: not read, not written");
});

test("a background round runs every repairIntervalTicks, and a request while one runs joins it", () => {
  const c = new ClusterHarness({ coordinator: { replicas: 3, minInSync: 2, repairIntervalTicks: 100 } }).start();
  write(c, { k: "v" });
  corrupt(c, "n1", "k", { value: null, version: null });
  c.advance(100);
  const running = c.coordinator.view().repair.current;
  assert.equal(running?.trigger, "background");
  const joined = c.request({ kind: "repair" });
  assert.deepEqual(c.answer(joined)?.result, { kind: "repair", round: running!.id, started: false });
  c.settleWithTime();
  assert.equal(c.valueOn("n1", "k"), "v");
});

test("a node that goes down in the middle leaves the round; the round still ends", () => {
  const c = cluster();
  write(c, { k: "v" });
  c.request({ kind: "repair" });
  c.deliver(ofType("digest"));
  c.crashNode("n3");
  c.settleWithTime();
  const last = c.coordinator.view().repair.last!;
  assert.equal(last.partitionsCompared + last.partitionsSkipped, 64);
  assert.equal(c.coordinator.view().repair.current, null);
});
