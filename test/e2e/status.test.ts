// `ringkv status`, RINGKV STATUS and INFO's cluster_state against a cluster of real processes,
// healthy and with a storage node killed (kill -9).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { infoFields, nodesView, TestCluster, waitUntil } from "../support/cluster.js";
import { runRingkv } from "../support/ringkv-process.js";
import { VERSION } from "../../src/runtime/version.js";

const run = promisify(execFile);
let cluster: TestCluster;

before(async () => {
  cluster = await TestCluster.start({ nodes: 3, replicas: 2 });
});

after(async () => {
  await cluster?.stop();
});

const status = (...args: string[]) => runRingkv(["status", "--port", String(cluster.port), ...args]);

test("a healthy cluster: exit 0, one line per node with its state, address and ownership", async () => {
  const { code, stdout } = await status();
  assert.equal(code, 0, stdout);
  assert.match(stdout, /^cluster healthy\n/);
  assert.match(stdout, /\nnode +state +role +address +owns +keys +data +in-sync +version +uptime\n/);
  for (const id of cluster.nodeIds()) assert.match(stdout, new RegExp(`\\n${id} +up +active +127\\.0\\.0\\.1:\\d+ +\\d+\\.\\d%`));
  const report = JSON.parse((await status("--json")).stdout) as { health: string; nodes: Array<{ ownsPercent: number; inSyncPartitions: number }> };
  assert.equal(report.health, "healthy");
  // R = 2: every partition is held twice, so the shares add up to 200 %.
  assert.ok(Math.abs(report.nodes.reduce((sum, node) => sum + node.ownsPercent, 0) - 200) < 0.5);
  assert.equal(report.nodes.reduce((sum, node) => sum + node.inSyncPartitions, 0), 2 * 1024);
});

test("each node's keys, data size, version and uptime, as it reports them over the link, in status, --json and RINGKV NODES", async () => {
  const keys = 30;
  const client = cluster.client();
  await client.connect();
  try {
    for (let i = 0; i < keys; i++) assert.equal(await client.set(`fact:${i}`, "v".repeat(100)), "OK");
  } finally {
    client.disconnect();
  }
  type Row = { id: string; keys: number | null; dataBytes: number | null; version: string | null; uptimeSeconds: number | null };
  let nodes: Row[] = [];
  // R = 2: each key is on two nodes. Nodes report every couple of seconds.
  await waitUntil("the nodes' reports to count every key twice", async () => {
    nodes = (JSON.parse((await status("--json")).stdout) as { nodes: Row[] }).nodes;
    return nodes.reduce((sum, node) => sum + (node.keys ?? 0), 0) === 2 * keys;
  }, 10_000);
  for (const node of nodes) {
    assert.equal(node.version, VERSION, node.id);
    assert.ok(node.dataBytes !== null && node.dataBytes > 0, `${node.id} has a data file`);
    assert.ok(node.uptimeSeconds !== null && node.uptimeSeconds >= 0, `${node.id} has an uptime`);
  }
  const { stdout } = await status();
  for (const node of nodes) {
    assert.match(stdout, new RegExp(`\\n${node.id} +up +active +\\S+ +\\S+ +${node.keys} +\\d+(\\.\\d+)? \\S*B +\\d+ +${VERSION.replaceAll(".", "\\.")} +\\d\\S*$`, "m"), stdout);
  }
  const rows = await nodesView(cluster.port);
  assert.deepEqual(rows.map((row) => [row.id, row.version]), nodes.map((node) => [node.id, VERSION]));
  assert.equal(rows.reduce((sum, row) => sum + Number(row.keys), 0), 2 * keys);
});

test("a node killed: exit 1, the node shown down, why the cluster is degraded and what to do; INFO agrees, clients still connect", async () => {
  await cluster.killNode("node-2");
  await waitUntil("status to see node-2 down", async () => (await status()).code === 1, 5_000);
  const { stdout } = await status();
  assert.match(stdout, /^cluster degraded\n {2}- 1 storage node down: node-2 \(127\.0\.0\.1:\d+\)\n/);
  assert.match(stdout, /\n {2}- \d+ of 1024 partitions cannot take writes/);
  assert.match(stdout, /\n {2}→ start node-2 again on its data directory/);
  assert.match(stdout, /\nnode-2 +down +active +127\.0\.0\.1:\d+ /);
  const report = JSON.parse((await status("--json")).stdout) as { health: string; reasons: string[]; nodes: Array<{ id: string; state: string }> };
  assert.equal(report.health, "degraded");
  assert.deepEqual(report.nodes.map((node) => node.state), ["up", "down", "up"]);

  // ioredis reads INFO (loading:0) before it sends anything: a degraded cluster must still let it in.
  const client = cluster.client();
  await client.connect();
  try {
    const info = await infoFields(client, "cluster");
    assert.equal(info.cluster_state, "degraded");
    assert.match(info.cluster_state_reason!, /node-2/);
    assert.equal(info.storage_nodes_down, "1");
    assert.equal((await infoFields(client, "persistence")).loading, "0");
  } finally {
    client.disconnect();
  }

  // The RESP form, as redis-cli shows it.
  const { stdout: resp } = await run("redis-cli", ["-p", String(cluster.port), "ringkv", "status"]);
  assert.match(resp, /^health\ndegraded\nreasons\n1 storage node down: node-2/);

  await cluster.restartNode("node-2");
  await waitUntil("status healthy again", async () => (await status()).code === 0, 10_000);
});

test("no coordinator to ask: exit 3 and why", async () => {
  const { code, stderr } = await runRingkv(["status", "--port", "1"]);
  assert.equal(code, 3);
  assert.match(stderr, /^ringkv status: cannot connect to 127\.0\.0\.1:1/);
});
