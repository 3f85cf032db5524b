// Issue 10 item 4 and issue 11's "a corrupted replica is repaired from an in-sync one", with real
// processes: three storage nodes, every key on all three (R = 3, W = 2), a password. Keys written
// and deleted through the coordinator; then one node is stopped and its LMDB changed by hand —
// a value overwritten at the same version, a key removed without a trace, a deleted key brought
// back, bytes scribbled into a value so that its record fails its checksum — and it starts again (within the replica timeout, so it is still in sync and no catch-up
// runs). Under a write load, `ringkv repair` must find exactly those keys and fix them, and every
// acknowledged write of the load must still be readable. At the end every node's LMDB holds the
// same data and versions.

import { test } from "node:test";
import assert from "node:assert/strict";
import { KVStore } from "../../src/storage/kv-store.js";
import { groupsAcrossPrimaries, NO_CACHE_ARGS, TestCluster } from "../support/cluster.js";
import { ClusterLoad, lostWrites, tornGroups } from "../support/cluster-load.js";
import { runRingkv, stopGracefully } from "../support/ringkv-process.js";
import { scribble, storedContents } from "../support/stored-records.js";

const PASSWORD = "repair-test-password";
const KEYS = 60;
/** r:3's value, long enough to find in the file and to scribble into. */
const MARKER = `<${"m".repeat(400)}>`;

/** Changes a stopped node's LMDB behind its back, as a damaged disk or a careless hand would. */
async function corrupt(dir: string): Promise<void> {
  const store = await KVStore.open(dir, { kind: "node" });
  try {
    const key = (name: string) => Buffer.from(name);
    assert.ok(store.get("data", key("r:1")), "r:1 is there to damage");
    assert.ok(store.get("versions", key("d:1")) && !store.get("data", key("d:1")), "d:1 is a tombstone");
    await store.write([
      { db: "data", key: key("r:1"), value: Buffer.from("\u0001garbage") }, // same version, another value
      { db: "data", key: key("r:2"), value: null }, // lost without a trace
      { db: "versions", key: key("r:2"), value: null },
      { db: "data", key: key("d:1"), value: Buffer.from("\u0001back from the dead") }, // the deletion undone
    ]);
  } finally {
    await store.close();
  }
  scribble(dir, MARKER); // r:3's value, in the file itself
}

test("a replica corrupted by hand (a record that fails its checksum among them) is found and fixed by ringkv repair under a write load; nothing acknowledged is lost",
  { timeout: 90_000 }, async (t) => {
    const cluster = await TestCluster.start({
      nodes: 3, replicas: 3, password: PASSWORD,
      // A long replica timeout: the node stopped for the corruption stays in sync (no catch-up may fix
      // it). No tombstone collection during the test: a deletion undone on one replica can be told
      // from a live value only while the others still hold it (range-digest.ts bestEntry).
      coordinatorArgs: ["--min-in-sync", "2", "--replica-timeout", "60000", "--tombstone-collect-interval", "3600000", ...NO_CACHE_ARGS],
    });
    let load: ClusterLoad | undefined;
    try {
      const client = cluster.client();
      await client.connect();
      for (let i = 0; i < KEYS; i++) await client.set(`r:${i}`, i === 3 ? MARKER : `value ${i}`);
      for (let i = 0; i < 5; i++) await client.set(`d:${i}`, `doomed ${i}`);
      for (let i = 0; i < 5; i++) await client.del(`d:${i}`);
      client.disconnect();

      const env = { ...process.env, RINGKV_PASSWORD: PASSWORD };
      const first = await runRingkv(["repair", "--port", String(cluster.port), "--json"], undefined, 30_000, env);
      assert.equal(first.code, 0, first.stderr);
      assert.equal(JSON.parse(first.stdout).keys_diverged, 0, "replicas written only through the coordinator agree");

      // A clean stop checkpoints the write-ahead log into LMDB: after kill -9 its replay would
      // write the keys again over the damage this test makes.
      await stopGracefully(cluster.nodeProcess("node-2"));
      await corrupt(cluster.nodeDataDir("node-2"));
      await cluster.restartNode("node-2");

      const groups = await groupsAcrossPrimaries(cluster, 3, 4);
      load = new ClusterLoad({ port: cluster.port, groups, singleKeysPerWriter: 4, readers: 1, seed: 10, password: PASSWORD });
      load.start();

      const noPassword = await runRingkv(["repair", "--port", String(cluster.port)], undefined, 30_000, { ...process.env, RINGKV_PASSWORD: "" });
      assert.equal(noPassword.code, 3, "without the password: no answer");
      assert.match(noPassword.stderr, /NOAUTH|WRONGPASS|Authentication/i);

      const repaired = await runRingkv(["repair", "--port", String(cluster.port), "--json"], undefined, 60_000, env);
      t.diagnostic(`ringkv repair under load: ${repaired.stdout.replace(/\s+/g, " ")}`);
      assert.equal(repaired.code, 0, repaired.stderr);
      const round = JSON.parse(repaired.stdout) as Record<string, number>;
      assert.equal(round.keys_diverged, 4, "the four keys changed by hand differ, nothing else");
      assert.equal(round.keys_fixed, 4);
      assert.equal(round.keys_unresolved, 0);
      assert.ok(round.partitions_compared! > 0 && round.keys_compared! < KEYS, "only the differing ranges are listed");

      await load.stop();
      const history = [...load.history];
      const reads = await load.readEverything(3, history);
      for (const found of reads) {
        assert.deepEqual(lostWrites(load.acknowledged, found), [], "every acknowledged write of the load is readable");
        assert.deepEqual(tornGroups(groups, found), []);
      }
      const check = cluster.client();
      await check.connect();
      for (let read = 0; read < 3; read++) { // reads rotate over the replicas: each copy is read
        assert.equal(await check.get("r:1"), "value 1");
        assert.equal(await check.get("r:2"), "value 2");
        assert.equal(await check.get("r:3"), MARKER);
        assert.equal(await check.get("d:1"), null);
      }
      check.disconnect();

      // Every node stopped, its LMDB read: the same data and versions on all three.
      for (const id of cluster.nodeIds()) await stopGracefully(cluster.nodeProcess(id));
      const [one, ...others] = await Promise.all(cluster.nodeIds().map((id) => storedContents(cluster.nodeDataDir(id))));
      for (const [index, other] of others.entries()) assert.deepEqual(other, one, `node-${index + 2}'s LMDB equals node-1's`);
      const repairedKeys = one!.filter((line) => /^(r:1|r:2|r:3|d:1)=/.test(line)).map((line) => line.split("@")[0]);
      assert.deepEqual(repairedKeys, ["d:1=(tombstone)", "r:1=value 1", "r:2=value 2", `r:3=${MARKER}`]);
    } finally {
      await load?.stop();
      await cluster.stop();
    }
  });
