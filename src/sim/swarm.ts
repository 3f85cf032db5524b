// Many seeds in a row: the swarm of `ringkv sim --seeds N` and of the CI swarm tests.

import { runSimulation, type SimOptions, type SimReport } from "./run.js";

/**
 * Runs seeds from..from+count-1 with `options`; each report goes to `onReport` (the caller keeps what
 * it needs, so a long swarm does not hold every history). Stops early after a failing seed when
 * `stopOnFailure`. Returns the failing seeds.
 */
export function runSwarm(options: SimOptions, from: number, count: number, onReport: (report: SimReport) => void, stopOnFailure = false): number[] {
  const failing: number[] = [];
  for (let seed = from; seed < from + count; seed += 1) {
    const report = runSimulation({ ...options, seed });
    onReport(report);
    if (report.ok) continue;
    failing.push(seed);
    if (stopOnFailure) break;
  }
  return failing;
}
