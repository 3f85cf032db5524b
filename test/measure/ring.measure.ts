// Measures the ring's balance and how much moves on a join or a leave, for the figures quoted in
// ring.test.ts's bounds and in the report. Deterministic (node ids are enumerated, not random), so
// two runs print the same table.
//   npx tsc -p . && node dist/test/measure/ring.measure.js
import { Ring } from "../../src/core/ring.js";

const TRIALS = 200;
const PARTITIONS = 1024;
const REPLICAS = 3;

/** A membership of `count` node ids, different for every trial. */
function nodeIds(trial: number, count: number): string[] {
  return Array.from({ length: count }, (_, j) => `node-${trial}-${j}`);
}

/** max/mean over members of a load, e.g. partitions for which each member is primary. */
function maxOverMean(ring: Ring, load: "primaryPartitions" | "replicaPartitions"): number {
  const counts = [...ring.loadByNode().values()].map((nodeLoad) => nodeLoad[load]);
  const mean = counts.reduce((sum, count) => sum + count, 0) / counts.length;
  return Math.max(...counts) / mean;
}

/** Fraction of partitions whose primary, and whose replica set, differ between two rings. */
function movedFractions(before: Ring, after: Ring): { primary: number; replicaSet: number } {
  let primary = 0;
  let replicaSet = 0;
  for (let partition = 0; partition < before.partitions; partition += 1) {
    const old = before.replicasOfPartition(partition);
    const next = after.replicasOfPartition(partition);
    if (old[0] !== next[0]) primary += 1;
    if (old.some((nodeId) => !next.includes(nodeId))) replicaSet += 1;
  }
  return { primary: primary / before.partitions, replicaSet: replicaSet / before.partitions };
}

interface Summary {
  mean: number;
  max: number;
}

function summarize(values: number[]): Summary {
  return { mean: values.reduce((sum, value) => sum + value, 0) / values.length, max: Math.max(...values) };
}

function format(summary: Summary): string {
  return `${summary.mean.toFixed(3)} / ${summary.max.toFixed(3)}`;
}

function measureBalance(): void {
  console.log(`Balance: max/mean partitions per node (P=${PARTITIONS}, R=${REPLICAS}); mean / worst of ${TRIALS} memberships`);
  console.log("   N     V   primary          replica          node-1..node-N primary");
  for (const count of [3, 5, 10]) {
    for (const vnodesPerNode of [16, 64, 256]) {
      const options = { partitions: PARTITIONS, vnodesPerNode, replicas: REPLICAS };
      const rings = Array.from({ length: TRIALS }, (_, trial) => new Ring(options, nodeIds(trial, count)));
      const primary = summarize(rings.map((ring) => maxOverMean(ring, "primaryPartitions")));
      const replica = summarize(rings.map((ring) => maxOverMean(ring, "replicaPartitions")));
      const plainIds = Array.from({ length: count }, (_, j) => `node-${j + 1}`);
      const plain = maxOverMean(new Ring(options, plainIds), "primaryPartitions");
      const row = `${String(count).padStart(4)} ${String(vnodesPerNode).padStart(5)}   ${format(primary)}    ${format(replica)}    ${plain.toFixed(3)}`;
      console.log(row);
    }
  }
}

function measureMoves(): void {
  console.log(`\nMoved fraction of partitions (V=64, P=${PARTITIONS}, R=${REPLICAS}); mean / worst of ${TRIALS} memberships`);
  console.log("Ideal primary share moved: 1/(N+1) on a join, 1/N on a leave.");
  console.log("   N   join: primary      join: replica set  leave: primary     leave: replica set");
  for (const count of [3, 5, 10]) {
    const joinPrimary: number[] = [];
    const joinSet: number[] = [];
    const leavePrimary: number[] = [];
    const leaveSet: number[] = [];
    for (let trial = 0; trial < TRIALS; trial += 1) {
      const ring = new Ring({ partitions: PARTITIONS, replicas: REPLICAS }, nodeIds(trial, count));
      const joined = movedFractions(ring, ring.withNode(`joiner-${trial}`));
      const left = movedFractions(ring, ring.withoutNode(ring.nodes()[trial % count]!));
      joinPrimary.push(joined.primary);
      joinSet.push(joined.replicaSet);
      leavePrimary.push(left.primary);
      leaveSet.push(left.replicaSet);
    }
    const columns = [joinPrimary, joinSet, leavePrimary, leaveSet].map((values) => format(summarize(values)).padEnd(17));
    console.log(`${String(count).padStart(4)}   ${columns.join("  ")}`);
  }
}

measureBalance();
measureMoves();
