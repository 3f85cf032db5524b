// The Redis commands of src/core/commands on a real `ringkv node`, through real clients:
// ioredis multi()/watch, node-redis transactions, redis-cli --scan; expiry deleted in the
// background; FLUSHALL durable and removable by the operator; values from before typed entries.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { Redis } from "ioredis";
import { createClient, WatchError } from "redis";
import { KVStore } from "../../src/storage/kv-store.js";
import { killHard, startNode, stopGracefully, tempDir, type RingkvProcess } from "../support/ringkv-process.js";

async function ioredis(port: number): Promise<Redis> {
  const redis = new Redis({ port, host: "127.0.0.1", lazyConnect: true, maxRetriesPerRequest: 0 });
  await redis.connect();
  return redis;
}

async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("Redis commands on a standalone node, through real clients", () => {
  const dir = tempDir("redis-commands");
  let node: RingkvProcess;

  before(async () => {
    node = await startNode(`${dir.path}/node`);
  });
  after(async () => {
    await stopGracefully(node);
    dir.remove();
  });

  test("ioredis multi() applies its commands as one; watch() aborts when another client wrote", async () => {
    const redis = await ioredis(node.port);
    const other = await ioredis(node.port);
    try {
      assert.deepEqual(await redis.multi().set("tx:a", "1").incr("tx:a").hset("tx:h", "f", "v").hgetall("tx:h").exec(),
        [[null, "OK"], [null, 2], [null, 1], [null, { f: "v" }]]);
      await redis.watch("tx:a");
      await other.set("tx:a", "changed");
      assert.equal(await redis.multi().set("tx:a", "mine").exec(), null);
      assert.equal(await redis.get("tx:a"), "changed");
      await redis.watch("tx:a");
      assert.deepEqual(await redis.multi().set("tx:a", "mine").exec(), [[null, "OK"]]);
      const [[error]] = (await redis.multi().incr("tx:h").exec()) as [[Error | null, unknown]];
      assert.match(String(error), /WRONGTYPE/);
    } finally {
      redis.disconnect();
      other.disconnect();
    }
  });

  test("WATCH: a key that expires after WATCH aborts EXEC; one already expired, reclaimed meanwhile, does not", async () => {
    const redis = await ioredis(node.port);
    try {
      await redis.set("w:soon", "v", "PX", 300);
      await redis.watch("w:soon");
      await new Promise((resolve) => setTimeout(resolve, 350));
      assert.equal(await redis.multi().set("w:other", "1").exec(), null, "the watched key expired");
      await redis.set("w:gone", "v", "PX", 50);
      await new Promise((resolve) => setTimeout(resolve, 100));
      await redis.watch("w:gone");
      await waitUntil(async () => (await redis.dbsize()) === (await redis.keys("*")).length, "the sweep to reclaim w:gone");
      assert.deepEqual(await redis.multi().set("w:other", "2").exec(), [[null, "OK"]]);
    } finally {
      redis.disconnect();
    }
  });

  test("node-redis: MULTI/EXEC, and WATCH raising WatchError", async () => {
    const client = createClient({ socket: { port: node.port, host: "127.0.0.1" } });
    const other = createClient({ socket: { port: node.port, host: "127.0.0.1" } });
    await Promise.all([client.connect(), other.connect()]);
    try {
      assert.deepEqual(await client.multi().set("nr:a", "5").incrBy("nr:a", 2).expire("nr:a", 100).ttl("nr:a").exec(), ["OK", 7, 1, 100]);
      const isolated = await client.duplicate().connect();
      try {
        await isolated.watch("nr:a");
        await other.set("nr:a", "x");
        await assert.rejects(isolated.multi().get("nr:a").exec(), WatchError);
      } finally {
        isolated.destroy();
      }
    } finally {
      client.destroy();
      other.destroy();
    }
  });

  test("redis-cli --scan lists every key, with a pattern", async () => {
    const redis = await ioredis(node.port);
    try {
      const keys = Array.from({ length: 250 }, (_, i) => `scan:${String(i).padStart(3, "0")}`);
      await redis.mset(...keys.flatMap((key) => [key, "v"]));
      const out = execFileSync("redis-cli", ["-p", String(node.port), "--scan", "--pattern", "scan:*"], { encoding: "utf8" });
      assert.deepEqual(out.trim().split("\n").sort(), keys);
      assert.deepEqual((await redis.keys("scan:1*")).length, 100);
    } finally {
      redis.disconnect();
    }
  });

  test("SCAN returns every key present for the whole scan while others come and go between pages", async () => {
    const redis = await ioredis(node.port);
    try {
      await redis.flushall();
      const stable = Array.from({ length: 200 }, (_, i) => `stable:${String(i).padStart(3, "0")}`);
      const churn = Array.from({ length: 200 }, (_, i) => `churn:${String(i).padStart(3, "0")}`);
      await redis.mset(...[...stable, ...churn].flatMap((key) => [key, "v"]));
      const seen = new Set<string>();
      let cursor = "0";
      let page = 0;
      do {
        const [next, keys] = await redis.scan(cursor, "COUNT", 15);
        for (const key of keys) seen.add(key);
        cursor = next;
        // Between pages: delete some churn keys, add new ones before and after the cursor's position.
        await redis.del(churn[page] as string, churn[199 - page] as string);
        await redis.set(`a-new:${page}`, "v");
        await redis.set(`z-new:${page}`, "v");
        page++;
      } while (cursor !== "0");
      for (const key of stable) assert.ok(seen.has(key), key);
      await assert.rejects(redis.scan("12345"), /cursor 12345 is unknown/);
    } finally {
      redis.disconnect();
    }
  });

  test("expired keys vanish at once for readers and are deleted in the background", async () => {
    const redis = await ioredis(node.port);
    try {
      await redis.flushall();
      const pipeline = redis.pipeline();
      for (let i = 0; i < 50; i++) pipeline.set(`exp:${i}`, "v", "PX", 1000);
      await pipeline.set("exp:kept", "v").exec();
      assert.equal(await redis.dbsize(), 51);
      await new Promise((resolve) => setTimeout(resolve, 1050));
      assert.equal(await redis.get("exp:0"), null);
      await waitUntil(async () => (await redis.dbsize()) === 1, "the sweep to delete the 50 expired keys");
      assert.equal(await redis.get("exp:kept"), "v");
    } finally {
      redis.disconnect();
    }
  });
});

describe("FLUSHALL and disabled commands", () => {
  const dir = tempDir("flush");

  after(() => dir.remove());

  test("FLUSHALL is durable: after kill -9 the keys stay gone", async () => {
    const node = await startNode(`${dir.path}/a`);
    const redis = await ioredis(node.port);
    await redis.mset("a", "1", "b", "2");
    await redis.hset("h", "f", "v");
    assert.equal(await redis.flushall(), "OK");
    await redis.set("after", "1");
    redis.disconnect();
    await killHard(node);
    const again = await startNode(`${dir.path}/a`);
    const reader = await ioredis(again.port);
    try {
      assert.deepEqual(await reader.keys("*"), ["after"]);
    } finally {
      reader.disconnect();
      await stopGracefully(again);
    }
  });

  test("--disable-commands makes FLUSHALL an unknown command", async () => {
    const node = await startNode(`${dir.path}/b`, ["--disable-commands", "flushall,flushdb"]);
    const redis = await ioredis(node.port);
    try {
      await redis.set("k", "v");
      await assert.rejects(redis.flushall(), /ERR unknown command 'flushall'/);
      assert.equal(await redis.get("k"), "v");
    } finally {
      redis.disconnect();
      await stopGracefully(node);
    }
  });

  test("values written before typed entries are read as strings after the conversion at start", async () => {
    const path = `${dir.path}/old`;
    const store = await KVStore.open(path, { kind: "node" });
    await store.write([{ db: "data", key: Buffer.from("old"), value: Buffer.from("raw value") }]);
    await store.close();
    const node = await startNode(path);
    const redis = await ioredis(node.port);
    try {
      assert.equal(await redis.get("old"), "raw value");
      assert.equal(await redis.type("old"), "string");
    } finally {
      redis.disconnect();
      await stopGracefully(node);
    }
  });
});
