// The CI swarm: a couple of hundred seeds with every checker on, split over two test files so that
// the test runner's two workers share them.

import { test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_SIM_OPTIONS, type SimFailure, type SimOptions } from "./run.js";
import { replayCommand } from "./sim-flags.js";
import { runSwarm } from "./swarm.js";

/**
 * Known protocol findings, reported to the machines' author, that the swarm still hits. Their checker
 * is tested as a todo (shown in the test output, not failing the run) until the machines are fixed;
 * then the entry goes and the checker counts again.
 */
export const KNOWN_FINDINGS: ReadonlyArray<{ checker: SimFailure["checker"]; what: string }> = [
  {
    checker: "atomicity",
    what: "MGET reads each key on its own (PROTOCOL.md, Reads), so an MGET concurrent with an MSET can return some keys "
      + "before it and some after it, e.g. `ringkv sim --seed 13`",
  },
];

export function swarmTests(from: number, count: number, shape: Partial<SimOptions> = {}): void {
  const options: SimOptions = { ...DEFAULT_SIM_OPTIONS, ...shape, seed: from };
  const failures = new Map<number, SimFailure[]>();
  let ran = false;
  const run = (): void => {
    if (ran) return;
    ran = true;
    runSwarm(options, from, count, (report) => {
      if (!report.ok) failures.set(report.seed, report.failures);
    });
  };
  const known = new Set(KNOWN_FINDINGS.map((finding) => finding.checker));
  const describeFailures = (keep: (failure: SimFailure) => boolean): string => [...failures]
    .map(([seed, list]) => [seed, list.filter(keep)] as const)
    .filter(([, list]) => list.length > 0)
    .slice(0, 5)
    .map(([seed, list]) => `${replayCommand({ ...options, seed }, DEFAULT_SIM_OPTIONS)}\n  ${list.map((failure) => `[${failure.checker}] ${failure.message}`).join("\n  ")}`)
    .join("\n");

  const name = `swarm of seeds ${from}..${from + count - 1}${Object.keys(shape).length > 0 ? ` (${JSON.stringify(shape)})` : ""}`;
  test(`${name}: linearizability, durability, convergence, liveness`, () => {
    run();
    const report = describeFailures((failure) => !known.has(failure.checker));
    if (report !== "") assert.fail(`failing seeds:\n${report}`);
  });

  for (const finding of KNOWN_FINDINGS) {
    test(`${name}: ${finding.checker}`, { todo: `known finding: ${finding.what}` }, () => {
      run();
      const report = describeFailures((failure) => failure.checker === finding.checker);
      if (report !== "") assert.fail(`failing seeds:\n${report}`);
    });
  }
}
