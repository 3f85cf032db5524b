// Seeds on which the simulator found a bug in the machines (each fixed since). They stay tests: the
// same seed must keep passing every checker.

import { test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_SIM_OPTIONS, runSimulation } from "./run.js";

const REGRESSIONS: Array<{ seed: number; finding: string }> = [
  { seed: 13, finding: "an MGET concurrent with an MSET returned some keys as before the MSET and some as after it" },
  { seed: 42, finding: "the coordinator answered OK before its decision record was synced; a read then missed the write" },
];

for (const { seed, finding } of REGRESSIONS) {
  test(`regression seed ${seed}: ${finding}`, () => {
    const report = runSimulation({ ...DEFAULT_SIM_OPTIONS, seed });
    assert.deepEqual(report.failures.map((failure) => `[${failure.checker}] ${failure.message}`), []);
  });
}
