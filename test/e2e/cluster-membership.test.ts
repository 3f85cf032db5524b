// Who may join: a process that does not know the cluster secret is turned away (it exits non-zero
// with a clear message and never shows in RINGKV NODES), even when it claims a member's id; a
// process with the secret but a new id is refused once the first write has sealed the membership.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Redis } from "ioredis";
import { keysByPrimary, nodesView, TestCluster } from "../helpers/cluster.js";
import { runRingkv, tempDir } from "../helpers/ringkv-process.js";

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

  async function listedIds(): Promise<string[]> {
    return (await nodesView(cluster.port)).map((row) => row.id).sort();
  }

  test("a node with the wrong secret exits non-zero, saying so, and is not listed", async () => {
    const result = await join_("stranger", "not-the-secret");
    assert.notEqual(result.code, 0);
    assert.match(result.stdout, /"reason":"wrong cluster secret".*"msg":"the coordinator refused this node"/);
    assert.deepEqual(await listedIds(), ["node-1", "node-2", "node-3"]);
    assert.ok(cluster.coordinator.logs.some((line) => line.includes("failed the handshake (wrong cluster secret?)")));
  });

  test("a node with the wrong secret claiming a member's id does not displace that member", async () => {
    const address = `127.0.0.1:${cluster.nodeProcess("node-1").port}`;
    const result = await join_("node-1", "not-the-secret");
    assert.notEqual(result.code, 0);
    assert.match(result.stdout, /wrong cluster secret/);
    const node1 = (await nodesView(cluster.port)).find((row) => row.id === "node-1");
    assert.deepEqual([node1?.state, node1?.address], ["up", address]);
    assert.equal(await redis.mset(...spread.flatMap((key) => [key, "after"])), "OK", "writes on every node still work");
    assert.deepEqual(await redis.mget(...spread), spread.map(() => "after"));
  });

  test("a node without any secret stops at once with a clear message", async () => {
    const result = await join_("no-secret", undefined);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /joining a cluster needs its secret: --secret or RINGKV_SECRET/);
    assert.deepEqual(await listedIds(), ["node-1", "node-2", "node-3"]);
  });

  test("a new node with the right secret is refused once the membership is sealed", async () => {
    const result = await join_("node-4", cluster.secret);
    assert.notEqual(result.code, 0);
    assert.match(result.stdout, /"reason":"the cluster is sealed .*node-4.* because rebalancing is not supported","msg":"the coordinator refused this node"/);
    assert.doesNotMatch(result.stdout, /wrong cluster secret/);
    assert.deepEqual(await listedIds(), ["node-1", "node-2", "node-3"]);
  });
});
