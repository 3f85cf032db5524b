// A standalone node's write-ahead log as a crash or a bad disk leaves it: a last group cut short
// (a torn write) is dropped with a warning naming the file and the node starts; a byte changed in
// a group that another follows (damage to what was synced and acknowledged) stops the start with
// an error naming the file, and the log is left as it was.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";
import { killHard, runRingkv, startNode, stopGracefully, tempDir } from "../support/ringkv-process.js";

const WRITES = 20;

/** Runs a node over DIR, makes WRITES sets one after the other (one log group each), then kills it with SIGKILL; returns the log segment. */
async function crashAfterWrites(dir: string): Promise<string> {
  const node = await startNode(dir);
  const client = new Redis({ port: node.port, host: "127.0.0.1", maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
  await client.connect();
  for (let i = 0; i < WRITES; i++) assert.equal(await client.set(`k${i}`, `value-${i}`), "OK");
  client.disconnect();
  await killHard(node);
  const segments = readdirSync(dir).filter((name) => /^wal-\d+\.log$/.test(name));
  assert.equal(segments.length, 1, `one log segment after the kill: ${segments.join(", ")}`);
  return join(dir, segments[0] as string);
}

test("a log cut short inside a group (as a torn write leaves it) is warned about by file, and the node starts with every write", async () => {
  const dir = tempDir("wal-torn");
  try {
    const segment = await crashAfterWrites(dir.path);
    // Cut inside the last write's group, as a crash during its write would (whatever the node logged after it goes too).
    truncateSync(segment, readFileSync(segment).indexOf(`value-${WRITES - 1}`) + 3);
    const node = await startNode(dir.path);
    try {
      const warning = node.logs.find((line) => line.includes("dropped a torn last group at the end of the write-ahead log"));
      assert.ok(warning?.includes(segment), `a warning naming ${segment}; logs:\n${node.logs.join("\n")}`);
      const client = new Redis({ port: node.port, host: "127.0.0.1", maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
      await client.connect();
      const values = await client.mget(...Array.from({ length: WRITES }, (_, i) => `k${i}`)).finally(() => client.disconnect());
      // The cut group is not replayed, but after a kill -9 LMDB still holds what it was given (the kernel kept its pages).
      assert.deepEqual(values, Array.from({ length: WRITES }, (_, i) => `value-${i}`));
    } finally {
      assert.equal(await stopGracefully(node), 0);
    }
  } finally {
    dir.remove();
  }
});

test("a byte changed in the middle of the log stops the start with an error naming the file and the byte, and the log is kept", async () => {
  const dir = tempDir("wal-damaged");
  try {
    const segment = await crashAfterWrites(dir.path);
    const log = readFileSync(segment);
    const middle = Math.floor(log.length / 2);
    log[middle] = (log[middle] as number) ^ 0x5a;
    writeFileSync(segment, log);
    const run = await runRingkv(["node", "--port", "0", "--data", dir.path, "--log-level", "info"]);
    assert.notEqual(run.code, 0, "the node does not start");
    assert.match(run.stderr, /the write-ahead log segment .*wal-\d+\.log is damaged at byte \d+ of \d+ \(a whole group follows at byte \d+\)/);
    assert.ok(run.stderr.includes(segment), run.stderr);
    assert.deepEqual(readFileSync(segment), log, "the log is left as it was, for a person to look at");
  } finally {
    dir.remove();
  }
});
