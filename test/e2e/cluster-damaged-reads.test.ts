// Issue 11, damaged records on a replica's reads and scans, with real processes: three storage
// nodes, every key on all three (R = 3, W = 2), no coordinator cache (every read goes to a replica,
// rotating over the three). One node is stopped and its LMDB damaged — bytes scribbled into two
// values in the file, and a version record that fails its checksum — and it starts again, still in
// sync. Then every key is read through the coordinator many times (GET, MGET, and an APPEND's read
// for update), and a repair round scans every node's versions: the damaged node must stay up (the
// same process throughout), every read must give the right value, and after `ringkv repair` every
// node's LMDB holds the same, sound, records.

import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { open } from "lmdb";
import { NO_CACHE_ARGS, TestCluster, waitUntil } from "../support/cluster.js";
import { runRingkv, stopGracefully } from "../support/ringkv-process.js";
import { scribble, storedContents } from "../support/stored-records.js";

const PASSWORD = "damaged-reads-password";
/** Values long enough to find in the file and to scribble into. */
const VALUE = `<${"v".repeat(400)}>`;
const APPENDED = `<${"a".repeat(400)}>`;
const READS = 30;

/** Puts a version record for `key` whose checksum cannot match, straight into LMDB (the store's key tag is 0x6b). */
async function damageVersion(dir: string, key: string): Promise<void> {
  const root = open({ path: join(dir, "store.mdb"), maxDbs: 4 });
  try {
    const versions = root.openDB<Buffer, Buffer>("versions", { encoding: "binary", keyEncoding: "binary" });
    const stored = Buffer.concat([Buffer.from([0x6b]), Buffer.from(key)]);
    assert.ok(versions.get(stored), `${key} has a version record to damage`);
    await versions.put(stored, Buffer.from("\0\0\0\x009.9", "latin1"));
  } finally {
    await root.close();
  }
}

test("a replica's damaged records are answered 'damaged here': reads come from another replica, the node stays up, and repair mends the copy",
  { timeout: 90_000 }, async (t) => {
    const cluster = await TestCluster.start({
      nodes: 3, replicas: 3, password: PASSWORD,
      // A long replica timeout: the stopped node stays in sync (no catch-up may fix it).
      coordinatorArgs: ["--min-in-sync", "2", "--replica-timeout", "60000", "--tombstone-collect-interval", "3600000", ...NO_CACHE_ARGS],
    });
    try {
      const client = cluster.client();
      await client.connect();
      await client.set("v:1", VALUE);
      await client.set("a:1", APPENDED);
      for (let i = 0; i < 20; i++) await client.set(`k:${i}`, `value ${i}`);
      client.disconnect();

      // A clean stop checkpoints the write-ahead log into LMDB: after kill -9 its replay would
      // write the keys again over the damage this test makes.
      await stopGracefully(cluster.nodeProcess("node-2"));
      const dir = cluster.nodeDataDir("node-2");
      scribble(dir, VALUE);
      scribble(dir, APPENDED);
      await damageVersion(dir, "k:3");
      await cluster.restartNode("node-2");
      const node = cluster.nodeProcess("node-2");
      const pid = node.child.pid;

      const check = cluster.client();
      await check.connect();
      for (let read = 0; read < READS; read++) { // reads rotate over the replicas: the damaged copies are asked too
        assert.equal(await check.get("v:1"), VALUE);
        assert.equal(await check.get("k:3"), "value 3");
        assert.deepEqual(await check.mget("k:1", "v:1", "k:3"), ["value 1", VALUE, "value 3"]);
        assert.equal(await check.exists("v:1"), 1);
      }
      assert.equal(await check.append("a:1", "+"), APPENDED.length + 1, "an APPEND reads the right value for update");
      assert.equal(await check.get("a:1"), `${APPENDED}+`);
      const coordinatorLog = cluster.coordinator.logs.join("\n");
      assert.match(coordinatorLog, /a replica holds a damaged record of a key/, "the damaged copy was read, and answered as damaged");

      const env = { ...process.env, RINGKV_PASSWORD: PASSWORD };
      const repaired = await runRingkv(["repair", "--port", String(cluster.port), "--json"], undefined, 60_000, env);
      t.diagnostic(`ringkv repair: ${repaired.stdout.replace(/\s+/g, " ")}`);
      assert.equal(repaired.code, 0, repaired.stderr);
      assert.equal(JSON.parse(repaired.stdout).keys_unresolved, 0);
      // A background round asked for by the damaged reads may have mended some copies first; one more
      // manual round must find nothing left.
      await waitUntil("a repair round that finds every replica alike", async () => {
        const round = await runRingkv(["repair", "--port", String(cluster.port), "--json"], undefined, 60_000, env);
        return round.code === 0 && JSON.parse(round.stdout).keys_diverged === 0;
      }, 30_000, 200);
      for (let read = 0; read < 6; read++) assert.equal(await check.get("v:1"), VALUE);
      check.disconnect();

      assert.equal(node.child.exitCode, null, "the damaged node is still running");
      assert.equal(node.child.pid, pid, "the damaged node is the same process");
      assert.equal(cluster.nodeProcess("node-2"), node, "the damaged node was never restarted");

      for (const id of cluster.nodeIds()) await stopGracefully(cluster.nodeProcess(id));
      const [one, ...others] = await Promise.all(cluster.nodeIds().map((id) => storedContents(cluster.nodeDataDir(id))));
      for (const [index, other] of others.entries()) assert.deepEqual(other, one, `node-${index + 2}'s LMDB equals node-1's`);
      const damagedKeys = one!.filter((line) => /^(a:1|k:3|v:1)=/.test(line)).map((line) => line.split("@")[0]);
      assert.deepEqual(damagedKeys, [`a:1=${APPENDED}+`, "k:3=value 3", `v:1=${VALUE}`]);
    } finally {
      await cluster.stop();
    }
  });
