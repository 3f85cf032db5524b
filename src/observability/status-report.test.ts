import { test } from "node:test";
import assert from "node:assert/strict";
import type { Socket } from "node:net";
import { RespDecoder, type RespValue } from "../codec/resp-decoder.js";
import { ReplyBuffer } from "../server/reply-buffer.js";
import type { ClusterSnapshot } from "./cluster-snapshot.js";
import { statusFromReply, statusReply, statusReport } from "./status-report.js";
import { formatStatus } from "./status-format.js";

const snapshot: ClusterSnapshot = {
  state: "serving", epoch: 4, sealed: true, minNodes: 2, minInSync: 2,
  placement: { partitions: 4, replicas: 2, vnodesPerNode: 64 },
  nodes: [
    { id: "node-1", address: "127.0.0.1:7001", state: "up", role: "active", primaryPartitions: 2, replicaPartitions: 3, inSyncPartitions: 3, learningPartitions: 0,
      facts: { keys: 1204, dataBytes: 49_152, version: "0.1.0", uptimeSeconds: 93 } },
    { id: "node-2", address: "127.0.0.1:7002", state: "down", role: "active", primaryPartitions: 1, replicaPartitions: 3, inSyncPartitions: 3, learningPartitions: 0,
      facts: { keys: 1100, dataBytes: 40_960, version: "0.1.0", uptimeSeconds: 90 } },
    { id: "node-3", address: "127.0.0.1:7003", state: "up", role: "active", primaryPartitions: 1, replicaPartitions: 2, inSyncPartitions: 2, learningPartitions: 0 },
  ],
  replicas: [["node-1", "node-2"], ["node-2", "node-3"], ["node-1", "node-3"], ["node-2", "node-1"]],
  inSync: [["node-1", "node-2"], ["node-2", "node-3"], ["node-1", "node-3"], ["node-2", "node-1"]],
  learners: [[], [], [], []],
  move: null,
  catchUps: [],
  repair: { current: null, last: null, rounds: 0, keysDiverged: 0, keysFixed: 0, nextBackgroundInTicks: 0, bytesPerSecond: 0 },
  transactionsInFlight: 0, decisionsUnacknowledged: 0, readsInFlight: 0, lockedKeys: 0, lockWaiters: 0,
  cache: { hits: 0, misses: 0, evictions: 0, entries: 0, bytes: 0, bytesMax: 0 },
};

test("the report: health and why, ownership in percent, facts of nodes that reported, no uptime for a node that is down", () => {
  const report = statusReport(snapshot, { address: "127.0.0.1:6380", version: "0.1.0", uptimeSeconds: 100 });
  assert.equal(report.health, "degraded");
  assert.match(report.reasons[0]!, /node-2/);
  assert.deepEqual(report.partitions, { total: 4, underReplicated: 3, unwritable: 3, unavailable: 0 });
  assert.deepEqual(report.nodes.map((node) => [node.id, node.ownsPercent, node.keys, node.uptimeSeconds]), [
    ["node-1", 75, 1204, 93], ["node-2", 75, 1100, null], ["node-3", 50, null, null],
  ]);
  assert.equal(report.move, null, "no membership change in progress");
  assert.equal(report.repair.running, false);
});

test("RINGKV STATUS's reply read back over RESP3 is the same report", () => {
  const report = statusReport(snapshot, { address: "127.0.0.1:6380", version: "0.1.0", uptimeSeconds: 100 });
  const buffer = new ReplyBuffer();
  buffer.append(statusReply(report), 3);
  const chunks: Buffer[] = [];
  buffer.writeTo({ write: (chunk: Buffer) => chunks.push(chunk) } as unknown as Socket);
  assert.match(Buffer.concat(chunks).toString("latin1"), /owns_percent/, "snake_case fields on the wire");
  assert.deepEqual(roundTrip(report), report);
});

test("a reply that is not a report is refused clearly", () => {
  assert.throws(() => statusFromReply(Buffer.from("OK")), /not a status report/);
});

test("a membership change in progress and a repair round: in the report, through RESP3, and on the status lines", () => {
  const moving: ClusterSnapshot = {
    ...snapshot,
    move: {
      state: "moving", ring: ["node-1", "node-2", "node-3"], target: ["node-1", "node-2", "node-3", "node-4"], joining: ["node-4"], leaving: [],
      partitions: 53, partitionsDone: 12, cleanup: [], keysCopied: 4100, bytesCopied: 1_200_000,
    },
    repair: { ...snapshot.repair, current: { ...round, finishedTick: null }, last: round, rounds: 3, keysDiverged: 9, keysFixed: 7 },
  };
  const report = statusReport(moving, { address: "127.0.0.1:6380", version: "0.1.0", uptimeSeconds: 100 });
  assert.equal(report.move?.partitionsDone, 12);
  assert.deepEqual(report.repair, { running: true, rounds: 3, keysDiverged: 9, keysFixed: 7, lastRoundUnresolved: 2 });
  assert.deepEqual(roundTrip(report), report);
  const text = formatStatus(report, false);
  assert.match(text, /^move: adding node-4 \(node-1,node-2,node-3 -> node-1,node-2,node-3,node-4\): 12 of 53 partitions in sync \(22%\), 4,100 keys \(1\.1 MiB\) copied$/m);
  assert.match(text, /^repair: a round is comparing replicas/m);
  assert.match(text, /^repair: the last round left 2 keys unresolved/m);
  assert.match(text, /^node\s+state\s+role\s+address/m);
  const cleanup = formatStatus({ ...report, move: { ...report.move!, state: "cleanup", partitionsDone: 53, cleanup: ["node-2"] } }, false);
  assert.match(cleanup, /^move: adding node-4 .*: every partition's new replicas in sync, switching to the new ring; dropping moved data on node-2;/m);
});

const round = {
  id: 3, trigger: "manual" as const, phase: "done" as const, startedTick: 10, finishedTick: 90, elapsedTicks: 80,
  partitionsCompared: 4, partitionsSkipped: 0, partitionsDiverged: 1, rangesDiverged: 2,
  keysCompared: 40, keysDiverged: 5, keysFixed: 3, keysUnresolved: 2, keysChanged: 0, bytesScanned: 4000, keysLeftForNextRound: false,
};

function roundTrip(report: ReturnType<typeof statusReport>): ReturnType<typeof statusFromReply> {
  const buffer = new ReplyBuffer();
  buffer.append(statusReply(report), 3);
  const chunks: Buffer[] = [];
  buffer.writeTo({ write: (chunk: Buffer) => chunks.push(chunk) } as unknown as Socket);
  let decoded: RespValue | undefined;
  new RespDecoder({ mode: "reply", onReply: (value) => (decoded = value), onProtocolError: (error) => assert.fail(error) }).write(Buffer.concat(chunks));
  return statusFromReply(decoded!);
}
