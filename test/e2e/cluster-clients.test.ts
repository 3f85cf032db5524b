// A cluster of real processes (a coordinator and three storage nodes, two replicas of every key)
// driven through the coordinator by real Redis clients: ioredis (RESP2) and node-redis (RESP3).

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createClient } from "redis";
import type { Redis } from "ioredis";
import { connectClient, infoFields, keysByPrimary, nodesView, replicasOf, TestCluster, waitUntil } from "../support/cluster.js";

describe("a three-node cluster with real clients", { timeout: 50_000 }, () => {
  let cluster: TestCluster;
  let redis: Redis;

  before(async () => {
    cluster = await TestCluster.start({ nodes: 3, replicas: 2 });
    redis = cluster.client();
    await redis.connect();
  });
  after(async () => {
    redis?.disconnect();
    await cluster?.stop();
  });

  test("ioredis: set/get, NX/XX/GET, mset/mget, del, exists", async () => {
    assert.equal(await redis.set("io:a", "1"), "OK");
    assert.equal(await redis.get("io:a"), "1");
    assert.equal(await redis.set("io:a", "2", "NX"), null);
    assert.equal(await redis.get("io:a"), "1", "a failed NX must not write");
    assert.equal(await redis.set("io:b", "2", "XX"), null);
    assert.equal(await redis.exists("io:b"), 0, "a failed XX must not create the key");
    assert.equal(await redis.set("io:a", "3", "XX", "GET"), "1");
    assert.equal(await redis.set("io:a", "4", "GET"), "3");
    assert.equal(await redis.set("io:new", "n", "NX", "GET"), null);
    assert.equal(await redis.get("io:new"), "n");
    assert.equal(await redis.mset("io:x", "x", "io:y", "y"), "OK");
    assert.deepEqual(await redis.mget("io:x", "io:nope", "io:y", "io:a"), ["x", null, "y", "4"]);
    assert.equal(await redis.exists("io:x", "io:y", "io:x", "io:nope"), 3);
    assert.equal(await redis.del("io:x", "io:y", "io:nope"), 2);
    assert.equal(await redis.del("io:x"), 0);
    assert.deepEqual(await redis.mget("io:x", "io:y"), [null, null]);
    const binary = Buffer.from([0, 255, 13, 10, 36, 42]);
    assert.equal(await redis.set(binary, binary), "OK");
    assert.deepEqual(await redis.getBuffer(binary), binary);
  });

  test("an MSET over keys on different primaries is applied whole", async () => {
    const byPrimary = await keysByPrimary(redis, "spread:", 3, 2);
    assert.equal(byPrimary.size, 3, "every node is primary of some keys");
    const keys = [...byPrimary.values()].flat();
    const primaries = await Promise.all(keys.map(async (key) => (await replicasOf(redis, key))[0]));
    assert.equal(new Set(primaries).size, 3);
    assert.equal(await redis.mset(...keys.flatMap((key) => [key, `v-${key}`])), "OK");
    assert.deepEqual(await redis.mget(...keys), keys.map((key) => `v-${key}`));
    assert.equal(await redis.mset(...keys.flatMap((key) => [key, "second"])), "OK");
    assert.deepEqual(await redis.mget(...keys), keys.map(() => "second"));
    assert.equal(await redis.del(...keys), keys.length);
    assert.equal(await redis.exists(...keys), 0);
  });

  test("RINGKV NODES lists every node up; RINGKV LOCATE names two distinct replicas", async () => {
    const rows = await nodesView(cluster.port);
    assert.deepEqual(rows.map((row) => row.id).sort(), ["node-1", "node-2", "node-3"]);
    for (const row of rows) {
      assert.equal(row.state, "up", `${row.id} is up`);
      assert.equal(row.joined, 1);
      assert.equal(row.address, `127.0.0.1:${cluster.nodeProcess(row.id).port}`, `${row.id} reports its own port`);
    }
    const replicas = await replicasOf(redis, "some-key");
    assert.equal(replicas.length, 2);
    assert.notEqual(replicas[0], replicas[1]);
    await assert.rejects(redis.call("RINGKV", "BOGUS"), /ERR unknown RINGKV subcommand/);
  });

  test("INFO cluster describes the cluster; DBSIZE counts each key once", async () => {
    const info = await infoFields(redis, "cluster");
    assert.equal(info.cluster_enabled, "1");
    assert.equal(info.cluster_state, "serving");
    assert.equal(info.storage_nodes, "3");
    assert.equal(info.storage_nodes_up, "3");
    assert.equal(info.replicas, "2");
    assert.equal(info.sealed, "1", "the first write sealed the membership");
    // DBSIZE sums the nodes' counts over R: exact once every replica has applied every commit.
    const settled = async () => {
      const fields = await infoFields(redis, "cluster");
      return fields.decisions_unacknowledged === "0" && fields.locked_keys === "0";
    };
    await waitUntil("every commit applied", settled, 5_000);
    const before = await redis.dbsize();
    const keys = Array.from({ length: 40 }, (_, i) => `count:${i}`);
    await redis.mset(...keys.flatMap((key) => [key, "v"]));
    await waitUntil("every commit applied", settled, 5_000);
    assert.equal(await redis.dbsize(), before + 40);
    assert.equal(await redis.del(...keys.slice(0, 10)), 10);
    await waitUntil("every commit applied", settled, 5_000);
    assert.equal(await redis.dbsize(), before + 30);
  });

  test("INFO shows the key count without asking every storage node each time (ioredis sends INFO on every connect)", async () => {
    const node1 = connectClient(cluster.nodeProcess("node-1").port);
    await node1.connect();
    const connectionsAt = async () => Number((await infoFields(node1, "stats")).total_connections_received);
    try {
      const before = await connectionsAt();
      const replies = await Promise.all(Array.from({ length: 20 }, () => redis.info("keyspace")));
      for (const reply of replies) assert.match(reply, /^# Keyspace\r\n(db0:keys=\d+,.*\r\n)?$/);
      const asked = (await connectionsAt()) - before;
      assert.ok(asked <= 2, `20 INFOs asked node-1 over ${asked} new connections`);
    } finally {
      node1.disconnect();
    }
  });

  test("node-redis over RESP3: hello, set/get, mget, del, RINGKV NODES as maps", async () => {
    const client = createClient({ socket: { host: "127.0.0.1", port: cluster.port }, RESP: 3 });
    client.on("error", () => {});
    await client.connect();
    try {
      const hello = (await client.sendCommand(["HELLO", "3"])) as unknown as Record<string, unknown>;
      assert.equal(hello.proto, 3);
      assert.equal(await client.set("nr:k", "v"), "OK");
      assert.equal(await client.set("nr:k", "w", { condition: "NX" }), null);
      assert.equal(await client.get("nr:k"), "v");
      assert.equal(await client.get("nr:missing"), null);
      assert.equal(await client.mSet([["nr:a", "1"], ["nr:b", "2"]]), "OK");
      assert.deepEqual(await client.mGet(["nr:a", "nr:missing", "nr:b"]), ["1", null, "2"]);
      assert.equal(await client.exists(["nr:a", "nr:b"]), 2);
      assert.equal(await client.del(["nr:k", "nr:a", "nr:missing"]), 2);
      const nodes = (await client.sendCommand(["RINGKV", "NODES"])) as unknown as Array<Record<string, unknown>>;
      assert.equal(nodes.length, 3);
      assert.ok(nodes.every((node) => node.state === "up"), `all up: ${JSON.stringify(nodes)}`);
      assert.match(await client.info("cluster"), /storage_nodes_up:3/);
    } finally {
      client.destroy();
    }
  });

  test("a storage node's own port refuses data commands and points at the coordinator", async () => {
    const direct = connectClient(cluster.nodeProcess("node-1").port);
    await direct.connect();
    try {
      await assert.rejects(direct.get("io:a"), new RegExp(`READONLY .*cluster at 127\\.0\\.0\\.1:${cluster.port}; send reads and writes to the coordinator`));
      await assert.rejects(direct.set("io:a", "x"), /READONLY/);
      assert.equal(await direct.ping(), "PONG");
    } finally {
      direct.disconnect();
    }
    assert.equal(await redis.get("io:a"), "4", "the refused SET changed nothing");
  });
});
