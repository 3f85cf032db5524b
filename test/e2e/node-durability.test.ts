// Durability of a standalone node: kill -9 in the middle of a concurrent write load, restart on
// the same directory, and find every acknowledged write. Also a clean restart keeps everything.

import { test } from "node:test";
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { killHard, startNode, stopGracefully, tempDir } from "../support/ringkv-process.js";

function connect(port: number): Redis {
  return new Redis({ port, host: "127.0.0.1", maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false, lazyConnect: true });
}

test("kill -9 under a concurrent write load loses no acknowledged write", async () => {
  const dir = tempDir("crash");
  try {
    const node = await startNode(dir.path);
    const acknowledged = new Map<string, string>();
    const writers = Array.from({ length: 32 }, () => connect(node.port));
    await Promise.all(writers.map((writer) => writer.connect()));
    let running = true;
    const loads = writers.map(async (writer, w) => {
      for (let i = 0; running; i++) {
        const key = `k:${w}:${i % 50}`;
        const value = `v:${w}:${i}`;
        try {
          if (i % 7 === 0) {
            await writer.mset(`${key}:a`, value, `${key}:b`, value);
            acknowledged.set(`${key}:a`, value);
            acknowledged.set(`${key}:b`, value);
          } else {
            await writer.set(key, value);
            acknowledged.set(key, value);
          }
        } catch {
          return; // the node died: this write's outcome is unknown, so it is not counted
        }
      }
    });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await killHard(node);
    running = false;
    await Promise.all(loads);
    writers.forEach((writer) => writer.disconnect());
    assert.ok(acknowledged.size > 100, `the load acknowledged only ${acknowledged.size} writes before the kill`);

    const restarted = await startNode(dir.path);
    const reader = connect(restarted.port);
    await reader.connect();
    const keys = [...acknowledged.keys()];
    const values = await reader.mget(...keys);
    // A key's last acknowledged value must be there; a later unacknowledged write may have landed
    // too, but only with a value this writer produced afterwards (same writer, higher counter).
    keys.forEach((key, i) => {
      const expected = acknowledged.get(key)!;
      const found = values[i];
      assert.ok(found !== null && found !== undefined, `acknowledged key ${key} is missing after the crash`);
      const [, writer, counter] = expected.split(":");
      const [, foundWriter, foundCounter] = found.split(":");
      assert.equal(foundWriter, writer, `key ${key}: value ${found} was not written by its writer`);
      assert.ok(Number(foundCounter) >= Number(counter), `key ${key}: acknowledged ${expected}, found older ${found}`);
    });
    reader.disconnect();
    assert.equal(await stopGracefully(restarted), 0);
  } finally {
    dir.remove();
  }
});

test("a clean stop and restart keeps every key, and SIGTERM exits 0", async () => {
  const dir = tempDir("restart");
  try {
    const node = await startNode(dir.path);
    const client = connect(node.port);
    await client.connect();
    const pairs: string[] = [];
    for (let i = 0; i < 500; i++) pairs.push(`r:${i}`, `value-${i}`);
    await client.mset(...pairs);
    client.disconnect();
    assert.equal(await stopGracefully(node), 0);

    const again = await startNode(dir.path);
    const reader = connect(again.port);
    await reader.connect();
    assert.equal(await reader.dbsize(), 500);
    assert.equal(await reader.get("r:499"), "value-499");
    reader.disconnect();
    assert.equal(await stopGracefully(again), 0);
  } finally {
    dir.remove();
  }
});
