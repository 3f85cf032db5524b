// A real `ringkv node` process driven by real Redis clients from npm: ioredis (RESP2) and
// node-redis (which opens with HELLO 3 and CLIENT SETINFO), and redis-cli when installed.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";
import { createClient } from "redis";
import { startNode, stopGracefully, tempDir, type RingkvProcess } from "../support/ringkv-process.js";

describe("a standalone node with real clients", () => {
  const dir = tempDir("clients");
  let node: RingkvProcess;

  before(async () => {
    node = await startNode(dir.path);
  });
  after(async () => {
    await stopGracefully(node);
    dir.remove();
  });

  test("writes its pid file while it runs", () => {
    assert.equal(readFileSync(join(dir.path, "ringkv.pid"), "utf8").trim(), String(node.child.pid));
  });

  test("ioredis: get, set with options, mset/mget, del, exists, dbsize", async () => {
    const redis = new Redis({ port: node.port, host: "127.0.0.1", lazyConnect: true, maxRetriesPerRequest: 0 });
    await redis.connect();
    try {
      assert.equal(await redis.set("io:a", "1"), "OK");
      assert.equal(await redis.get("io:a"), "1");
      assert.equal(await redis.set("io:a", "2", "NX"), null);
      assert.equal(await redis.set("io:b", "2", "XX"), null);
      assert.equal(await redis.set("io:a", "3", "GET"), "1");
      assert.equal(await redis.mset("io:x", "x", "io:y", "y"), "OK");
      assert.deepEqual(await redis.mget("io:x", "io:nope", "io:y"), ["x", null, "y"]);
      assert.equal(await redis.exists("io:x", "io:y", "io:x", "io:nope"), 3);
      assert.equal(await redis.del("io:x", "io:y", "io:nope"), 2);
      assert.equal(await redis.get("io:x"), null);
      assert.ok((await redis.dbsize()) >= 1);
      const binary = Buffer.from([0, 255, 13, 10, 36, 42]);
      await redis.set(binary, binary);
      assert.deepEqual(await redis.getBuffer(binary), binary);
      await assert.rejects(redis.call("NOSUCHCOMMAND", "x"), /ERR unknown command 'NOSUCHCOMMAND'/);
      await assert.rejects(redis.call("GET"), /ERR wrong number of arguments for 'get' command/);
      assert.equal(await redis.set("io:e", "v", "EX", 10), "OK");
      assert.equal(await redis.ttl("io:e"), 10);
    } finally {
      redis.disconnect();
    }
  });

  test("node-redis over RESP3: hello, get/set, null, info", async () => {
    const client = createClient({ socket: { host: "127.0.0.1", port: node.port }, RESP: 3 });
    client.on("error", () => {});
    await client.connect();
    try {
      assert.equal(await client.set("nr:k", "v"), "OK");
      assert.equal(await client.get("nr:k"), "v");
      assert.equal(await client.get("nr:missing"), null);
      assert.equal(await client.del(["nr:k", "nr:missing"]), 1);
      const info = await client.info("persistence");
      assert.match(info, /loading:0/);
    } finally {
      await client.quit();
    }
  });

  test("redis-cli works unmodified", { skip: !existsSync("/usr/bin/redis-cli") && "redis-cli is not installed" }, () => {
    const cli = (...args: string[]) => execFileSync("redis-cli", ["-p", String(node.port), ...args], { encoding: "utf8" }).trim();
    assert.equal(cli("set", "greeting", "hello world"), "OK");
    assert.equal(cli("get", "greeting"), "hello world");
    assert.equal(cli("ping"), "PONG");
    assert.match(cli("info", "server"), /redis_version|ringkv/);
  });
});
