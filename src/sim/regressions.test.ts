// Seeds on which the simulator once found a bug in the machines. Each stays a test; one whose fix has
// not landed yet is a todo (reported by the test runner, not failing the run) naming the finding.

import { test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_SIM_OPTIONS, runSimulation } from "./run.js";

const REGRESSIONS: Array<{ seed: number; finding: string; open?: boolean }> = [
  { seed: 42, finding: "the coordinator answered OK before its decision record was synced; a read then missed the write" },
  { seed: 13, finding: "an MGET concurrent with an MSET returned some keys before the MSET and some after it", open: true },
];

for (const { seed, finding, open } of REGRESSIONS) {
  const options = open === true ? { todo: `open finding: ${finding}` } : {};
  test(`regression seed ${seed}: ${finding}`, options, () => {
    const report = runSimulation({ ...DEFAULT_SIM_OPTIONS, seed });
    assert.deepEqual(report.failures.map((failure) => `[${failure.checker}] ${failure.message}`), []);
  });
}
