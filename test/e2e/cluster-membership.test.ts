// Who may join: a process that does not know the cluster secret is turned away (it finds the
// coordinator's proof of the secret wrong, says so, obeys nothing and keeps trying; it never shows
// in RINGKV NODES), even when it claims a member's id; a
// process with the secret and a new id joins, also once the first write has sealed the membership
// (partitions move to it); a member's id on a new, empty data directory is refused, since it lacks
// the data the member held.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Redis } from "ioredis";
import { keysByPrimary, NO_CACHE_ARGS, nodesView, replicasOf, TestCluster, waitUntil, type NodeRow } from "../support/cluster.js";
import { killHard, runRingkv, startRingkv, stopGracefully, tempDir, type RingkvProcess } from "../support/ringkv-process.js";

const JOIN_TIMEOUT_MS = 15_000;

describe("joining a cluster", { timeout: 50_000 }, () => {
  let cluster: TestCluster;
  let redis: Redis;
  const strangers = tempDir("strangers");
  let spread: string[] = [];

  before(async () => {
    cluster = await TestCluster.start({ nodes: 3, replicas: 2 });
    redis = cluster.client();
    await redis.connect();
    spread = [...(await keysByPrimary(redis, "spread:", 3, 1)).values()].flat();
    assert.equal(await redis.mset(...spread.flatMap((key) => [key, "before"])), "OK"); // seals the membership
  });
  after(async () => {
    redis?.disconnect();
    await cluster?.stop();
    strangers.remove();
  });

  /** Runs `ringkv node --join` to completion (the secret, if any, as a flag; none in the environment). */
  function join_(id: string, secret: string | undefined): ReturnType<typeof runRingkv> {
    const env = { ...process.env };
    delete env.RINGKV_SECRET;
    const args = ["node", "--join", `127.0.0.1:${cluster.port}`, "--port", "0", "--data", join(strangers.path, `${id}-${Date.now()}`), "--id", id];
    return runRingkv(secret === undefined ? args : [...args, "--secret", secret], undefined, JOIN_TIMEOUT_MS, env);
  }

  /**
   * Starts `ringkv node --join` with a wrong secret and waits until it has found the coordinator's
   * proof wrong (it never exits by itself: a process at the join address that cannot prove the
   * secret must not be able to stop it either).
   */
  async function joinWithWrongSecret(id: string): Promise<RingkvProcess> {
    const env = { ...process.env, RINGKV_SECRET: "not-the-secret-but-long-enough" };
    const args = ["node", "--join", `127.0.0.1:${cluster.port}`, "--port", "0", "--data", join(strangers.path, `${id}-${Date.now()}`), "--id", id];
    const stranger = await startRingkv(args, "storage node ready", JOIN_TIMEOUT_MS, env);
    await waitUntil("the stranger to find the coordinator's proof wrong", async () =>
      stranger.logs.some((line) => line.includes("did not prove the cluster secret")), JOIN_TIMEOUT_MS);
    return stranger;
  }

  async function listedIds(): Promise<string[]> {
    return (await nodesView(cluster.port)).map((row) => row.id).sort();
  }

  test("a node with the wrong secret is never admitted: it says the coordinator's proof is wrong, keeps trying, and is not listed", async () => {
    const stranger = await joinWithWrongSecret("stranger");
    try {
      assert.equal(stranger.child.exitCode, null, "it keeps trying");
      assert.ok(!stranger.logs.some((line) => line.includes("joined the cluster")));
      assert.deepEqual(await listedIds(), ["node-1", "node-2", "node-3"]);
      assert.ok(cluster.coordinator.logs.some((line) => line.includes("closed before its hello (wrong cluster secret?)")));
    } finally {
      await killHard(stranger);
    }
  });

  test("a node with the wrong secret claiming a member's id does not displace that member", async () => {
    const address = `127.0.0.1:${cluster.nodeProcess("node-1").port}`;
    const stranger = await joinWithWrongSecret("node-1");
    try {
      const node1 = (await nodesView(cluster.port)).find((row) => row.id === "node-1");
      assert.deepEqual([node1?.state, node1?.address], ["up", address]);
      assert.equal(await redis.mset(...spread.flatMap((key) => [key, "after"])), "OK", "writes on every node still work");
      assert.deepEqual(await redis.mget(...spread), spread.map(() => "after"));
    } finally {
      await killHard(stranger);
    }
  });

  test("a process with the secret claiming a live member's id from another data directory is refused; the member keeps its link", async () => {
    const member = cluster.nodeProcess("node-1");
    const linkLossesBefore = member.logs.filter((line) => line.includes("lost the coordinator")).length;
    const result = await join_("node-1", cluster.secret);
    assert.notEqual(result.code, 0);
    assert.match(result.stdout, /is not on the data directory it joined with/);
    assert.equal(member.logs.filter((line) => line.includes("lost the coordinator")).length, linkLossesBefore, "the member's link was never cut");
    const node1 = (await nodesView(cluster.port)).find((row) => row.id === "node-1");
    assert.deepEqual([node1?.state, node1?.address], ["up", `127.0.0.1:${member.port}`]);
    assert.equal(await redis.mset(...spread.flatMap((key) => [key, "impostor"])), "OK");
  });

  test("a node without any secret stops at once with a clear message", async () => {
    const result = await join_("no-secret", undefined);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /joining a cluster needs its secret: --secret-file, RINGKV_SECRET or --secret/);
    assert.deepEqual(await listedIds(), ["node-1", "node-2", "node-3"]);
  });

  test("a new node with the right secret joins a sealed cluster: partitions move to it, and what was written is still readable", async () => {
    const args = ["node", "--join", `127.0.0.1:${cluster.port}`, "--port", "0", "--data", join(strangers.path, `node-4-${Date.now()}`), "--id", "node-4"];
    const written = await redis.mget(...spread);
    const node4 = await startRingkv(args, "storage node ready", JOIN_TIMEOUT_MS, cluster.env);
    try {
      await waitUntil("node-4 in the ring, its partitions moved", async () => {
        const row = (await nodesView(cluster.port)).find((node) => node.id === "node-4") as (NodeRow & { role?: string }) | undefined;
        return row?.role === "active" && row.in_sync_partitions === row.replica_partitions && row.replica_partitions > 0;
      }, JOIN_TIMEOUT_MS, 100);
      assert.deepEqual(await listedIds(), ["node-1", "node-2", "node-3", "node-4"]);
      assert.deepEqual(await redis.mget(...spread), written);
    } finally {
      await killHard(node4);
    }
  });
});

describe("a member back on an empty data directory", { timeout: 60_000 }, () => {
  let cluster: TestCluster;
  let redis: Redis;
  const fresh = tempDir("wiped");

  before(async () => {
    // No coordinator cache: every read below is answered by a storage node.
    cluster = await TestCluster.start({ nodes: 3, replicas: 2, coordinatorArgs: NO_CACHE_ARGS });
    redis = cluster.client();
    await redis.connect();
  });
  after(async () => {
    redis?.disconnect();
    await cluster?.stop();
    fresh.remove();
  });

  test("is refused with the reason, stays down in RINGKV NODES, and comes back with its data on its own directory", async () => {
    const key = (await keysByPrimary(redis, "wiped:", 3, 1)).get("node-1")![0]!;
    const [, otherReplica] = await replicasOf(redis, key);
    assert.equal(await redis.set(key, "acknowledged"), "OK"); // the first write: the membership is sealed
    const node1 = (await nodesView(cluster.port)).find((row) => row.id === "node-1")!;

    // The impostor below comes on node-1's own port, free once node-1 stops.
    const node1Port = cluster.nodeProcess("node-1").port;
    await stopGracefully(cluster.nodeProcess("node-1"));
    await waitUntil("node-1 down", async () => (await nodesView(cluster.port)).some((row) => row.id === "node-1" && row.state === "down"), 10_000);
    const args = [
      "node", "--join", `127.0.0.1:${cluster.port}`, "--port", String(node1Port), "--data", join(fresh.path, "node-1"),
      "--id", "node-1", "--log-level", "info",
    ];
    const result = await runRingkv(args, undefined, JOIN_TIMEOUT_MS, cluster.env);
    const output = result.stdout + result.stderr;
    assert.notEqual(result.code, 0);
    assert.match(output, /"reason":"storage node \\"node-1\\" .*is not on the data directory it joined with .*new, wiped or replaced.*would lose acknowledged writes.*original data directory/);
    assert.match(output, /"msg":"the coordinator refused this node"/);
    assert.doesNotMatch(output, /joined the cluster/, "a refused node never says it joined");
    assert.ok(cluster.coordinator.logs.some((line) => line.includes("refused a storage node") && line.includes("not on the data directory it joined with")));

    // Membership and ring share only: what node-1 reported about itself (keys, uptime) may have moved on.
    const membership = (row: NodeRow | undefined) => row && {
      id: row.id, address: row.address, state: row.state, joined: row.joined, primary_partitions: row.primary_partitions, replica_partitions: row.replica_partitions, in_sync_partitions: row.in_sync_partitions,
    };
    const listed = (await nodesView(cluster.port)).find((row) => row.id === "node-1");
    assert.deepEqual(membership(listed), { ...membership(node1), state: "down" }, "still a member, down, with its address and ring share");

    await cluster.restartNode("node-1");
    await cluster.killNode(otherReplica!); // now only node-1 holds the key
    assert.equal(await redis.get(key), "acknowledged");
  });
});
