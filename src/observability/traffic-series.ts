// Throughput and latency second by second over the last minutes, for the dashboard's charts:
// sampled once a second from the command stats (differences of their counters and histograms).

import { OBSERVABILITY_LIMITS } from "../shared/limits.js";
import type { CommandEntry, CommandKind, CommandStats } from "./command-stats.js";
import { addCounts, quantile, type HistogramCounts } from "./latency-histogram.js";

export interface TrafficPoint {
  /** Unix time of the sample, ms. */
  t: number;
  /** Commands per second by kind, and error replies per second. */
  reads: number;
  writes: number;
  other: number;
  errors: number;
  /** Latency percentiles in ms over that second (null: no such command in it). */
  readP50: number | null;
  readP99: number | null;
  writeP50: number | null;
  writeP99: number | null;
}

interface Previous {
  calls: number;
  failed: number;
  latency: HistogramCounts;
}

export class TrafficSeries {
  readonly #points: TrafficPoint[] = [];
  readonly #previous = new Map<CommandEntry, Previous>();
  #previousAtMs: number | undefined;

  constructor(private readonly stats: CommandStats, private readonly length: number = OBSERVABILITY_LIMITS.trafficSeriesSeconds) {}

  /** Takes a sample; the first call only sets the starting point. */
  sample(nowMs = Date.now()): TrafficPoint | undefined {
    const elapsedSeconds = this.#previousAtMs === undefined ? 0 : (nowMs - this.#previousAtMs) / 1000;
    const calls: Record<CommandKind, number> = { read: 0, write: 0, other: 0 };
    const latencies: Record<CommandKind, HistogramCounts[]> = { read: [], write: [], other: [] };
    let errors = 0;
    for (const entry of this.stats.entries()) {
      const before = this.#previous.get(entry) ?? { calls: 0, failed: 0, latency: { counts: [], count: 0, sum: 0 } };
      calls[entry.kind] += entry.calls - before.calls;
      errors += entry.failed - before.failed;
      latencies[entry.kind].push(entry.latency.since(before.latency));
      this.#previous.set(entry, { calls: entry.calls, failed: entry.failed, latency: entry.latency.snapshot() });
    }
    this.#previousAtMs = nowMs;
    if (elapsedSeconds <= 0) return undefined;
    const rate = (count: number) => Math.round((count / elapsedSeconds) * 10) / 10;
    const reads = addCounts(latencies.read);
    const writes = addCounts(latencies.write);
    const point: TrafficPoint = {
      t: nowMs,
      reads: rate(calls.read),
      writes: rate(calls.write),
      other: rate(calls.other),
      errors: rate(errors),
      readP50: ms(quantile(reads, 0.5)),
      readP99: ms(quantile(reads, 0.99)),
      writeP50: ms(quantile(writes, 0.5)),
      writeP99: ms(quantile(writes, 0.99)),
    };
    this.#points.push(point);
    if (this.#points.length > this.length) this.#points.shift();
    return point;
  }

  points(): TrafficPoint[] {
    return [...this.#points];
  }
}

function ms(seconds: number | undefined): number | null {
  return seconds === undefined ? null : Math.round(seconds * 1e6) / 1000;
}
