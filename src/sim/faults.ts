// How hostile one run is. Every rate is drawn from the run's seed (swarm testing: each kind of
// fault is on in some runs and off in others, at a random strength, because a bug that needs
// "many drops but no crashes" is never found by runs that always mix everything), and each can be
// pinned from the command line. A replay passes the same overrides, so it draws the same plan.

import type { Prng } from "./prng.js";

export interface FaultPlan {
  /** One-way network latency: at least this, plus an exponential tail with this mean. */
  latencyMinUs: number;
  latencyMeanUs: number;
  /** Chance that a message between coordinator and node is dropped, duplicated, or held back. */
  dropRate: number;
  dupRate: number;
  reorderRate: number;
  /** A held-back message is delayed by up to this much more. */
  reorderDelayMaxUs: number;
  /** Link cuts per second of simulated time, the share of them that cut one direction only, how long they last. */
  partitionsPerSecond: number;
  partitionOneWayShare: number;
  partitionMeanMs: number;
  /** How long a cut link takes to be noticed as closed (TCP timeouts): a short cut may pass unnoticed. */
  linkBreakDetectMeanMs: number;
  /** Process crashes per second, the share aimed at the coordinator, how long until the restart. */
  crashesPerSecond: number;
  crashCoordinatorShare: number;
  restartMeanMs: number;
  /** Share of crashes that wait for the victim's next disk write and strike while it syncs. */
  crashMidSyncShare: number;
  /** Pauses (no ticks, no deliveries: a GC or a stopped VM) per second and how long they last. */
  pausesPerSecond: number;
  pauseMeanMs: number;
  /** Disk sync latency: at least this, plus an exponential tail with this mean. */
  syncLatencyMinUs: number;
  syncLatencyMeanUs: number;
  /** On a crash, the chance that each unsynced batch (in order) was written anyway. */
  unsyncedSurviveRate: number;
  /** Each process's clock runs at a rate in [1 - skew, 1 + skew]. */
  clockSkew: number;
  /** Connections per second from impostors: they claim a member's id without the cluster secret. */
  impostorsPerSecond: number;
  /**
   * Coordinator crashes aimed at narrow windows, per second: each waits (up to a second) for the sync
   * of a decision or inSync record, or, for `aimedInquiryShare` of them, for a participant's inquiry.
   */
  aimedCrashesPerSecond: number;
  aimedInquiryShare: number;
  /** Disk stalls per second (one process's syncs all held back: an fsync that hangs) and how long they last. */
  stallsPerSecond: number;
  stallMeanMs: number;
  /**
   * After the work is healed, R − W storage nodes (one at least) stay down this long while clients
   * write; then they return and catch up, and another replica dies (outage-phase.ts). 0: no outage phase.
   */
  outageMs: number;
  /**
   * After the final heal, this many keys are damaged on one replica each (rot.ts: a copy lost, an
   * older one back, a value damaged in place) and a repair round must bring them back before the
   * final read. 0: none.
   */
  rotKeys: number;
  /**
   * Membership changes while the clients work (membership-operator.ts): 0 none, 2 a node joins and
   * one is removed, 4 also a node dies for good, is removed as dead and replaced by a new one.
   */
  membershipChanges: number;
}

/** Every fault off: a calm network and disk, no crashes; for tests that want the happy path. */
export const CALM_PLAN: Readonly<FaultPlan> = Object.freeze({
  latencyMinUs: 50,
  latencyMeanUs: 300,
  dropRate: 0,
  dupRate: 0,
  reorderRate: 0,
  reorderDelayMaxUs: 0,
  partitionsPerSecond: 0,
  partitionOneWayShare: 0,
  partitionMeanMs: 0,
  linkBreakDetectMeanMs: 500,
  crashesPerSecond: 0,
  crashCoordinatorShare: 0,
  restartMeanMs: 0,
  crashMidSyncShare: 0,
  pausesPerSecond: 0,
  pauseMeanMs: 0,
  syncLatencyMinUs: 200,
  syncLatencyMeanUs: 500,
  unsyncedSurviveRate: 0,
  clockSkew: 0,
  impostorsPerSecond: 0,
  aimedCrashesPerSecond: 0,
  aimedInquiryShare: 0,
  stallsPerSecond: 0,
  stallMeanMs: 0,
  outageMs: 0,
  rotKeys: 0,
  membershipChanges: 0,
});

export const FAULT_NAMES = Object.keys(CALM_PLAN) as Array<keyof FaultPlan>;

/** A plan drawn from `prng`, with `overrides` pinned. Draws the same numbers whatever is overridden. */
export function drawFaultPlan(prng: Prng, overrides: Partial<FaultPlan> = {}): FaultPlan {
  const on = (probability: number): boolean => prng.chance(probability);
  const uniform = (min: number, max: number): number => min + prng.float() * (max - min);
  // Draw every number unconditionally first, so pinning one fault keeps the others as they were.
  const drawn = {
    latencyMeanUs: uniform(100, 3_000),
    drop: on(0.5) ? uniform(0.001, 0.1) : 0,
    dup: on(0.4) ? uniform(0.001, 0.05) : 0,
    reorder: on(0.5) ? uniform(0.01, 0.2) : 0,
    partitions: on(0.5) ? uniform(0.1, 1) : 0,
    oneWay: uniform(0, 0.6),
    partitionMeanMs: uniform(100, 3_000),
    breakDetectMs: uniform(100, 2_000),
    crashes: on(0.6) ? uniform(0.1, 1.5) : 0,
    crashCoordinator: uniform(0.1, 0.4),
    restartMs: uniform(10, 2_000),
    midSync: uniform(0.3, 0.9),
    pauses: on(0.3) ? uniform(0.1, 0.8) : 0,
    pauseMs: uniform(50, 3_000),
    syncMeanUs: uniform(200, 5_000),
    survive: on(0.5) ? uniform(0.1, 0.7) : 0,
    skew: on(0.5) ? uniform(0.001, 0.05) : 0,
    // Drawn last, so that the plans drawn before impostors existed stay as they were.
    impostors: on(0.4) ? uniform(0.2, 2) : 0,
    // Drawn after the impostors, for the same reason.
    aimedCrashes: on(0.4) ? uniform(0.2, 1.5) : 0,
    aimedInquiry: uniform(0.2, 0.8),
    stalls: on(0.3) ? uniform(0.05, 0.4) : 0,
    stallMs: uniform(1_000, 4_000),
    outageMs: on(0.5) ? uniform(7_000, 12_000) : 0,
    // Drawn after the outage, for the same reason.
    rotKeys: on(0.7) ? Math.floor(uniform(1, 8)) : 0,
    // Drawn last, so that the plans drawn before membership changes existed stay as they were.
    membershipChanges: on(0.5) ? (on(0.5) ? 4 : 2) : 0,
  };
  const plan: FaultPlan = {
    latencyMinUs: 50,
    latencyMeanUs: drawn.latencyMeanUs,
    dropRate: drawn.drop,
    dupRate: drawn.dup,
    reorderRate: drawn.reorder,
    reorderDelayMaxUs: 20_000,
    partitionsPerSecond: drawn.partitions,
    partitionOneWayShare: drawn.oneWay,
    partitionMeanMs: drawn.partitionMeanMs,
    linkBreakDetectMeanMs: drawn.breakDetectMs,
    crashesPerSecond: drawn.crashes,
    crashCoordinatorShare: drawn.crashCoordinator,
    restartMeanMs: drawn.restartMs,
    crashMidSyncShare: drawn.midSync,
    pausesPerSecond: drawn.pauses,
    pauseMeanMs: drawn.pauseMs,
    syncLatencyMinUs: 100,
    syncLatencyMeanUs: drawn.syncMeanUs,
    unsyncedSurviveRate: drawn.survive,
    clockSkew: drawn.skew,
    impostorsPerSecond: drawn.impostors,
    aimedCrashesPerSecond: drawn.aimedCrashes,
    aimedInquiryShare: drawn.aimedInquiry,
    stallsPerSecond: drawn.stalls,
    stallMeanMs: drawn.stallMs,
    outageMs: drawn.outageMs,
    rotKeys: drawn.rotKeys,
    membershipChanges: drawn.membershipChanges,
  };
  return checkedPlan({ ...plan, ...overrides });
}

/** Throws a RangeError naming the first fault setting out of range. */
export function checkedPlan(plan: FaultPlan): FaultPlan {
  for (const name of FAULT_NAMES) {
    const value = plan[name];
    const isShare = name.endsWith("Rate") || name.endsWith("Share") || name === "clockSkew";
    const max = name === "clockSkew" ? 0.5 : isShare ? 1 : Number.MAX_SAFE_INTEGER;
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || value > max) {
      throw new RangeError(`fault ${name} must be a number from 0 to ${max}, got ${String(value)}`);
    }
  }
  return plan;
}

/** One line per fault, for the run's summary. */
export function describePlan(plan: FaultPlan): string {
  const round = (value: number): string => String(Math.round(value * 1000) / 1000);
  const parts = [
    `latency ${round(plan.latencyMeanUs / 1000)}ms`,
    `drop ${round(plan.dropRate)}`,
    `dup ${round(plan.dupRate)}`,
    `reorder ${round(plan.reorderRate)}`,
    `partitions/s ${round(plan.partitionsPerSecond)}`,
    `crashes/s ${round(plan.crashesPerSecond)}`,
    `pauses/s ${round(plan.pausesPerSecond)}`,
    `sync ${round(plan.syncLatencyMeanUs / 1000)}ms`,
    `unsynced-survive ${round(plan.unsyncedSurviveRate)}`,
    `skew ${round(plan.clockSkew)}`,
    `impostors/s ${round(plan.impostorsPerSecond)}`,
    `aimed crashes/s ${round(plan.aimedCrashesPerSecond)} (inquiry share ${round(plan.aimedInquiryShare)})`,
    `stalls/s ${round(plan.stallsPerSecond)} of ${round(plan.stallMeanMs)}ms`,
    `outage ${round(plan.outageMs)}ms`,
    `rot ${Math.floor(plan.rotKeys)} keys`,
    `membership changes ${plan.membershipChanges}`,
  ];
  return parts.join(", ");
}
