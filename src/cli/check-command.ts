// `ringkv check FILE`: checks a history written by anyone (the simulator, or a test driving real
// processes) for linearizability per key and atomicity of MSET groups. Exit code 0: linearizable
// and atomic; 1: a violation, a search that could not decide, or an unreadable file.
// The JSONL format is documented in src/sim/history.ts.

import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { checkAtomicity } from "../sim/atomicity.js";
import { historyFromJsonl } from "../sim/history.js";
import { checkKeyScans } from "../sim/key-scans.js";
import { checkLinearizability, DEFAULT_LINEARIZABILITY_STEPS_MAX } from "../sim/linearizability.js";
import { CONSOLE_OUTPUT, type CommandOutput } from "./sim-command.js";

type CheckFlags = Record<string, string | boolean | undefined>;

const VIOLATIONS_SHOWN_MAX = 20;

export function registerCheckCommand(program: Command, output: CommandOutput = CONSOLE_OUTPUT): void {
  program
    .command("check")
    .description("check a history file (JSONL, one op per line) for linearizability and MSET atomicity")
    .argument("<history>", "the history file")
    .option("--settled-at <time>", "a time by which every op with an unknown outcome took effect or never will")
    .option("--steps <n>", `search steps allowed per key before answering "undecided" (default ${DEFAULT_LINEARIZABILITY_STEPS_MAX})`)
    .addHelpText("after", `
Each line: {"client":"c1","invoke":1000,"complete":1500,"op":{"f":"set","key":"k","value":"v1"},"result":{"type":"set","written":true}}
ops: get (keys), exists (keys), set (key, value, condition NX|XX, get), mset (pairs), del (keys);
results: values, count, set (written, previous), ok, error (changed nothing), unknown (may have happened; complete may be null).
Exit code 0 when the history is linearizable and atomic, 1 otherwise.`)
    .action((file: string, flags: CheckFlags) => {
      if (!checkHistoryFile(file, flags, output)) output.failed();
    });
}

/** Checks `file`, prints the verdict; true when linearizable and atomic, and every scan kept SCAN's contract. */
export function checkHistoryFile(file: string, flags: CheckFlags, output: CommandOutput): boolean {
  let history;
  try {
    history = historyFromJsonl(readFileSync(file, "utf8"));
  } catch (error) {
    output.err(`ringkv check: cannot use ${file}: ${(error as Error).message}`);
    return false;
  }
  const settledAt = numberFlag(flags.settledAt, "settled-at");
  const stepsMax = numberFlag(flags.steps, "steps") ?? DEFAULT_LINEARIZABILITY_STEPS_MAX;
  const linearizability = checkLinearizability(history, settledAt === undefined ? { stepsMax } : { stepsMax, settledAt });
  const atomicity = checkAtomicity(history);
  const problems = [
    ...linearizability.keys.filter((key) => key.verdict === "violation").map((key) => `not linearizable: ${key.detail!}`),
    ...linearizability.keys.filter((key) => key.verdict === "unknown").map((key) => `undecided: key ${key.key}: the search took more than ${stepsMax} steps (${key.ops} ops)`),
    ...atomicity.map((violation) => `not atomic: ${violation.detail}`),
    ...checkKeyScans(history).map((violation) => `scan contract broken: ${violation.detail}`),
  ];
  output.out(`${file}: ${history.length} ops on ${linearizability.keys.length} keys: `
    + `${problems.length === 0 ? "linearizable and atomic" : `${problems.length} problems`}`);
  for (const problem of problems.slice(0, VIOLATIONS_SHOWN_MAX)) output.out(`  ${problem}`);
  if (problems.length > VIOLATIONS_SHOWN_MAX) output.out(`  ... and ${problems.length - VIOLATIONS_SHOWN_MAX} more`);
  return problems.length === 0;
}

function numberFlag(raw: string | boolean | undefined, name: string): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (typeof raw !== "string" || raw.trim() === "" || !Number.isFinite(value) || value < 0) {
    throw new Error(`--${name} must be a number of at least 0, got "${String(raw)}"`);
  }
  return value;
}
