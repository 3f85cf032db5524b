import { test } from "node:test";
import assert from "node:assert/strict";
import { keyString } from "../core/cluster/key-string.js";
import type { PartitionState } from "../core/cluster/types.js";
import { Ring } from "../core/ring.js";
import { PlacementMonitor, disksHolding, placementProblems, type DurableView } from "./placement.js";
import { textToEntry } from "./entry-text.js";
import { textToBytes } from "./trace.js";

const placement = { partitions: 8, vnodesPerNode: 4, replicas: 3 };
const membership = { placement, members: ["n1", "n2", "n3", "n4"] };
const ring = new Ring(placement, membership.members);

/** What a correct coordinator with every replica in sync shows. */
function healthy(): PartitionState[] {
  return Array.from({ length: placement.partitions }, (_, partition) => {
    const replicas = [...ring.replicasOfPartition(partition)];
    return { partition, replicas, inSync: [...replicas], epoch: 0, learners: [] };
  });
}

/** Partition 0 with its first replica out of sync and catching up, as after a shrink. */
function shrunk(states = healthy()): PartitionState[] {
  const [first, ...rest] = states[0]!.replicas;
  states[0] = { ...states[0]!, inSync: rest, learners: [first!], epoch: 1 };
  return states;
}

test("replicas as the ring places them, in-sync subsets and learners outside them: no problems", () => {
  assert.deepEqual(placementProblems(healthy(), membership), []);
  assert.deepEqual(placementProblems(shrunk(), membership), []);
});

const broken: Array<[string, (states: PartitionState[]) => void, RegExp]> = [
  ["a replica twice", (states) => { states[1]!.replicas[1] = states[1]!.replicas[0]!; }, /partition 1 lists a replica twice/],
  ["too few replicas", (states) => { states[2]!.replicas.pop(); }, /partition 2 has 2 replicas, not min\(R, N\) = 3/],
  ["replicas the ring does not give", (states) => { states[3]!.replicas.reverse(); }, /partition 3 has replicas .*, the ring says/],
  ["an empty in-sync set", (states) => { states[4]!.inSync = []; }, /partition 4 has an empty in-sync set/],
  ["an in-sync member that is no replica", (states) => {
    states[5]!.inSync = [...states[5]!.inSync.slice(1), membership.members.find((id) => !states[5]!.replicas.includes(id))!];
  }, /partition 5 has in-sync members that are not its replicas/],
  ["a learner in sync", (states) => { states[6]!.learners = [states[6]!.inSync[0]!]; }, /partition 6 has learners that are not out-of-sync replicas/],
  ["a partition missing", (states) => { states.pop(); }, /shows 7 partitions, the placement has 8/],
];

for (const [what, breakIt, expected] of broken) {
  test(`placement problem found: ${what}`, () => {
    const states = healthy();
    breakIt(states);
    assert.match(placementProblems(states, membership).join("\n"), expected);
  });
}

test("within one coordinator life an epoch never goes back and every in-sync change bumps it; a restart starts over", () => {
  const monitor = new PlacementMonitor(2);
  monitor.sample(shrunk(), membership, 1, 10);
  monitor.sample(healthy(), membership, 1, 20); // back to all in sync, epoch 0: went back
  assert.match(monitor.problems.map((problem) => problem.message).join("\n"), /partition 0's epoch went back from 1 to 0/);
  const sameEpoch = new PlacementMonitor(2);
  sameEpoch.sample(healthy(), membership, 1, 10);
  const changed = shrunk();
  changed[0]!.epoch = 0;
  sameEpoch.sample(changed, membership, 1, 20);
  assert.match(sameEpoch.problems[0]!.message, /partition 0's in-sync set changed from .* without a new epoch \(0\)/);
  const restarted = new PlacementMonitor(2);
  restarted.sample(shrunk(), membership, 1, 10);
  restarted.sample(healthy(), membership, 2, 20);
  assert.deepEqual(restarted.problems, []);
});

/** Disks of n1..n4, each holding `key` = `value` as data when `holders` names it. */
function disks(key: string, value: string, holders: string[], prepared: string[] = []): DurableView[] {
  return membership.members.map((id) => {
    const data = new Map(holders.includes(id) ? [[keyString(textToBytes(key)), textToEntry(value)]] : []);
    const writes = prepared.includes(id) ? [{ key: textToBytes(key), value: textToEntry(value) }] : [];
    return { data, prepared: new Map(writes.length > 0 ? [["1.1", writes]] : []) };
  });
}

test("a write found as data or in a prepared record counts on that disk; another value does not", () => {
  assert.equal(disksHolding("k", "v1", disks("k", "v1", ["n1"], ["n2", "n3"])), 3);
  assert.equal(disksHolding("k", "v2", disks("k", "v1", ["n1"], ["n2"])), 0);
});

test("an acknowledged write must have W in-sync members and be on W disks", () => {
  const key = "r1";
  const partition = ring.partitionOfKey(textToBytes(key));
  const op = { f: "set" as const, key, value: "c1.1" };
  const fine = new PlacementMonitor(2);
  fine.acknowledged(op, healthy(), membership, disks(key, "c1.1", [], ring.replicasOfPartition(partition).slice(0, 2)), 5);
  assert.deepEqual(fine.problems, []);

  const states = healthy();
  states[partition]!.inSync = states[partition]!.inSync.slice(0, 1);
  const fewInSync = new PlacementMonitor(2);
  fewInSync.acknowledged(op, states, membership, disks(key, "c1.1", ["n1", "n2"]), 5);
  assert.match(fewInSync.problems[0]!.message, new RegExp(`a write of r1 was acknowledged while partition ${partition} had 1 in-sync members .*fewer than W = 2`));
  assert.deepEqual(fewInSync.problems[0]!.keys, [key]);

  const fewDisks = new PlacementMonitor(2);
  fewDisks.acknowledged(op, healthy(), membership, disks(key, "c1.1", ["n1"]), 5);
  assert.match(fewDisks.problems[0]!.message, /a write of r1="c1.1" was acknowledged while on 1 disks, fewer than W = 2/);
});
