import { test } from "node:test";
import assert from "node:assert/strict";
import { CALM_PLAN, FAULT_NAMES, checkedPlan, describePlan, drawFaultPlan } from "./faults.js";
import { Prng } from "./prng.js";

test("the plan is drawn from the seed: same seed, same plan", () => {
  assert.deepEqual(drawFaultPlan(new Prng(8)), drawFaultPlan(new Prng(8)));
  assert.notDeepEqual(drawFaultPlan(new Prng(8)), drawFaultPlan(new Prng(9)));
});

test("pinning one fault leaves every other as drawn", () => {
  const drawn = drawFaultPlan(new Prng(8));
  const pinned = drawFaultPlan(new Prng(8), { dropRate: 0.5 });
  assert.equal(pinned.dropRate, 0.5);
  for (const name of FAULT_NAMES) if (name !== "dropRate") assert.equal(pinned[name], drawn[name], name);
});

test("swarm: over many seeds each kind of fault is sometimes off and sometimes on", () => {
  const kinds = [
    "dropRate", "dupRate", "reorderRate", "partitionsPerSecond", "crashesPerSecond", "pausesPerSecond", "unsyncedSurviveRate", "clockSkew",
    "impostorsPerSecond", "aimedCrashesPerSecond", "stallsPerSecond", "outageMs",
  ] as const;
  const plans = Array.from({ length: 200 }, (_, seed) => drawFaultPlan(new Prng(seed)));
  for (const kind of kinds) {
    const on = plans.filter((plan) => plan[kind] > 0).length;
    assert.ok(on > 20 && on < 180, `${kind} on in ${on} of 200 plans`);
  }
});

test("out-of-range settings are refused, naming the setting", () => {
  assert.throws(() => checkedPlan({ ...CALM_PLAN, dropRate: 1.5 }), /fault dropRate must be a number from 0 to 1, got 1.5/);
  assert.throws(() => checkedPlan({ ...CALM_PLAN, latencyMeanUs: -1 }), /fault latencyMeanUs/);
  assert.throws(() => drawFaultPlan(new Prng(1), { clockSkew: 0.7 }), /fault clockSkew must be a number from 0 to 0.5/);
  assert.deepEqual(checkedPlan({ ...CALM_PLAN }), CALM_PLAN);
});

test("the plan reads as one line", () => {
  assert.equal(describePlan(CALM_PLAN),
    "latency 0.3ms, drop 0, dup 0, reorder 0, partitions/s 0, crashes/s 0, pauses/s 0, sync 0.5ms, unsynced-survive 0, skew 0, impostors/s 0, "
    + "aimed crashes/s 0 (inquiry share 0), stalls/s 0 of 0ms, outage 0ms, rot 0 keys, membership changes 0");
});
