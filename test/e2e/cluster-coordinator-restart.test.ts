// The coordinator killed with SIGKILL in the middle of a write load, together with a storage node
// that held acknowledged writes only as prepared (in doubt), and both started again on their data:
// every acknowledged write is readable, no MSET shows in part, and the storage nodes that were
// never touched register with the new coordinator by themselves.

import { test } from "node:test";
import assert from "node:assert/strict";
import { infoFields, keysByPrimary, nodesView, NO_CACHE_ARGS, sleep, TestCluster, waitUntil } from "../support/cluster.js";
import { ClusterLoad, lostWrites, tornGroups } from "../support/cluster-load.js";

const WRITERS = 8;

test("writes acknowledged before a kill -9 of the coordinator survive its restart; nodes re-register", { timeout: 50_000 }, async (t) => {
  // No coordinator cache: every read below goes to a replica, each request to the next one.
  const cluster = await TestCluster.start({ nodes: 3, replicas: 2, coordinatorArgs: NO_CACHE_ARGS });
  let load: ClusterLoad | undefined;
  // On a timeout the test body is abandoned, not unwound: stop the clients and processes anyway.
  t.signal.addEventListener("abort", () => void load?.stop().finally(() => cluster.stop()));
  try {
    const admin = cluster.client();
    await admin.connect();
    const byPrimary = [...(await keysByPrimary(admin, "g:", 3, WRITERS)).values()];
    const epochBefore = Number((await infoFields(admin, "cluster")).epoch);
    const groups = Array.from({ length: WRITERS }, (_, w) => byPrimary.map((keys) => keys[w]!));
    const nodePids = cluster.nodeIds().map((id) => cluster.nodeProcess(id).child.pid);

    load = new ClusterLoad({ port: cluster.port, groups, singleKeysPerWriter: 4, readers: 0, seed: 1 });
    load.start();
    await sleep(1_000);
    // Freeze node-1, then kill it and the coordinator: the writes acknowledged meanwhile were
    // committed on their other replicas, but on node-1 they are only prepared (in doubt), and
    // their decisions are only on the coordinator's disk. Its restart must finish them.
    cluster.nodeProcess("node-1").child.kill("SIGSTOP");
    let waiting = 0;
    await waitUntil("acknowledged decisions waiting for node-1", async () => {
      waiting = Number((await infoFields(admin, "cluster")).decisions_unacknowledged);
      return waiting > 0;
    }, 5_000);
    admin.disconnect();
    await cluster.killNode("node-1");
    await cluster.killCoordinator();
    await load.stop();
    t.diagnostic(`${waiting} decisions waited for node-1 at the kill; ${load.acknowledged.size} keys written`);
    assert.ok(load.acknowledged.size >= groups.length, `only ${load.acknowledged.size} keys were written before the kill`);
    // Down for longer than a node's longest redial pause (2 s), so the nodes must keep trying.
    await sleep(2_500);

    await cluster.restartCoordinator();
    await cluster.restartNode("node-1");
    const rows = await cluster.waitForNodesUp();
    assert.deepEqual(rows.map((row) => row.id).sort(), cluster.nodeIds());
    const untouched = ["node-2", "node-3"];
    assert.deepEqual(untouched.map((id) => cluster.nodeProcess(id).child.pid), nodePids.slice(1), "node-2 and node-3 were not restarted");
    assert.ok(untouched.every((id) => cluster.nodeProcess(id).child.exitCode === null));

    const client = cluster.client();
    await client.connect();
    try {
      const info = await infoFields(client, "cluster");
      assert.equal(Number(info.epoch), epochBefore + 1, "a restart starts a new epoch");
      assert.equal(info.sealed, "1", "the membership stays sealed");
      const keys = [...groups.flat(), ...load.allSingleKeys()];
      for (let read = 1; read <= 4; read++) {
        const values = await client.mget(...keys);
        const found = new Map(keys.map((key, i) => [key, values[i] ?? null]));
        assert.deepEqual(lostWrites(load.acknowledged, found), [], `read ${read}: every acknowledged write is readable`);
        assert.deepEqual(tornGroups(groups, found), [], `read ${read}: no MSET is visible in part`);
      }
      assert.deepEqual(load.tornReads, []);
      // The restarted coordinator takes writes on every node again.
      assert.equal(await client.mset(...groups[0]!.flatMap((key) => [key, "after-restart"])), "OK");
      assert.deepEqual(await client.mget(...groups[0]!), groups[0]!.map(() => "after-restart"));
      assert.ok((await nodesView(cluster.port)).every((row) => row.state === "up"));
    } finally {
      client.disconnect();
    }
  } finally {
    await load?.stop(); // a failed test must not leave its clients redialing
    await cluster.stop();
  }
});
