// Prometheus metrics of real processes move with the traffic that should move them: a cluster of
// real processes (each with --metrics-port 0), driven by a real ioredis client, scraped before
// and after.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import type { Redis } from "ioredis";
import { NO_CACHE_ARGS, TestCluster, waitUntil } from "../support/cluster.js";
import { familyNames, scrape, sample } from "../support/metrics.js";
import { startNode, stopGracefully, tempDir } from "../support/ringkv-process.js";

let cluster: TestCluster;
let client: Redis;

before(async () => {
  cluster = await TestCluster.start({
    nodes: 3, replicas: 2, coordinatorArgs: [...NO_CACHE_ARGS, "--metrics-port", "0"], nodeArgs: ["--metrics-port", "0"],
  });
  client = cluster.client();
  await client.connect();
});

after(async () => {
  client?.disconnect();
  await cluster?.stop();
});

const coordinatorMetrics = () => scrape(cluster.coordinator.metricsPort!);
const nodeMetrics = (id: string) => scrape(cluster.nodeProcess(id).metricsPort!);

test("writes and reads move the command counters, their latency, the stages of 2PC and the nodes' stores", async () => {
  const before = await coordinatorMetrics();
  const nodesBefore = await Promise.all(cluster.nodeIds().map(nodeMetrics));
  const keys = 40;
  for (let i = 0; i < keys; i++) assert.equal(await client.set(`m${i}`, `v${i}`), "OK");
  for (let i = 0; i < keys; i++) assert.equal(await client.get(`m${i}`), `v${i}`);
  assert.equal(await client.get("never-written"), null);
  const after = await coordinatorMetrics();
  const delta = (name: string, labels: Record<string, string> = {}) => sample(after, name, labels) - sample(before, name, labels);

  assert.equal(delta("ringkv_commands_total", { command: "set", outcome: "ok" }), keys);
  assert.equal(delta("ringkv_commands_total", { command: "get", outcome: "ok" }), keys + 1);
  assert.equal(delta("ringkv_command_duration_seconds_count", { command: "set" }), keys);
  assert.ok(delta("ringkv_command_duration_seconds_sum", { command: "set" }) > 0);
  // Without a coordinator cache every GET waits for a replica's answer.
  assert.equal(delta("ringkv_read_duration_seconds_count", { answer: "waited" }), keys + 1);
  // Each SET prepares on and commits at both replicas of its key, and persists one decision.
  assert.equal(delta("ringkv_link_round_trip_seconds_count", { message: "prepare" }), 2 * keys);
  assert.equal(delta("ringkv_link_round_trip_seconds_count", { message: "read" }), keys + 1);
  assert.ok(delta("ringkv_durable_write_seconds_count", { records: "decision" }) + delta("ringkv_durable_write_seconds_count", { records: "decision+members" }) >= keys);
  assert.equal(sample(after, "ringkv_cluster_health", { status: "healthy" }), 1);
  assert.equal(sample(after, "ringkv_storage_nodes", { state: "up" }), 3);
  assert.equal(sample(after, "ringkv_partitions", { state: "total" }), 1024);
  assert.equal(sample(after, "ringkv_build_info", { version: "0.1.0", role: "coordinator" }), 1);
  assert.ok(sample(after, "process_resident_memory_bytes") > 0, "prom-client's process metrics");
  assert.ok(after.has("nodejs_eventloop_lag_seconds"));

  const nodesAfter = await Promise.all(cluster.nodeIds().map(nodeMetrics));
  const total = (samples: typeof nodesAfter, name: string, labels: Record<string, string> = {}) =>
    samples.reduce((sum, node) => sum + sample(node, name, labels), 0);
  assert.equal(total(nodesAfter, "ringkv_store_keys") - total(nodesBefore, "ringkv_store_keys"), 2 * keys, "each key on 2 nodes");
  assert.equal(total(nodesAfter, "ringkv_node_response_seconds_count", { message: "prepare" })
    - total(nodesBefore, "ringkv_node_response_seconds_count", { message: "prepare" }), 2 * keys);
  assert.equal(total(nodesAfter, "ringkv_durable_write_seconds_count", { records: "prepared" })
    - total(nodesBefore, "ringkv_durable_write_seconds_count", { records: "prepared" }), 2 * keys);
  assert.ok(total(nodesAfter, "ringkv_cache_misses_total") - total(nodesBefore, "ringkv_cache_misses_total") >= keys + 1,
    "each replica read misses the node's cache (writes drop keys from it)");

  // The coordinator exports what each node reports about itself over the link (every couple of seconds).
  await waitUntil("the coordinator's per-node key counts to match the nodes' own", async () => {
    const coordinator = await coordinatorMetrics();
    return cluster.nodeIds().every((id, i) => sample(coordinator, "ringkv_node_keys", { node: id }) === sample(nodesAfter[i]!, "ringkv_store_keys"));
  }, 10_000);
  const coordinator = await coordinatorMetrics();
  for (const id of cluster.nodeIds()) {
    assert.equal(sample(coordinator, "ringkv_node_build_info", { node: id, version: "0.1.0" }), 1, id);
    assert.ok(sample(coordinator, "ringkv_node_data_bytes", { node: id }) > 0, id);
    assert.ok(coordinator.has(`ringkv_node_uptime_seconds{node="${id}"}`), id);
  }
});

test("a node killed: its up gauge drops, the cluster turns degraded, refused writes are counted by error code", async () => {
  const victim = "node-3";
  await cluster.killNode(victim);
  await waitUntil("the coordinator to see node-3 down", async () => sample(await coordinatorMetrics(), "ringkv_node_up", { node: victim }) === 0, 5_000);
  const before = await coordinatorMetrics();
  assert.equal(sample(before, "ringkv_cluster_health", { status: "degraded" }), 1);
  assert.equal(sample(before, "ringkv_storage_nodes", { state: "down" }), 1);
  assert.ok(sample(before, "ringkv_partitions", { state: "unwritable" }) > 0);
  let refused = 0;
  for (let i = 0; i < 30; i++) {
    await client.set(`d${i}`, "v").catch((error: Error) => {
      assert.match(error.message, /^TRYAGAIN/);
      refused++;
    });
  }
  assert.ok(refused > 0, "some of the keys live on node-3");
  const after = await coordinatorMetrics();
  assert.equal(sample(after, "ringkv_commands_total", { command: "set", outcome: "tryagain" }) - sample(before, "ringkv_commands_total", { command: "set", outcome: "tryagain" }), refused);
  await cluster.restartNode(victim);
});

test("a standalone node's metrics need its password when it has one; connections and its store are counted", async () => {
  const dir = tempDir("metrics-node");
  const node = await startNode(dir.path, ["--metrics-port", "0", "--password", "pw"]);
  try {
    const response = await fetch(`http://127.0.0.1:${node.metricsPort}/metrics`);
    assert.equal(response.status, 401);
    const before = await scrape(node.metricsPort!, "pw");
    const { Redis: RedisClient } = await import("ioredis");
    const standalone = new RedisClient({ port: node.port, password: "pw", lazyConnect: true });
    await standalone.connect();
    await standalone.mset("a", "1", "b", "2");
    const during = await scrape(node.metricsPort!, "pw");
    standalone.disconnect();
    assert.equal(sample(during, "ringkv_connected_clients"), 1);
    assert.equal(sample(during, "ringkv_store_keys") - sample(before, "ringkv_store_keys"), 2);
    assert.equal(sample(during, "ringkv_commands_total", { command: "mset", outcome: "ok" }), 1);
    assert.equal(sample(during, "ringkv_build_info", { version: "0.1.0", role: "standalone" }), 1);
    assert.equal(sample(during, "ringkv_client_buffers_max_bytes"), 512 * 1024 * 1024, "the bound on client buffers (the default)");
    assert.ok(during.has("ringkv_client_buffers_bytes") && during.has("ringkv_clients_evicted_total"));
  } finally {
    await stopGracefully(node);
    dir.remove();
  }
});

test("every metric the checked-in Grafana dashboard queries is exported by the coordinator or a storage node", async () => {
  const dashboard = readFileSync(new URL("../../../docs/grafana-dashboard.json", import.meta.url), "utf8");
  const queried = new Set([...dashboard.matchAll(/\b((?:ringkv|process|nodejs)_[a-z0-9_]+)/g)].map((match) => match[1]!.replace(/_(bucket|count|sum)$/, "")));
  const exported = new Set([...await familyNames(cluster.coordinator.metricsPort!), ...await familyNames(cluster.nodeProcess("node-1").metricsPort!)]);
  assert.ok(queried.size > 20);
  assert.deepEqual([...queried].filter((name) => !exported.has(name)), []);
});
