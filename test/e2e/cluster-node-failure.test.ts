// A storage node killed with SIGKILL in a cluster of three with two replicas per key: every key
// stays readable from its other replica, writes that need the dead node fail fast with TRYAGAIN
// naming it, the others succeed, and the node rejoins by itself when started again on its data.
// The coordinator runs without a cache, so every read below is served by a storage node.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { infoFields, nodesView, NO_CACHE_ARGS, replicasOf, TestCluster, waitUntil } from "../support/cluster.js";

const KEY_COUNT = 60;
const VICTIM = "node-2";

describe("a storage node killed with SIGKILL", { timeout: 50_000 }, () => {
  let cluster: TestCluster;
  let redis: Redis;
  const keys = Array.from({ length: KEY_COUNT }, (_, i) => `key:${i}`);
  let needsVictim: string[] = [];
  let avoidsVictim: string[] = [];

  before(async () => {
    cluster = await TestCluster.start({ nodes: 3, replicas: 2, coordinatorArgs: NO_CACHE_ARGS });
    redis = cluster.client();
    await redis.connect();
    for (const key of keys) assert.equal(await redis.set(key, `before:${key}`), "OK");
    const replicas = await Promise.all(keys.map((key) => replicasOf(redis, key)));
    needsVictim = keys.filter((_, i) => replicas[i]!.includes(VICTIM));
    avoidsVictim = keys.filter((_, i) => !replicas[i]!.includes(VICTIM));
    assert.ok(needsVictim.length > 5 && avoidsVictim.length > 5, `keys on both sides: ${needsVictim.length} / ${avoidsVictim.length}`);
    await cluster.killNode(VICTIM);
    await waitUntil(`${VICTIM} down at the coordinator`, async () => (await nodesView(cluster.port)).some((row) => row.id === VICTIM && row.state === "down"), 5_000);
  });
  after(async () => {
    redis?.disconnect();
    await cluster?.stop();
  });

  test("every key is still readable, one by one and in one MGET", async () => {
    // The coordinator knows the node is down, so no read waits for it.
    for (const key of keys) {
      const started = performance.now();
      assert.equal(await redis.get(key), `before:${key}`, `GET ${key}`);
      const elapsedMs = performance.now() - started;
      assert.ok(elapsedMs < 1_000, `GET ${key} took ${elapsedMs.toFixed(0)} ms`);
    }
    assert.deepEqual(await redis.mget(...keys), keys.map((key) => `before:${key}`));
    assert.equal(await redis.exists(...keys), keys.length);
    const info = await infoFields(redis, "cluster");
    assert.equal(info.cache_entries, "0", "reads were served by storage nodes, not a coordinator cache");
    assert.equal(info.storage_nodes_up, "2");
  });

  // A plain INFO (ioredis's ready check on connect, `redis-cli info`) includes the keyspace
  // section, whose key count needs every storage node: it must still answer with one down.
  test("a new client with ioredis's default ready check connects and reads", async () => {
    const fresh = new Redis({ host: "127.0.0.1", port: cluster.port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    fresh.on("error", () => {});
    try {
      await fresh.connect();
      assert.equal(await fresh.get(keys[0]!), `before:${keys[0]}`);
      assert.match(await fresh.info(), /# Server/);
    } finally {
      fresh.disconnect();
    }
  });

  test("a write that needs the dead node fails within 1 s with TRYAGAIN naming it, and changes nothing", async () => {
    const victimAddress = `127.0.0.1:${cluster.nodeProcess(VICTIM).port}`;
    for (const key of needsVictim.slice(0, 10)) {
      const started = performance.now();
      await assert.rejects(redis.set(key, "during"), (error: Error) => {
        assert.match(error.message, new RegExp(`^TRYAGAIN .*${VICTIM} \\(${victimAddress.replace(/\./g, "\\.")}\\)`));
        return true;
      });
      const elapsedMs = performance.now() - started;
      assert.ok(elapsedMs < 1_000, `SET ${key} took ${elapsedMs.toFixed(0)} ms to fail`);
    }
    await assert.rejects(redis.del(needsVictim[0]!), /TRYAGAIN/);
    // An MSET with one key on the dead node is refused whole.
    await assert.rejects(redis.mset(avoidsVictim[0]!, "partial", needsVictim[0]!, "partial"), new RegExp(`TRYAGAIN .*${VICTIM}`));
    assert.deepEqual(await redis.mget(avoidsVictim[0]!, needsVictim[0]!), [`before:${avoidsVictim[0]}`, `before:${needsVictim[0]}`]);
  });

  test("writes that do not need the dead node succeed", async () => {
    for (const key of avoidsVictim) assert.equal(await redis.set(key, `during:${key}`), "OK");
    assert.equal(await redis.mset(...avoidsVictim.slice(0, 4).flatMap((key) => [key, `mset:${key}`])), "OK");
    assert.deepEqual(await redis.mget(...avoidsVictim.slice(0, 4)), avoidsVictim.slice(0, 4).map((key) => `mset:${key}`));
  });

  test("restarted on its data with its id, the node rejoins by itself and serves what it held", async () => {
    await cluster.restartNode(VICTIM);
    for (const key of needsVictim) assert.equal(await redis.set(key, `after:${key}`), "OK");
    const expected = new Map<string, string>(keys.map((key) => [key, needsVictim.includes(key) ? `after:${key}` : `during:${key}`]));
    for (const key of avoidsVictim.slice(0, 4)) expected.set(key, `mset:${key}`);
    assert.deepEqual(await redis.mget(...keys), keys.map((key) => expected.get(key)));
    // Kill node-3: keys kept on the rejoined node and node-3 can now only come from the rejoined
    // node's disk, so what it held before its SIGKILL and what it got after must both be there.
    await cluster.killNode("node-3");
    await waitUntil("node-3 down", async () => (await nodesView(cluster.port)).some((row) => row.id === "node-3" && row.state === "down"), 5_000);
    const replicas = await Promise.all(keys.map((key) => replicasOf(redis, key)));
    const onlyOnVictim = keys.filter((_, i) => replicas[i]!.includes(VICTIM) && replicas[i]!.includes("node-3"));
    assert.ok(onlyOnVictim.length > 3, `${onlyOnVictim.length} keys live on ${VICTIM} and node-3`);
    assert.deepEqual(await redis.mget(...onlyOnVictim), onlyOnVictim.map((key) => expected.get(key)));
  });
});
