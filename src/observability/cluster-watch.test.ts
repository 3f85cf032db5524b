import { test } from "node:test";
import assert from "node:assert/strict";
import type { Logger } from "../runtime/logger.js";
import type { ClusterSnapshot } from "./cluster-snapshot.js";
import { ClusterWatch } from "./cluster-watch.js";

function snapshot(node2: "up" | "down", inSyncOfNode2 = 2, catchUps: ClusterSnapshot["catchUps"] = []): ClusterSnapshot {
  const inSync = [["node-1", "node-2"], ["node-2", "node-1"]].map((set, index) => (index < inSyncOfNode2 ? set : set.filter((id) => id !== "node-2")));
  return {
    state: "serving", epoch: 1, sealed: true, minNodes: 2, minInSync: 1, placement: { partitions: 2, replicas: 2, vnodesPerNode: 64 },
    nodes: [
      { id: "node-1", address: "a:1", state: "up", role: "active", primaryPartitions: 1, replicaPartitions: 2, inSyncPartitions: 2, learningPartitions: 0 },
      { id: "node-2", address: "a:2", state: node2, role: "active", primaryPartitions: 1, replicaPartitions: 2, inSyncPartitions: inSyncOfNode2, learningPartitions: 0 },
    ],
    replicas: [["node-1", "node-2"], ["node-2", "node-1"]], inSync, learners: [[], []], move: null, catchUps,
    repair: { current: null, last: null, rounds: 0, keysDiverged: 0, keysFixed: 0, nextBackgroundInTicks: 0, bytesPerSecond: 0 },
    transactionsInFlight: 0, decisionsUnacknowledged: 0, readsInFlight: 0, lockedKeys: 0, lockWaiters: 0,
    cache: { hits: 0, misses: 0, evictions: 0, entries: 0, bytes: 0, bytesMax: 0 },
  };
}

function recordingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const log = (level: string) => (fields: object, message?: string) => lines.push(`${level} ${message} ${JSON.stringify(fields)}`);
  return { logger: { info: log("info"), warn: log("warn"), error: log("error") } as unknown as Logger, lines };
}

test("each change of the cluster's state is logged once, with what to do", () => {
  const { logger, lines } = recordingLogger();
  const watch = new ClusterWatch(logger);
  watch.observe(snapshot("up"));
  watch.observe(snapshot("up"));
  assert.deepEqual(lines.map((line) => line.split(" {")[0]), ["info cluster healthy"]);
  watch.observe(snapshot("down"));
  watch.observe(snapshot("down"));
  assert.equal(lines.length, 2, "logged once, not at every look");
  assert.match(lines[1]!, /^warn cluster degraded: 1 storage node down: node-2 \(a:2\)/);
  assert.match(lines[1]!, /"action":"start node-2 again on its data directory/);
  watch.observe(snapshot("down", 0));
  assert.ok(lines.some((line) => /^warn in-sync sets shrank: node-2 left those of 2 partitions/.test(line)), lines.join("\n"));
  watch.observe(snapshot("up", 0, [{ node: "node-2", partitions: 2, streamedPartitions: 0, keys: 0, bytes: 0 }]));
  assert.ok(lines.some((line) => /^info catch-up of node-2 started/.test(line)), lines.join("\n"));
  watch.observe(snapshot("up", 2));
  assert.ok(lines.some((line) => /^info in-sync sets grew: node-2 rejoined those of 2 partitions/.test(line)));
  assert.ok(lines.some((line) => /^info catch-up of node-2 finished/.test(line)));
  assert.ok(lines.some((line) => /^info cluster healthy again/.test(line)));
});

test("at start-up, waiting for the nodes to join is told at info level; losing them later is a warning", () => {
  const { logger, lines } = recordingLogger();
  const watch = new ClusterWatch(logger);
  const waiting = (joined: number): ClusterSnapshot => ({
    ...snapshot("up"), state: "waiting-for-nodes", minNodes: 2,
    nodes: snapshot("up").nodes.map((node, index) => ({ ...node, state: index < joined ? "up" : "joining" })),
  });
  watch.observe(waiting(0));
  watch.observe(waiting(1));
  watch.observe(snapshot("up"));
  assert.deepEqual(lines.map((line) => line.split(/[:{]/)[0]!.trim()), ["info cluster down", "info cluster still down", "info cluster healthy"]);
  watch.observe(waiting(1));
  assert.match(lines.at(-1)!, /^warn cluster down: 1 of the 2 storage nodes needed have joined/);
});

test("a membership change is logged when it starts, when its new replicas are all in sync, and when it ends, once each", () => {
  const { logger, lines } = recordingLogger();
  const watch = new ClusterWatch(logger);
  const move = (state: "moving" | "cleanup", partitionsDone: number): ClusterSnapshot["move"] => ({
    state, ring: ["node-1", "node-2"], target: ["node-1", "node-2", "node-3"], joining: ["node-3"], leaving: [],
    partitions: 2, partitionsDone, cleanup: [], keysCopied: 30, bytesCopied: 900,
  });
  watch.observe(snapshot("up"));
  watch.observe({ ...snapshot("up"), move: move("moving", 0) });
  watch.observe({ ...snapshot("up"), move: move("moving", 1) });
  watch.observe({ ...snapshot("up"), move: move("cleanup", 2) });
  watch.observe({ ...snapshot("up"), move: move("cleanup", 2) });
  watch.observe(snapshot("up"));
  watch.observe(snapshot("up"));
  assert.deepEqual(lines.slice(1).map((line) => line.split(/[:{]/)[0]!.trim()), [
    "info membership change started", "info membership change", "info membership change finished",
  ]);
  assert.match(lines[1]!, /2 partitions move from node-1,node-2 to node-1,node-2,node-3; RINGKV MOVES/);
  assert.match(lines[2]!, /in sync \(30 keys copied\); switching to the new ring/);
  assert.match(lines[3]!, /the ring is node-1,node-2,node-3/);
});
