import { test } from "node:test";
import assert from "node:assert/strict";
import type { CoordinatorRecord, NodeToCoordinator } from "../core/cluster/types.js";
import { PLANTS, findPlant } from "./plants.js";
import { Prng } from "./prng.js";
import { DEFAULT_SIM_OPTIONS, runSimulation, type Checker, type SimReport } from "./run.js";

/** The checkers that must catch each plant: a failure of any other kind does not count. */
const CAUGHT_BY: Record<string, Checker[]> = {
  "vote-before-sync": ["placement", "convergence", "linearizability"],
  "ack-before-decision-sync": ["linearizability", "convergence"],
  "stale-replica-read": ["linearizability"],
  "stale-read-for-update": ["linearizability"],
  "damaged-read-as-absent": ["linearizability"],
  "one-phase-vote-before-sync": ["placement", "linearizability"],
  "forget-prepared": ["convergence", "linearizability"],
  "skip-proof-check": ["admission", "convergence", "linearizability"],
  "lossy-catch-up": ["convergence", "linearizability"],
  "scan-misses-keys": ["scan"],
  "shrink-before-durable": ["convergence", "linearizability", "atomicity"],
  "repair-skips-tombstones": ["convergence", "linearizability"],
  "learner-in-sync-early": ["convergence", "linearizability"],
  "drop-before-in-sync": ["linearizability", "convergence"],
  "move-resumed-twice": ["linearizability", "convergence"],
  "fence-never-lifted": ["availability"],
};


/** "Within a few hundred seeds": the bound the plants must be caught in. */
const SEEDS_MAX = 300;

const caughtBy = (report: SimReport, checkers: Checker[]) => report.failures.filter((failure) => checkers.includes(failure.checker));

test("every plant has a checker that must catch it, and a name the CLI accepts", () => {
  assert.deepEqual(Object.keys(CAUGHT_BY).sort(), PLANTS.map((plant) => plant.name).sort());
  assert.ok(PLANTS.length >= 3);
  assert.throws(() => findPlant("no-such-plant"), /unknown plant "no-such-plant"; known plants: vote-before-sync/);
});

for (const plant of PLANTS) {
  test(`plant ${plant.name} is caught within ${SEEDS_MAX} seeds, by the right checker, and only because of the plant`, () => {
    const checkers = CAUGHT_BY[plant.name]!;
    const shaped = { ...DEFAULT_SIM_OPTIONS, ...plant.shape };
    for (let seed = 1; seed <= SEEDS_MAX; seed += 1) {
      const planted = runSimulation({ ...shaped, seed, plant: plant.name });
      if (caughtBy(planted, checkers).length === 0) continue;
      // The same seed without the plant passes those checkers: the plant, not the machines, failed it.
      const clean = runSimulation({ ...shaped, seed });
      if (caughtBy(clean, checkers).length > 0) continue;
      // And the failing seed replays: the same run, the same failures.
      const replayed = runSimulation({ ...shaped, seed, plant: plant.name });
      assert.equal(replayed.trace, planted.trace);
      assert.deepEqual(replayed.failures, planted.failures);
      return;
    }
    assert.fail(`${plant.name} was not caught by ${checkers.join(" or ")} in seeds 1..${SEEDS_MAX}`);
  });
}

test("repair-skips-tombstones takes the deletions out of repair's fixes and leaves every other message alone", () => {
  const hook = findPlant("repair-skips-tombstones").hooks.towardNode!;
  const entry = (value: Uint8Array | null) => ({ entry: { key: new Uint8Array([1]), version: "1.1", value }, expectVersion: null, expectHash: null });
  const fix = { type: "fix" as const, fixId: 1, fixes: [entry(null), entry(new Uint8Array([2])), entry(null)] };
  assert.deepEqual(hook(fix), { ...fix, fixes: [fix.fixes[1]] });
  const apply = { type: "apply" as const, txid: "1.1", writes: [{ key: new Uint8Array([1]), value: null }] };
  assert.equal(hook(apply), apply);
});

test("lossy-catch-up drops one entry of some scanChunk messages and leaves every other message alone", () => {
  const hook = findPlant("lossy-catch-up").hooks.towardCoordinator!;
  const prng = new Prng(1);
  const entries = ["a", "b", "c"].map((key) => ({ key: new TextEncoder().encode(key), version: "1.1", value: null }));
  const chunk: NodeToCoordinator = { type: "scanChunk", scanId: 1, entries, next: null };
  const sizes = Array.from({ length: 40 }, () => {
    const garbled = hook(chunk, prng);
    return garbled.type === "scanChunk" ? garbled.entries.length : -1;
  });
  assert.ok(sizes.every((size) => size === 2 || size === 3) && sizes.includes(2) && sizes.includes(3), sizes.join(","));
  const vote: NodeToCoordinator = { type: "ack", txid: "1.1" };
  assert.equal(hook(vote, prng), vote);
});

test("shrink-before-durable holds back only batches with an inSync record", () => {
  const heldBack = findPlant("shrink-before-durable").hooks.heldBackUs!;
  const inSync: CoordinatorRecord = { type: "inSync", partitions: [{ partition: 0, epoch: 1, members: ["n1", "n2"] }] };
  assert.equal(heldBack([inSync]), 15_000_000);
  assert.equal(heldBack([{ type: "forget", txid: "1.1" }]), 0);
});
