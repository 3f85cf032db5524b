// `ringkv sim`: the deterministic simulator (src/sim). One run from a seed prints a summary and the
// trace fingerprint; a swarm runs many seeds. A failing run prints its seed and the exact command
// that replays it; --trace adds the trace lines around each failure.

import { writeFileSync } from "node:fs";
import type { Command } from "commander";
import { AVAILABILITY_FAILED_SHARE_MAX } from "../sim/availability.js";
import { historyToJsonl } from "../sim/history.js";
import { PLANTS, findPlant } from "../sim/plants.js";
import { failureText, summaryLine, traceExcerpt } from "../sim/report.js";
import { DEFAULT_SIM_OPTIONS, runSimulation, type SimOptions, type SimReport } from "../sim/run.js";
import { CALM_FAULTS, SIM_FLAGS, applyFlag } from "../sim/sim-flags.js";
import { runSwarm as runSeeds } from "../sim/swarm.js";

/** Where the command writes and how it reports failure; tests pass their own. */
export interface CommandOutput {
  out(line: string): void;
  err(line: string): void;
  /** The command failed: exit code 1 once it returns. */
  failed(): void;
}

export const CONSOLE_OUTPUT: CommandOutput = {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
  failed: () => {
    process.exitCode = 1;
  },
};

type SimFlags = Record<string, string | boolean | undefined>;

const TRACE_LINES_KEPT = 2_000_000;
const TRACE_LINES_SHOWN = 200;
const FAILURES_WITH_TRACE_MAX = 3;
const SWARM_FAILURES_LISTED_MAX = 50;

export function registerSimCommand(program: Command, output: CommandOutput = CONSOLE_OUTPUT): void {
  const command = program
    .command("sim")
    .description("run the deterministic cluster simulator: a whole cluster in one process from a seed, with faults, checked")
    .option("--seed <n>", "run this one seed (default 1)")
    .option("--seeds <count>", "run a swarm of this many seeds, from --from on")
    .option("--from <n>", "first seed of the swarm (default 1)")
    .option("--stop-on-failure", "end the swarm at its first failing seed")
    .option("--plant <name>", "plant a known bug (see --list-plants), to see the checkers catch it")
    .option("--list-plants", "list the plants and exit")
    .option("--calm", "no faults at all (the flags below still pin single faults)")
    .option("--trace", "on failure, print the trace lines around it")
    .option("--history <file>", "write the run's history as JSONL (the format `ringkv check` reads)");
  for (const flag of SIM_FLAGS) command.option(`--${flag.name} <value>`, flag.description);
  command.addHelpText("after", `
Faults not pinned by a flag are drawn from the seed (each kind on in some runs, off in others).
Half the seeds draw an outage phase after the healed work (--outage-ms): R - W storage nodes down
for seconds under writes, their return and catch-up, then another replica's death. Writes in its
windows are measured (the summary line shows it): the run fails when more than
${100 * AVAILABILITY_FAILED_SHARE_MAX}% of them failed once the in-sync sets had had time to shrink.
Checkers: linearizability, atomicity, convergence (after catch-up), placement (replicas and in-sync
sets, W disks at every acknowledgement), availability, liveness, admission.
Examples:
  ringkv sim --seed 42
  ringkv sim --seeds 1000 --from 1
  ringkv sim --seed 7 --drop 0.05 --dup 0.02 --crash-rate 0.5 --nodes 5 --replicas 3 --min-in-sync 2 --clients 8 --ops 500
  ringkv sim --seeds 200 --aimed-crash-rate 2 --stall-rate 0.5 --stall-ms 3000
  ringkv sim --seed 3 --outage-ms 8000 --nodes 5 --min-in-sync 2
  ringkv sim --seeds 200 --plant vote-before-sync --stop-on-failure`);
  command.action((flags: SimFlags) => {
    if (flags.listPlants === true) {
      for (const plant of PLANTS) output.out(`${plant.name.padEnd(26)} ${plant.description}; caught by ${plant.caughtBy}`);
      return;
    }
    const options = simOptionsFromFlags(flags);
    const ok = flags.seeds === undefined ? runOne(options, flags, output) : runSwarm(options, flags, output);
    if (!ok) output.failed();
  });
}

/** The run's options from the flags; throws an Error naming a bad flag. */
export function simOptionsFromFlags(flags: SimFlags): SimOptions {
  const options: SimOptions = { ...DEFAULT_SIM_OPTIONS, faults: {}, seed: seedFlag(flags.seed, "seed", 1) };
  if (flags.calm === true) options.faults = { ...CALM_FAULTS };
  for (const flag of SIM_FLAGS) {
    const raw = flags[camelCase(flag.name)];
    if (typeof raw === "string") applyFlag(options, flag, raw);
  }
  if (options.replicas > options.nodes) throw new Error(`--replicas (${options.replicas}) cannot exceed --nodes (${options.nodes})`);
  if (options.minInSync > options.replicas) throw new Error(`--min-in-sync (${options.minInSync}) cannot exceed --replicas (${options.replicas})`);
  if (options.registerKeys + options.groups + options.counterKeys === 0) throw new Error("--keys, --groups and --counters cannot all be 0: the clients need keys");
  if (typeof flags.plant === "string") options.plant = findPlant(flags.plant).name;
  return options;
}

function runOne(options: SimOptions, flags: SimFlags, output: CommandOutput): boolean {
  const withTrace = flags.trace === true;
  const report = runSimulation({ ...options, traceLinesKept: withTrace ? TRACE_LINES_KEPT : 0 });
  output.out(summaryLine(report));
  if (typeof flags.history === "string") writeFileSync(flags.history, historyToJsonl(report.history));
  // A failure's text carries the trace fingerprint with the replay command.
  if (report.ok) output.out(`trace ${report.trace}`);
  else printFailure(report, options, withTrace, output);
  return report.ok;
}

function runSwarm(options: SimOptions, flags: SimFlags, output: CommandOutput): boolean {
  const count = seedFlag(flags.seeds, "seeds", 1, 1);
  const from = seedFlag(flags.from, "from", 1);
  const started = Date.now();
  const failing = runSeeds(options, from, count, (report) => {
    if (!report.ok) printFailure(report, { ...options, seed: report.seed }, false, output);
  }, flags.stopOnFailure === true);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  output.out(`${count} seeds from ${from}: ${failing.length} failed (${seconds} s)`);
  if (failing.length > 0) {
    const listed = failing.slice(0, SWARM_FAILURES_LISTED_MAX);
    output.out(`failing seeds: ${listed.join(" ")}${failing.length > listed.length ? " ..." : ""}`);
  }
  return failing.length === 0;
}

function printFailure(report: SimReport, options: SimOptions, withTrace: boolean, output: CommandOutput): void {
  output.out(failureText(report, options, DEFAULT_SIM_OPTIONS));
  if (!withTrace) return;
  for (const failure of report.failures.slice(0, FAILURES_WITH_TRACE_MAX)) {
    output.out(`--- trace around: [${failure.checker}] ${failure.message.slice(0, 200)}`);
    for (const line of traceExcerpt(report.traceLines, failure, TRACE_LINES_SHOWN)) output.out(line);
  }
}

function seedFlag(raw: string | boolean | undefined, name: string, fallback: number, min = 0): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (typeof raw !== "string" || !/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min) {
    throw new Error(`--${name} must be a whole number of at least ${min}, got "${String(raw)}"`);
  }
  return value;
}

function camelCase(name: string): string {
  return name.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}
