import { test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_SIM_OPTIONS, runSimulation } from "./run.js";

/** The availability swarm: every seed has an outage phase (the CI swarm draws one for half its seeds). */
for (const shape of [{ nodes: 3, replicas: 3, minInSync: 2 }, { nodes: 5, replicas: 3, minInSync: 2 }]) {
  test(`availability swarm ${JSON.stringify(shape)}: with R - W nodes down, writes to every key succeed once the in-sync sets shrink`, () => {
    const failing: string[] = [];
    for (let seed = 1; seed <= 15; seed += 1) {
      const report = runSimulation({ ...DEFAULT_SIM_OPTIONS, ...shape, seed, ops: 150, faults: { outageMs: 8_000 } });
      for (const failure of report.failures) failing.push(`seed ${seed}: [${failure.checker}] ${failure.message}`);
    }
    assert.deepEqual(failing, []);
  });
}
