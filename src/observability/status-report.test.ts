import { test } from "node:test";
import assert from "node:assert/strict";
import type { Socket } from "node:net";
import { RespDecoder, type RespValue } from "../codec/resp-decoder.js";
import { ReplyBuffer } from "../server/reply-buffer.js";
import type { ClusterSnapshot } from "./cluster-snapshot.js";
import { statusFromReply, statusReply, statusReport } from "./status-report.js";

const snapshot: ClusterSnapshot = {
  state: "serving", epoch: 4, sealed: true, minNodes: 2, minInSync: 2,
  placement: { partitions: 4, replicas: 2, vnodesPerNode: 64 },
  nodes: [
    { id: "node-1", address: "127.0.0.1:7001", state: "up", primaryPartitions: 2, replicaPartitions: 3, inSyncPartitions: 3, learningPartitions: 0,
      facts: { keys: 1204, dataBytes: 49_152, version: "0.1.0", uptimeSeconds: 93 } },
    { id: "node-2", address: "127.0.0.1:7002", state: "down", primaryPartitions: 1, replicaPartitions: 3, inSyncPartitions: 3, learningPartitions: 0,
      facts: { keys: 1100, dataBytes: 40_960, version: "0.1.0", uptimeSeconds: 90 } },
    { id: "node-3", address: "127.0.0.1:7003", state: "up", primaryPartitions: 1, replicaPartitions: 2, inSyncPartitions: 2, learningPartitions: 0 },
  ],
  replicas: [["node-1", "node-2"], ["node-2", "node-3"], ["node-1", "node-3"], ["node-2", "node-1"]],
  inSync: [["node-1", "node-2"], ["node-2", "node-3"], ["node-1", "node-3"], ["node-2", "node-1"]],
  catchUps: [],
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
  assert.equal(report.moves, null, "no moves: the coordinator does not move partitions");
});

test("RINGKV STATUS's reply read back over RESP3 is the same report", () => {
  const report = statusReport(snapshot, { address: "127.0.0.1:6380", version: "0.1.0", uptimeSeconds: 100 });
  const buffer = new ReplyBuffer();
  buffer.append(statusReply(report), 3);
  const chunks: Buffer[] = [];
  buffer.writeTo({ write: (chunk: Buffer) => chunks.push(chunk) } as unknown as Socket);
  const wire = Buffer.concat(chunks).toString("latin1");
  assert.match(wire, /owns_percent/, "snake_case fields on the wire");
  let decoded: RespValue | undefined;
  new RespDecoder({ mode: "reply", onReply: (value) => (decoded = value), onProtocolError: (error) => assert.fail(error) }).write(Buffer.concat(chunks));
  assert.deepEqual(statusFromReply(decoded!), report);
});

test("a reply that is not a report is refused clearly", () => {
  assert.throws(() => statusFromReply(Buffer.from("OK")), /not a status report/);
});
