// Issue 10 with real processes: a 3-node cluster (R = 3, W = 2) holding data grows to 4 nodes and
// shrinks back to 3 while a SET/MSET/GET load runs. In the middle of the grow, kill -9 the
// coordinator and then the node the partitions move to; in the middle of the shrink (RINGKV REMOVE),
// kill -9 the coordinator again. The moves must complete (RINGKV MOVES says none, node-4 in the ring
// then out of it), every acknowledged write must be readable at the end, no MSET torn. The moves
// are throttled (--move-bytes-per-second) and the cluster holds a few MB, so each move lasts seconds
// and the kills land inside it.

import { test } from "node:test";
import assert from "node:assert/strict";
import { groupsAcrossPrimaries, NO_CACHE_ARGS, nodesView, sleep, TestCluster, waitUntil, coordinatorCommand } from "../support/cluster.js";
import { ClusterLoad, lostWrites, outcomeCounts, tornGroups } from "../support/cluster-load.js";

const WRITERS = 4;
const READERS = 2;
/** Data the cluster holds before it grows: 2,000 keys of 1 KiB, about 2 MB on each of its 3 replicas. */
const FILL_KEYS = 2_000;
const FILL_VALUE = "x".repeat(1024);
/** About half a megabyte a second: node-4 takes about 1.5 MB, so the grow lasts a few seconds. */
const MOVE_BYTES_PER_SECOND = 500_000;
const MOVE_MAX_MS = 60_000;

/** RINGKV MOVES as an object (over RESP2 a flat list of field, value, ...). */
async function moves(port: number): Promise<Record<string, string>> {
  const flat = (await coordinatorCommand(port, "RINGKV", "MOVES")) as unknown[];
  const out: Record<string, string> = {};
  for (let index = 0; index + 1 < flat.length; index += 2) out[String(flat[index])] = String(flat[index + 1]);
  return out;
}

/** Waits until a move is under way with some partitions still to go (so a kill lands inside it). */
async function midMove(port: number): Promise<void> {
  await waitUntil("a move in progress", async () => {
    const state = await moves(port).catch(() => ({ state: "unknown" }) as Record<string, string>);
    return state.state === "moving";
  }, 20_000, 50);
}

test("grow 3 -> 4 and shrink back under a write load, with kill -9 of the coordinator and of the moving node mid-move: the moves complete and every acknowledged write is readable",
  { timeout: 170_000 }, async (t) => {
    const cluster = await TestCluster.start({
      nodes: 3, replicas: 3,
      coordinatorArgs: ["--min-in-sync", "2", "--replica-timeout", "1000", "--move-bytes-per-second", String(MOVE_BYTES_PER_SECOND), ...NO_CACHE_ARGS],
    });
    let load: ClusterLoad | undefined;
    t.signal.addEventListener("abort", () => void load?.stop().finally(() => cluster.stop()));
    try {
      const client = cluster.client();
      await client.connect();
      for (let start = 0; start < FILL_KEYS; start += 200) {
        const pairs = Array.from({ length: 200 }, (_, i) => [`fill:${start + i}`, FILL_VALUE]).flat();
        await client.call("MSET", ...pairs);
      }
      client.disconnect();
      const groups = await groupsAcrossPrimaries(cluster, 3, WRITERS);
      load = new ClusterLoad({ port: cluster.port, groups, singleKeysPerWriter: 4, readers: READERS, seed: 10 });
      load.start();
      await sleep(500);

      // Grow: node-4 joins; mid-move the coordinator dies and comes back, then node-4 itself.
      const growStarted = performance.now();
      await cluster.restartNode("node-4");
      await midMove(cluster.port);
      await cluster.killCoordinator();
      await sleep(300);
      await cluster.restartCoordinator();
      await midMove(cluster.port);
      await cluster.killNode("node-4");
      await sleep(500);
      await cluster.restartNode("node-4");
      await waitUntil("the grow done: node-4 in the ring and no move left", async () => {
        const row = (await nodesView(cluster.port).catch(() => [])).find((node) => node.id === "node-4") as { role?: string } | undefined;
        return row?.role === "active" && (await moves(cluster.port)).state === "none";
      }, MOVE_MAX_MS, 200);
      t.diagnostic(`grow 3 -> 4 done in ${Math.round(performance.now() - growStarted)} ms, with the coordinator and node-4 killed mid-move`);

      // Shrink: node-4 leaves; mid-move the coordinator dies and comes back.
      const shrinkStarted = performance.now();
      await waitUntil("RINGKV REMOVE node-4 accepted", async () => {
        try {
          return (await coordinatorCommand(cluster.port, "RINGKV", "REMOVE", "node-4")) === "OK";
        } catch (error) {
          if (/already being removed/.test(String(error))) return true;
          if (/TRYAGAIN|CLUSTERDOWN/.test(String(error))) return false;
          throw error;
        }
      }, 20_000, 200);
      await midMove(cluster.port);
      await cluster.killCoordinator();
      await sleep(300);
      await cluster.restartCoordinator();
      await waitUntil("the shrink done: node-4 out of the cluster and no move left", async () => {
        const ids = (await nodesView(cluster.port).catch(() => [{ id: "node-4" }])).map((node) => node.id);
        return !ids.includes("node-4") && (await moves(cluster.port)).state === "none";
      }, MOVE_MAX_MS, 200);
      t.diagnostic(`shrink 4 -> 3 done in ${Math.round(performance.now() - shrinkStarted)} ms, with the coordinator killed mid-move`);
      await waitUntil("node-4 stopped: it was told it is out of the cluster", () => !cluster.processes().includes(cluster.nodeProcess("node-4")), 15_000, 100);

      await load.stop();
      const history = [...load.history];
      const finalReads = await load.readEverything(3, history);
      t.diagnostic(`${history.length} requests; outcomes: ${JSON.stringify(outcomeCounts(history))}`);
      for (const [round, found] of finalReads.entries()) {
        assert.deepEqual(lostWrites(load.acknowledged, found), [], `read ${round + 1}: every acknowledged write is readable`);
        assert.deepEqual(tornGroups(groups, found), [], `read ${round + 1}: every group shows the values of one MSET`);
      }
      assert.deepEqual(load.tornReads, [], "no MSET was visible in part during the load");
      assert.ok(load.acknowledged.size > 0, "the load wrote something");
      const check = cluster.client();
      await check.connect();
      const sample = await check.call("MGET", ...Array.from({ length: FILL_KEYS }, (_, i) => `fill:${i}`)) as Array<string | null>;
      check.disconnect();
      assert.equal(sample.filter((value) => value === FILL_VALUE).length, FILL_KEYS, "every key written before the grow is readable after the shrink");
    } finally {
      await load?.stop();
      await cluster.stop();
    }
  });
