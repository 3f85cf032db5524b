// kill -9 under a concurrent write load: 16 writers (SETs of their own keys, MSETs of their own
// groups of keys on different primaries) and 4 readers against a cluster of three storage nodes
// with two replicas, while random storage nodes and the coordinator are killed with SIGKILL and
// restarted, round after round. Afterwards every acknowledged write must be readable, no MSET may
// be visible in part, and the whole client history must pass `ringkv check` (linearizability per
// key, MSET atomicity). RINGKV_CHAOS_SEED=<n> replays a run's choices of victims and moments.

import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Prng } from "../../src/sim/prng.js";
import { historyToJsonl } from "../../src/sim/history.js";
import { groupsAcrossPrimaries, NO_CACHE_ARGS, sleep, TestCluster } from "../support/cluster.js";
import { ClusterLoad, lostWrites, nowMicros, outcomeCounts, tornGroups } from "../support/cluster-load.js";
import { runRingkv, tempDir } from "../support/ringkv-process.js";

const WRITERS = 16;
const READERS = 4;
/** Kill rounds: at least ROUNDS_MIN, and more while the time budget lasts (slow machines do fewer). */
const ROUNDS_MIN = 3;
const ROUNDS_MAX = 8;
const ROUNDS_BUDGET_MS = 20_000;
const NODE_IDS = ["node-1", "node-2", "node-3"];

/** Who dies in one round: one node, the coordinator, both, or two nodes (some keys unreadable). */
function pickVictims(prng: Prng): string[] {
  const node = prng.pick(NODE_IDS);
  const other = prng.pick(NODE_IDS.filter((id) => id !== node));
  return prng.pick([[node], [node], ["coordinator"], [node, "coordinator"], [node, other]]);
}

async function killAndRestart(cluster: TestCluster, victims: string[], downMs: number): Promise<void> {
  await Promise.all(victims.map((victim) => (victim === "coordinator" ? cluster.killCoordinator() : cluster.killNode(victim))));
  await sleep(downMs);
  if (victims.includes("coordinator")) await cluster.restartCoordinator();
  await Promise.all(victims.filter((victim) => victim !== "coordinator").map((id) => cluster.restartNode(id)));
  // Nodes that were not killed re-register with a restarted coordinator by themselves.
  await cluster.waitForNodesUp();
}

test("kill -9 of storage nodes and the coordinator under load loses no acknowledged write and tears no MSET", { timeout: 58_000 }, async (t) => {
  const seed = Number(process.env.RINGKV_CHAOS_SEED ?? Date.now() % 1_000_000);
  t.diagnostic(`seed ${seed} (replay with RINGKV_CHAOS_SEED=${seed})`);
  const prng = new Prng(seed);
  // No coordinator cache: reads go to the replicas, so a replica that lost a write is seen.
  const cluster = await TestCluster.start({ nodes: 3, replicas: 2, coordinatorArgs: NO_CACHE_ARGS });
  let load: ClusterLoad | undefined;
  // On a timeout the test body is abandoned, not unwound: stop the clients and processes anyway.
  t.signal.addEventListener("abort", () => void load?.stop().finally(() => cluster.stop()));
  const work = tempDir("chaos-history");
  try {
    const groups = await groupsAcrossPrimaries(cluster, 3, WRITERS);
    load = new ClusterLoad({ port: cluster.port, groups, singleKeysPerWriter: 4, readers: READERS, seed });
    load.start();

    const roundsStarted = performance.now();
    const elapsedMs = () => Math.round(performance.now() - roundsStarted);
    for (let round = 1; round <= ROUNDS_MAX && (round <= ROUNDS_MIN || elapsedMs() < ROUNDS_BUDGET_MS); round++) {
      await sleep(prng.int(300, 1200));
      const victims = pickVictims(prng);
      const downMs = prng.int(50, 800);
      t.diagnostic(`round ${round} at ${elapsedMs()} ms: kill -9 ${victims.join(" and ")} for ${downMs} ms`);
      await killAndRestart(cluster, victims, downMs);
    }
    const wholeAgainAt = nowMicros();
    await sleep(1_000);
    await load.stop();
    const settledAt = nowMicros();

    const history = [...load.history];
    const finalReads = await load.readEverything(3, history);
    const acknowledged = history.filter((entry) => entry.op.f !== "get" && (entry.result.type === "ok" || entry.result.type === "set")).length;
    t.diagnostic(`${history.length} requests, ${acknowledged} writes acknowledged; outcomes: ${JSON.stringify(outcomeCounts(history))}`);
    const acknowledgedAtEnd = load.acknowledgedWritesSince(wholeAgainAt);
    t.diagnostic(`${acknowledgedAtEnd} writes acknowledged in the last second, with every process back`);
    assert.ok(acknowledged > 300, `the load got only ${acknowledged} writes acknowledged`);
    assert.ok(acknowledgedAtEnd > 20, `only ${acknowledgedAtEnd} writes succeeded once every process was back`);

    for (const [round, found] of finalReads.entries()) {
      assert.deepEqual(lostWrites(load.acknowledged, found), [], `final read ${round + 1}: every acknowledged write is readable`);
      assert.deepEqual(tornGroups(groups, found), [], `final read ${round + 1}: no MSET is visible in part after the crashes`);
    }
    assert.deepEqual(load.tornReads, [], "no MSET was visible in part during the load");

    const file = join(work.path, "history.jsonl");
    writeFileSync(file, historyToJsonl(history));
    const checkStarted = performance.now();
    const check = await runRingkv(["check", file, "--settled-at", String(settledAt)], undefined, 30_000);
    t.diagnostic(`ringkv check took ${Math.round(performance.now() - checkStarted)} ms`);
    assert.equal(check.code, 0, `ringkv check found problems:\n${check.stdout}${check.stderr}`);
    assert.match(check.stdout, /linearizable and atomic/);
  } finally {
    await load?.stop(); // a failed test must not leave its clients redialing
    await cluster.stop();
    work.remove();
  }
});
