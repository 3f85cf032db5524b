// Faults of the disk under a real standalone node: on a full disk (a small tmpfs) the write that
// finds no room gets "disk full", reads go on, the process stays up and takes writes again once
// there is room, and nothing acknowledged is lost across a restart; bytes scribbled into the
// middle of the LMDB file of a stopped node are found on read (an error naming the key and the
// file, never a wrong value) and by the background scrub, and the node serves the rest.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";
import { waitUntil } from "../support/cluster.js";
import { startNode, stopGracefully, tempDir, type RingkvProcess } from "../support/ringkv-process.js";
import { tmpfsUnavailable, withTmpfs } from "../support/storage/tmpfs.js";

function client(node: RingkvProcess): Redis {
  return new Redis({ port: node.port, host: "127.0.0.1", maxRetriesPerRequest: 0 });
}

test("a full disk fails the write with 'disk full'; reads go on, the node stays up and writes again once there is room", { skip: tmpfsUnavailable(), timeout: 60_000 }, () =>
  withTmpfs(6 * 1024 * 1024, async (mount) => {
    const dir = join(mount, "data");
    const filler = join(mount, "filler");
    let node = await startNode(dir);
    let redis = client(node);
    const acknowledged: string[] = [];
    try {
      await redis.set("first", "kept");
      acknowledged.push("first");
      writeFileSync(filler, Buffer.alloc(1024 * 1024));
      const value = Buffer.alloc(64 * 1024, 0x78);
      let refusal: Error | undefined;
      for (let i = 0; i < 200 && refusal === undefined; i++) {
        await redis.set(`fill:${i}`, value).then(() => acknowledged.push(`fill:${i}`), (error: Error) => (refusal = error));
      }
      assert.match(String(refusal), /ERR disk full: a write to .*(store\.mdb|wal-\d+\.log) failed \(.+\) and none of it was applied; reads go on/);
      assert.equal(await redis.get("first"), "kept", "reads go on");
      assert.equal(node.child.exitCode, null, "the node is still running");

      rmSync(filler);
      assert.equal(await redis.set("after", "room"), "OK", "writes again, with no restart");
      acknowledged.push("after");
    } finally {
      redis.disconnect();
      await stopGracefully(node);
    }
    node = await startNode(dir);
    redis = client(node);
    try {
      assert.equal(await redis.exists(acknowledged), acknowledged.length, "every acknowledged write is there after a restart");
    } finally {
      redis.disconnect();
      await stopGracefully(node);
    }
  }));

test("bytes scribbled into the middle of the data file are an error naming the key and the file, and the scrub reports them", { timeout: 60_000 }, async () => {
  const dir = tempDir("scribble");
  const marker = `<${"m".repeat(400)}>`;
  let node = await startNode(dir.path);
  let redis = client(node);
  try {
    await redis.set("victim", `head${marker}tail`);
    await redis.mset("bystander", "fine", "other", "also fine");
  } finally {
    redis.disconnect();
    await stopGracefully(node);
  }
  const file = join(dir.path, "store.mdb");
  // Every copy of the value: LMDB copies a page on write, and an older copy may linger in a free page.
  const bytes = readFileSync(file);
  let copies = 0;
  for (let at = bytes.indexOf(marker); at >= 0; at = bytes.indexOf(marker, at + 1)) {
    bytes.write("SCRIBBLE", at + 200, "latin1");
    copies++;
  }
  assert.ok(copies > 0, "the value is in the file");
  writeFileSync(file, bytes);

  node = await startNode(dir.path);
  redis = client(node);
  try {
    await assert.rejects(redis.get("victim"), (error: Error) =>
      error.message === `ERR the record of key 'victim' in the data sub-database of ${file} fails its checksum: `
        + "the file is damaged there; nothing was returned for it");
    assert.deepEqual(await redis.mget("bystander", "other"), ["fine", "also fine"]);
    await waitUntil("the scrub to report the damaged record", () =>
      node.logs.some((line) => line.includes("the scrub found a damaged record") && line.includes('"key":"victim"')), 10_000);
    assert.equal(node.child.exitCode, null);
  } finally {
    redis.disconnect();
    await stopGracefully(node);
    dir.remove();
  }
});
