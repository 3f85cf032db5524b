// Availability with replicas down (issue 9): while at most R − W storage nodes are down and everything
// else is healthy, writes must succeed once the in-sync sets have had time to shrink. Measured on a
// window of the history (the run's outage phase chooses it: from the shrink's deadline plus a margin
// to the nodes' return): of the write attempts invoked in it, at most a small share may fail, and no
// key may have every attempt fail. "Any TRYAGAIN is fine" would pass a cluster that never shrinks.

import { describeEntry, isWrite, keysOf, type HistoryEntry } from "./history.js";

/** A stretch of a run in which writes must succeed. */
export interface AvailabilityWindow {
  /** For messages: "n2 down". */
  name: string;
  fromUs: number;
  toUs: number;
}

export interface AvailabilityMeasure {
  window: AvailabilityWindow;
  /** Write attempts invoked in the window (each retry is an attempt). */
  writes: number;
  /** Of those, the ones that failed or whose outcome is unknown. */
  failed: number;
  /** Keys written in the window whose every attempt failed (only keys with KEY_ATTEMPTS_MIN attempts or more). */
  deadKeys: string[];
  /** A few failures, for a person. */
  examples: string[];
}

/** The share of write attempts that may fail in a window (a dropped message can still time a write out). */
export const AVAILABILITY_FAILED_SHARE_MAX = 0.05;
/** Fewer attempts than this in a window say too little to judge: the window is not checked. */
export const AVAILABILITY_WRITES_MIN = 20;
/** A key with this many attempts, all failed, is unwritable. */
const KEY_ATTEMPTS_MIN = 3;
const EXAMPLES_MAX = 3;

export function measureAvailability(history: readonly HistoryEntry[], window: AvailabilityWindow): AvailabilityMeasure {
  const attemptsByKey = new Map<string, { attempts: number; failed: number }>();
  const examples: string[] = [];
  let writes = 0;
  let failed = 0;
  for (const entry of history) {
    if (!isWrite(entry.op) || entry.invoke < window.fromUs || entry.invoke >= window.toUs) continue;
    writes += 1;
    const failure = entry.result.type === "error" || entry.result.type === "unknown";
    if (failure) {
      failed += 1;
      if (examples.length < EXAMPLES_MAX) examples.push(describeEntry(entry));
    }
    for (const key of keysOf(entry.op)) {
      const counts = attemptsByKey.get(key) ?? { attempts: 0, failed: 0 };
      counts.attempts += 1;
      if (failure) counts.failed += 1;
      attemptsByKey.set(key, counts);
    }
  }
  const deadKeys = [...attemptsByKey].filter(([, counts]) => counts.attempts >= KEY_ATTEMPTS_MIN && counts.failed === counts.attempts).map(([key]) => key);
  return { window, writes, failed, deadKeys: deadKeys.sort(), examples };
}

/** What is wrong with a measured window; undefined when writes were available (or too few to tell). */
export function availabilityProblem(measure: AvailabilityMeasure): string | undefined {
  const { window, writes, failed, deadKeys, examples } = measure;
  if (writes < AVAILABILITY_WRITES_MIN) return undefined;
  const share = failed / writes;
  if (share <= AVAILABILITY_FAILED_SHARE_MAX && deadKeys.length === 0) return undefined;
  const percent = (100 * share).toFixed(0);
  const dead = deadKeys.length > 0 ? `; every write failed on ${deadKeys.join(",")}` : "";
  return `with ${window.name}, ${failed} of ${writes} writes failed (${percent}%, at most ${100 * AVAILABILITY_FAILED_SHARE_MAX}% may) `
    + `once the in-sync sets had had time to shrink${dead}; e.g. ${examples.join(" | ")}`;
}

/**
 * How long a write may take while a learner rejoins its partitions' in-sync sets, its other replicas
 * healthy: a fence holds a partition's writes at most fenceTicks × 32 (960 ms by default), then lets
 * them go; the rest is the network's and the disks' time. A fence held until the partition drains
 * holds them for as long as the learner is slow (the outage phase makes it seconds).
 */
export const STALL_MAX_US = 1_500_000;

/**
 * The stall check: every write invoked in the window must succeed within STALL_MAX_US. Undefined when
 * they did; else what went wrong, with a few examples.
 */
export function stallProblem(history: readonly HistoryEntry[], window: AvailabilityWindow): string | undefined {
  const stalled = history.filter((entry) => isWrite(entry.op) && entry.invoke >= window.fromUs && entry.invoke < window.toUs
    && (entry.result.type === "error" || entry.result.type === "unknown" || entry.complete === null || entry.complete - entry.invoke > STALL_MAX_US));
  if (stalled.length === 0) return undefined;
  return `while ${window.name}, ${stalled.length} writes failed or took over ${STALL_MAX_US / 1000} ms; e.g. ${stalled.slice(0, EXAMPLES_MAX).map(describeEntry).join(" | ")}`;
}

/** One line for the stats: "12/150 writes failed with n2 down". */
export function describeMeasure(measure: AvailabilityMeasure): string {
  return `${measure.failed}/${measure.writes} writes failed with ${measure.window.name}`;
}
