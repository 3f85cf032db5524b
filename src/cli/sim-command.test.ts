import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { registerCheckCommand } from "./check-command.js";
import { DEFAULT_SIM_OPTIONS } from "../sim/run.js";
import { replayCommand } from "../sim/sim-flags.js";
import { registerSimCommand, simOptionsFromFlags, type CommandOutput } from "./sim-command.js";

/** Runs `ringkv <args>` in-process; returns what it printed and whether it failed. */
async function ringkv(args: string[]): Promise<{ lines: string[]; errors: string[]; failed: boolean }> {
  const result = { lines: [] as string[], errors: [] as string[], failed: false };
  const output: CommandOutput = {
    out: (line) => result.lines.push(...line.split("\n")),
    err: (line) => result.errors.push(line),
    failed: () => { result.failed = true; },
  };
  const program = new Command().name("ringkv").exitOverride().configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
  registerSimCommand(program, output);
  registerCheckCommand(program, output);
  await program.parseAsync(args, { from: "user" });
  return result;
}

const traceOf = (lines: string[]): string | undefined => lines.find((line) => /^trace [0-9a-f]{16}$/.test(line));

test("ringkv sim --seed: a summary and the trace fingerprint, the same for the same seed", async () => {
  const first = await ringkv(["sim", "--seed", "5", "--calm", "--ops", "80"]);
  assert.equal(first.failed, false);
  assert.match(first.lines[0]!, /^seed 5: ok: \d+ requests \(\d+ ok, \d+ failed, 0 unknown\), 0 crashes/);
  assert.ok(traceOf(first.lines));
  const second = await ringkv(["sim", "--seed", "5", "--calm", "--ops", "80"]);
  assert.equal(traceOf(second.lines), traceOf(first.lines));
  const other = await ringkv(["sim", "--seed", "6", "--calm", "--ops", "80"]);
  assert.notEqual(traceOf(other.lines), traceOf(first.lines));
});

test("a failing swarm prints the seed and a command that replays exactly that run", async () => {
  const swarm = await ringkv(["sim", "--seeds", "50", "--from", "1", "--ops", "120", "--plant", "stale-replica-read", "--stop-on-failure"]);
  assert.equal(swarm.failed, true);
  const replay = swarm.lines.find((line) => line.startsWith("replay: "))!;
  const seed = /--seed (\d+)/.exec(replay)![1]!;
  assert.ok(swarm.lines.includes(`seed ${seed}`));
  assert.match(replay, new RegExp(`^replay: ringkv sim --seed ${seed} --ops 120 --plant stale-replica-read$`));
  assert.match(swarm.lines.at(-2)!, /^50 seeds from 1: 1 failed/);
  const replayed = await ringkv(replay.slice("replay: ringkv ".length).split(" "));
  assert.equal(replayed.failed, true);
  assert.equal(traceOf(replayed.lines), traceOf(swarm.lines));
  assert.ok(replayed.lines.some((line) => line.startsWith("  [linearizability] ")));
});

test("pinned faults appear in the replay command, which gives back exactly the same options", () => {
  const options = simOptionsFromFlags({
    seed: "9", ops: "60", drop: "0.3", latencyMs: "0.123", crashRate: "0", calm: true, plant: "stale-replica-read",
  });
  const command = replayCommand(options, DEFAULT_SIM_OPTIONS);
  assert.match(command, /^ringkv sim --seed 9 --ops 60 --drop 0\.3 --dup 0 --reorder 0 --latency-ms 0\.123 --partition-rate 0 --crash-rate 0 /);
  assert.match(command, / --plant stale-replica-read$/);
  const words = command.split(" ").slice(2);
  const flags: Record<string, string> = {};
  for (let index = 0; index < words.length; index += 2) {
    flags[words[index]!.slice(2).replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase())] = words[index + 1]!;
  }
  assert.deepEqual(simOptionsFromFlags(flags), options);
});

test("the flags of the aimed faults, the stalls and the outage are kept in the replay command", () => {
  const options = simOptionsFromFlags({ seed: "4", outageMs: "7000", aimedCrashRate: "0.5", stallMs: "2500" });
  assert.deepEqual(options.faults, { outageMs: 7000, aimedCrashesPerSecond: 0.5, stallMeanMs: 2500 });
  assert.equal(replayCommand(options, DEFAULT_SIM_OPTIONS), "ringkv sim --seed 4 --aimed-crash-rate 0.5 --stall-ms 2500 --outage-ms 7000");
});

test("--trace shows the trace around each failure", async () => {
  const swarm = await ringkv(["sim", "--seeds", "50", "--ops", "120", "--plant", "stale-replica-read", "--stop-on-failure"]);
  const seed = /--seed (\d+)/.exec(swarm.lines.find((line) => line.startsWith("replay: "))!)![1]!;
  const run = await ringkv(["sim", "--seed", seed, "--ops", "120", "--plant", "stale-replica-read", "--trace"]);
  assert.equal(run.failed, true);
  const start = run.lines.findIndex((line) => line.startsWith("--- trace around: ["));
  assert.ok(start >= 0, run.lines.join("\n"));
  assert.match(run.lines[start + 1]!, /^ +\d+\.\d{3}ms {2}\S/);
});

test("--list-plants names every plant", async () => {
  const { lines } = await ringkv(["sim", "--list-plants"]);
  for (const name of ["vote-before-sync", "ack-before-decision-sync", "stale-replica-read", "forget-prepared"]) {
    assert.ok(lines.some((line) => line.startsWith(name)), name);
  }
});

const badFlags: Array<[string[], RegExp]> = [
  [["--drop", "lots"], /--drop must be a number of at least 0, got "lots"/],
  [["--nodes", "0"], /--nodes must be a whole number of at least 1, got "0"/],
  [["--nodes", "2", "--replicas", "3"], /--replicas \(3\) cannot exceed --nodes \(2\)/],
  [["--plant", "nope"], /unknown plant "nope"/],
  [["--seeds", "0"], /--seeds must be a whole number of at least 1/],
  [["--skew", "0.9"], /fault clockSkew must be a number from 0 to 0.5, got 0.9/],
];

for (const [flags, expected] of badFlags) {
  test(`ringkv sim ${flags.join(" ")} is refused with a clear message`, async () => {
    await assert.rejects(ringkv(["sim", "--seed", "1", "--ops", "10", ...flags]), expected);
  });
}

test("--history writes a JSONL history that ringkv check accepts, and tampered ones it refuses (a read, a scan)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "ringkv-sim-"));
  try {
    const file = join(dir, "history.jsonl");
    const run = await ringkv(["sim", "--seed", "3", "--calm", "--ops", "80", "--history", file]);
    assert.equal(run.failed, false);
    const good = await ringkv(["check", file]);
    assert.equal(good.failed, false);
    assert.match(good.lines[0]!, /: \d+ ops on 12 keys: linearizable and atomic$/);

    const original = readFileSync(file, "utf8").trim().split("\n");
    // Make one completed scan return a key that no client ever wrote.
    const scanned = [...original];
    const scanIndex = scanned.findIndex((line) => line.includes('"f":"scan"') && line.includes('"type":"keys"'));
    const scan = JSON.parse(scanned[scanIndex]!);
    scan.result.keys.push("never written");
    scanned[scanIndex] = JSON.stringify(scan);
    writeFileSync(file, `${scanned.join("\n")}\n`);
    const madeUp = await ringkv(["check", file]);
    assert.equal(madeUp.failed, true);
    assert.ok(madeUp.lines.some((line) => /scan contract broken: scan returned keys .*never written/.test(line)), madeUp.lines.join("\n"));

    // Make one completed read return a value that no client ever wrote.
    const lines = [...original];
    const readIndex = lines.findIndex((line) => line.includes('"f":"get","keys":["r') && line.includes('"type":"values"'));
    const read = JSON.parse(lines[readIndex]!);
    read.result.values[0] = "never written";
    lines[readIndex] = JSON.stringify(read);
    writeFileSync(file, `${lines.join("\n")}\n`);
    const bad = await ringkv(["check", file]);
    assert.equal(bad.failed, true);
    assert.ok(bad.lines.some((line) => /not linearizable: key r\d/.test(line)), bad.lines.join("\n"));

    const missing = await ringkv(["check", join(dir, "missing.jsonl")]);
    assert.equal(missing.failed, true);
    assert.match(missing.errors[0]!, /cannot use .*missing\.jsonl: ENOENT/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
