// The CI swarm: three hundred seeds with every checker on (availability once it is checked by
// default), split over three test files so that the test runner's two workers share them; each file a
// shape of cluster: 3 nodes R = 3 W = 2, 5 nodes R = 2 W = 1, 5 nodes R = 3 W = 2. Half the seeds
// draw an outage phase (R - W nodes down for seconds, catch-up, another replica's death).

import { test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_SIM_OPTIONS, type SimFailure, type SimOptions } from "./run.js";
import { replayCommand } from "./sim-flags.js";
import { runSwarm } from "./swarm.js";

/** Seeds from..from+count-1 with `shape` over the defaults: every run must pass every checker. */
export function swarmTests(from: number, count: number, shape: Partial<SimOptions> = {}): void {
  const options: SimOptions = { ...DEFAULT_SIM_OPTIONS, ...shape, seed: from };
  const name = `swarm of seeds ${from}..${from + count - 1}${Object.keys(shape).length > 0 ? ` (${JSON.stringify(shape)})` : ""}`;
  test(`${name}: linearizability, atomicity, durability, convergence, liveness, placement`, () => {
    const failing = new Map<number, SimFailure[]>();
    runSwarm(options, from, count, (report) => {
      if (!report.ok) failing.set(report.seed, report.failures);
    });
    if (failing.size === 0) return;
    const shown = [...failing].slice(0, 5).map(([seed, failures]) => [
      replayCommand({ ...options, seed }, DEFAULT_SIM_OPTIONS),
      ...failures.slice(0, 3).map((failure) => `  [${failure.checker}] ${failure.message}`),
    ].join("\n"));
    assert.fail(`${failing.size} of ${count} seeds failed:\n${shown.join("\n")}`);
  });
}
