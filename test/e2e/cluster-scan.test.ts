// SCAN, KEYS and RANDOMKEY through the coordinator of a three-node cluster (two replicas of every
// key): real clients (ioredis's scanStream, redis-cli --scan) walk every partition of every node,
// and a scan under concurrent writes returns every key present for the whole scan.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { promisify } from "node:util";
import type { Redis } from "ioredis";
import { TestCluster } from "../support/cluster.js";

const run = promisify(execFile);

describe("SCAN, KEYS and RANDOMKEY through the coordinator", { timeout: 120_000 }, () => {
  let cluster: TestCluster;
  let redis: Redis;
  const strings = Array.from({ length: 300 }, (_, i) => `s:${i}`);
  const hashes = Array.from({ length: 40 }, (_, i) => `h:${i}`);

  before(async () => {
    cluster = await TestCluster.start({ nodes: 3, replicas: 2 });
    redis = cluster.client();
    await redis.connect();
    for (let i = 0; i < strings.length; i += 50) await redis.mset(...strings.slice(i, i + 50).flatMap((key) => [key, `v-${key}`]));
    for (const key of hashes) await redis.hset(key, "f", "1");
    await redis.set("gone:1", "x", "PX", 1); // expired by the time anything scans
  });
  after(async () => {
    redis?.disconnect();
    await cluster?.stop();
  });

  async function scanAll(options: { match?: string; count?: number; type?: string } = {}): Promise<string[]> {
    const found: string[] = [];
    for await (const page of redis.scanStream(options)) found.push(...(page as string[]));
    return found;
  }

  test("ioredis scanStream returns every key (MATCH, COUNT and TYPE as Redis)", async () => {
    await new Promise((resolve) => setTimeout(resolve, 5));
    const all = await scanAll({ count: 7 });
    assert.deepEqual([...new Set(all)].sort(), [...strings, ...hashes].sort(), "every live key, the expired one not");
    assert.deepEqual((await scanAll({ match: "h:*", count: 100 })).sort(), [...hashes].sort());
    assert.deepEqual((await scanAll({ type: "hash" })).sort(), [...hashes].sort());
    assert.deepEqual(await scanAll({ match: "nothing:*" }), []);
  });

  test("KEYS is a full scan; RANDOMKEY answers a live key", async () => {
    assert.deepEqual((await redis.keys("*")).sort(), [...strings, ...hashes].sort());
    assert.deepEqual((await redis.keys("s:1?")).sort(), strings.filter((key) => /^s:1.$/.test(key)).sort());
    for (let i = 0; i < 5; i++) {
      const key = await redis.randomkey();
      assert.ok(key !== null && (strings.includes(key) || hashes.includes(key)), `RANDOMKEY answered ${key}`);
    }
  });

  test("a cursor the coordinator never gave is refused with a clear error; bad options as Redis", async () => {
    await assert.rejects(redis.scan("12345"), /ERR cursor 12345 is unknown/);
    await assert.rejects(redis.scan("x"), /ERR invalid cursor/);
    await assert.rejects(redis.call("SCAN", "0", "COUNT", "0"), /ERR syntax error/);
  });

  test("a scan under concurrent writes returns every key present for the whole scan", async () => {
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        await redis.set(`churn:${i}`, "x");
        if (i > 0) await redis.del(`churn:${i - 1}`);
      }
    })();
    try {
      const found = new Set(await scanAll({ count: 20 }));
      for (const key of [...strings, ...hashes]) assert.ok(found.has(key), `${key} was present for the whole scan`);
    } finally {
      writing = false;
      await writer;
    }
  });

  test("redis-cli --scan lists every key, with --pattern too", { skip: !existsSync("/usr/bin/redis-cli") }, async () => {
    const cli = async (...args: string[]) => (await run("redis-cli", ["-p", String(cluster.port), ...args], { maxBuffer: 1 << 24 })).stdout;
    const listed = (await cli("--scan")).split("\n").filter(Boolean);
    assert.ok(listed.length >= strings.length + hashes.length);
    for (const key of [...strings, ...hashes]) assert.ok(listed.includes(key), `${key} listed`);
    const matched = (await cli("--scan", "--pattern", "h:*")).split("\n").filter(Boolean).sort();
    assert.deepEqual(matched, [...hashes].sort());
  });
});
