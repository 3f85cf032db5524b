// The simulator's knobs as command-line flags, in one table: `ringkv sim` registers them from it, and
// a failing run prints the command that replays it from it, so the two can never drift apart.

import { CALM_PLAN, type FaultPlan } from "./faults.js";
import type { SimOptions } from "./run.js";

type IntegerOption = "nodes" | "replicas" | "minInSync" | "clients" | "ops" | "registerKeys" | "groups" | "groupSize" | "counterKeys" | "tickMs" | "requestTimeoutMs" | "thinkMaxMs";

export interface SimFlag {
  /** Without the leading dashes: "drop" is --drop. */
  name: string;
  description: string;
  /** A whole-number option of the run, or a fault pinned (flag value times `scale`, e.g. ms to us). */
  target: { option: IntegerOption; min: number } | { fault: keyof FaultPlan; scale: number };
}

export const SIM_FLAGS: readonly SimFlag[] = [
  { name: "nodes", description: "storage nodes", target: { option: "nodes", min: 1 } },
  { name: "replicas", description: "replicas of every key (at most --nodes)", target: { option: "replicas", min: 1 } },
  { name: "min-in-sync", description: "fewest in-sync replicas a partition shrinks to (0: replicas - 1)", target: { option: "minInSync", min: 0 } },
  { name: "clients", description: "concurrent clients", target: { option: "clients", min: 1 } },
  { name: "ops", description: "client requests in all, retries not counted", target: { option: "ops", min: 1 } },
  { name: "keys", description: "register keys (written by SET and DEL)", target: { option: "registerKeys", min: 0 } },
  { name: "groups", description: "key groups (written only by MSET of the whole group)", target: { option: "groups", min: 0 } },
  { name: "group-size", description: "keys per group", target: { option: "groupSize", min: 2 } },
  { name: "counters", description: "counter keys (written only by INCR, a read-modify-write)", target: { option: "counterKeys", min: 0 } },
  { name: "tick-ms", description: "length of a machine tick", target: { option: "tickMs", min: 1 } },
  { name: "request-timeout-ms", description: "deadline of a client request", target: { option: "requestTimeoutMs", min: 1 } },
  { name: "think-ms", description: "most a client waits between requests", target: { option: "thinkMaxMs", min: 0 } },
  { name: "drop", description: "chance a message is dropped (0..1)", target: { fault: "dropRate", scale: 1 } },
  { name: "dup", description: "chance a message is duplicated (0..1)", target: { fault: "dupRate", scale: 1 } },
  { name: "reorder", description: "chance a message is held back (0..1)", target: { fault: "reorderRate", scale: 1 } },
  { name: "latency-ms", description: "mean network latency beyond the minimum", target: { fault: "latencyMeanUs", scale: 1000 } },
  { name: "partition-rate", description: "link cuts per second", target: { fault: "partitionsPerSecond", scale: 1 } },
  { name: "one-way", description: "share of cuts that cut one direction only (0..1)", target: { fault: "partitionOneWayShare", scale: 1 } },
  { name: "crash-rate", description: "process crashes per second", target: { fault: "crashesPerSecond", scale: 1 } },
  { name: "mid-sync", description: "share of crashes that strike during a disk sync (0..1)", target: { fault: "crashMidSyncShare", scale: 1 } },
  { name: "pause-rate", description: "process pauses per second", target: { fault: "pausesPerSecond", scale: 1 } },
  { name: "sync-ms", description: "mean disk sync latency beyond the minimum", target: { fault: "syncLatencyMeanUs", scale: 1000 } },
  { name: "survive", description: "chance each unsynced batch survives a crash anyway (0..1)", target: { fault: "unsyncedSurviveRate", scale: 1 } },
  { name: "skew", description: "most a process clock's rate differs from 1 (0..0.5)", target: { fault: "clockSkew", scale: 1 } },
  { name: "impostor-rate", description: "connections per second claiming a member's id without the secret", target: { fault: "impostorsPerSecond", scale: 1 } },
  { name: "aimed-crash-rate", description: "coordinator crashes per second aimed at a decision's or inSync record's sync, a read-modify-write between its read and its commit, or just after an inquiry", target: { fault: "aimedCrashesPerSecond", scale: 1 } },
  { name: "inquiry-share", description: "share of aimed crashes that strike just after an inquiry arrives (0..1)", target: { fault: "aimedInquiryShare", scale: 1 } },
  { name: "stall-rate", description: "disk stalls per second (every sync of one process held back)", target: { fault: "stallsPerSecond", scale: 1 } },
  { name: "stall-ms", description: "mean length of a disk stall", target: { fault: "stallMeanMs", scale: 1 } },
  { name: "outage-ms", description: "after the healed work, R - W nodes down this long under writes, then their catch-up, then another replica's death (0: none)", target: { fault: "outageMs", scale: 1 } },
  { name: "rot-keys", description: "after the final heal, keys damaged on one replica each, which a repair round must bring back (0: none)", target: { fault: "rotKeys", scale: 1 } },
  { name: "membership-changes", description: "membership changes during the work: 0 none, 2 a node joins and one is removed, 4 also a dead node is removed and replaced", target: { fault: "membershipChanges", scale: 1 } },
];

/** The faults `--calm` pins: none at all. */
export const CALM_FAULTS: Partial<FaultPlan> = {
  dropRate: 0, dupRate: 0, reorderRate: 0, partitionsPerSecond: 0, crashesPerSecond: 0, pausesPerSecond: 0,
  unsyncedSurviveRate: 0, clockSkew: 0, impostorsPerSecond: 0, aimedCrashesPerSecond: 0, stallsPerSecond: 0, outageMs: 0, rotKeys: 0, membershipChanges: 0, latencyMeanUs: CALM_PLAN.latencyMeanUs, syncLatencyMeanUs: CALM_PLAN.syncLatencyMeanUs,
};

/** Sets what `--name raw` asks for on `options`; throws an Error saying what is wrong with `raw`. */
export function applyFlag(options: SimOptions, flag: SimFlag, raw: string): void {
  const value = Number(raw);
  const { target } = flag;
  if ("option" in target) {
    if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < target.min) {
      throw new Error(`--${flag.name} must be a whole number of at least ${target.min}, got "${raw}"`);
    }
    options[target.option] = value;
    return;
  }
  if (raw.trim() === "" || !Number.isFinite(value) || value < 0) throw new Error(`--${flag.name} must be a number of at least 0, got "${raw}"`);
  // Scaled values are rounded to whole microseconds, so that the replay command's "--x-ms 0.123"
  // gives back exactly the same number.
  const scaled = target.scale === 1 ? value : Math.round(value * target.scale);
  options.faults = { ...options.faults, [target.fault]: scaled };
}

/** The command that replays a run: its seed and every option that differs from the defaults. */
export function replayCommand(options: SimOptions, defaults: Omit<SimOptions, "seed">): string {
  const parts = ["ringkv", "sim", "--seed", String(options.seed)];
  for (const flag of SIM_FLAGS) {
    const { target } = flag;
    if ("option" in target) {
      if (options[target.option] !== defaults[target.option]) parts.push(`--${flag.name}`, String(options[target.option]));
    } else {
      const pinned = options.faults[target.fault];
      if (pinned !== undefined) parts.push(`--${flag.name}`, String(pinned / target.scale));
    }
  }
  if (options.plant !== undefined) parts.push("--plant", options.plant);
  return parts.join(" ");
}
