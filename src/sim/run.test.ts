import { test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_SIM_OPTIONS, runSimulation, type SimOptions } from "./run.js";
import { CALM_FAULTS } from "./sim-flags.js";

const options = (seed: number, extra: Partial<SimOptions> = {}): SimOptions => ({ ...DEFAULT_SIM_OPTIONS, seed, ops: 150, ...extra });

/** Every kind of fault on, so that every source of randomness is exercised. */
const EVERYTHING = {
  dropRate: 0.05, dupRate: 0.05, reorderRate: 0.1, partitionsPerSecond: 0.5, partitionOneWayShare: 0.5, crashesPerSecond: 1,
  crashMidSyncShare: 0.5, pausesPerSecond: 0.5, unsyncedSurviveRate: 0.3, clockSkew: 0.02,
};

test("the same seed gives the same run, to the last event", () => {
  const first = runSimulation(options(3, { faults: EVERYTHING }));
  const second = runSimulation(options(3, { faults: EVERYTHING }));
  assert.ok(first.stats.crashes > 0 && first.stats.pauses > 0 && first.stats.cuts > 0, JSON.stringify(first.stats));
  assert.match(first.trace, /^[0-9a-f]{16}$/);
  assert.equal(first.trace, second.trace);
  assert.deepEqual(first.stats, second.stats);
  assert.deepEqual(first.history, second.history);
  assert.ok(first.stats.events > 1000);
});

test("keeping trace lines for printing does not change the run", () => {
  const kept = runSimulation(options(3, { traceLinesKept: 1_000_000 }));
  assert.equal(kept.trace, runSimulation(options(3)).trace);
  assert.equal(kept.traceLines.length, kept.stats.events);
});

test("another seed, another run", () => {
  assert.notEqual(runSimulation(options(4)).trace, runSimulation(options(5)).trace);
});

test("a calm run: every request answered, nothing lost, all checks pass", () => {
  const report = runSimulation(options(11, { faults: { ...CALM_FAULTS } }));
  assert.deepEqual(report.failures, []);
  assert.equal(report.ok, true);
  assert.equal(report.stats.unknown, 0);
  assert.equal(report.stats.crashes + report.stats.pauses + report.stats.cuts, 0);
  // Only NX/XX misses and the CLUSTERDOWN answers before the nodes joined may fail.
  const failures = report.history.filter((entry) => entry.result.type === "error");
  assert.ok(failures.every((entry) => entry.result.type === "error" && /^(CLUSTERDOWN|TRYAGAIN)/.test(entry.result.error)), JSON.stringify(failures.slice(0, 3)));
  // Every key gets a final read through the coordinator: 4 registers, 2 groups of 3, 2 counters.
  assert.equal(report.history.filter((entry) => entry.client === "final" && entry.result.type === "values").length, 12);
});

test("pinned faults are the plan's, the rest drawn from the seed", () => {
  const report = runSimulation(options(3, { faults: { dropRate: 0.2, crashesPerSecond: 0, aimedCrashesPerSecond: 0, outageMs: 0 } }));
  assert.equal(report.plan.dropRate, 0.2);
  assert.equal(report.plan.crashesPerSecond, 0);
  assert.equal(report.stats.crashes, 0);
  assert.equal(report.plan.dupRate, runSimulation(options(3)).plan.dupRate);
});

test("aimed coordinator crashes and disk stalls strike, show in the trace, and are counted", () => {
  const struck = new Set<string>();
  const bothStruck = () => struck.has("while a decision record synced") && struck.has("just after an inquiry arrived");
  for (let seed = 1; seed <= 10 && !bothStruck(); seed += 1) {
    const faults = { aimedCrashesPerSecond: 3, aimedInquiryShare: 0.5, stallsPerSecond: 1, dropRate: 0.05, outageMs: 0 };
    const report = runSimulation(options(seed, { traceLinesKept: 10_000_000, faults }));
    assert.deepEqual(report.failures, [], `seed ${seed}`);
    const lines = report.traceLines.map((line) => line.text);
    const crashes = lines.map((text) => /^! coordinator crash #\d+: (while a decision record synced|just after an inquiry arrived|between a read-modify-write's read and its commit)$/.exec(text)?.[1]);
    for (const window of crashes) if (window !== undefined) struck.add(window);
    assert.equal(report.stats.aimedCrashes, crashes.filter((window) => window !== undefined).length, `seed ${seed}`);
    assert.equal(lines.filter((text) => /^! \S+ disk stalls for \d+ ms$/.test(text)).length, report.stats.stalls, `seed ${seed}`);
    assert.ok(report.stats.stalls > 0, `seed ${seed}`);
  }
  assert.ok(bothStruck(), [...struck].join(", "));
});
