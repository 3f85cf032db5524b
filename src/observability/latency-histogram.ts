// A latency histogram cheap enough to record every request: fixed bucket bounds, counts in a
// plain array, no allocation per record (prom-client's own Histogram hashes its labels on every
// observe). Prometheus reads it through metric-family.ts; the dashboard takes per-second
// differences of it (since()) and reads percentiles from those.

/** Upper bounds in seconds, a 1-2.5-5 series from 50 µs to 10 s (Prometheus adds +Inf). */
export const LATENCY_BOUNDS_SECONDS: readonly number[] = Object.freeze([
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
]);

export interface HistogramCounts {
  /** counts[i]: observations in (bounds[i-1], bounds[i]]; the last entry: above every bound. */
  readonly counts: readonly number[];
  readonly count: number;
  readonly sum: number;
}

export class LatencyHistogram implements HistogramCounts {
  readonly counts: number[];
  count = 0;
  sum = 0;

  constructor(readonly bounds: readonly number[] = LATENCY_BOUNDS_SECONDS) {
    this.counts = new Array<number>(bounds.length + 1).fill(0);
  }

  record(seconds: number): void {
    const { bounds, counts } = this;
    // Most requests are fast: a scan from the low end stops after a few comparisons.
    let index = 0;
    while (index < bounds.length && seconds > bounds[index]!) index++;
    counts[index]!++;
    this.count++;
    this.sum += seconds;
  }

  /** A copy of the counts so far, to take differences from later. */
  snapshot(): HistogramCounts {
    return { counts: [...this.counts], count: this.count, sum: this.sum };
  }

  /** What was recorded since `earlier` (a snapshot of this histogram). */
  since(earlier: HistogramCounts): HistogramCounts {
    return {
      counts: this.counts.map((value, index) => value - (earlier.counts[index] ?? 0)),
      count: this.count - earlier.count,
      sum: this.sum - earlier.sum,
    };
  }
}

/** Adds histograms with the same bounds. */
export function addCounts(parts: readonly HistogramCounts[], buckets = LATENCY_BOUNDS_SECONDS.length + 1): HistogramCounts {
  const counts = new Array<number>(buckets).fill(0);
  let count = 0;
  let sum = 0;
  for (const part of parts) {
    part.counts.forEach((value, index) => (counts[index]! += value));
    count += part.count;
    sum += part.sum;
  }
  return { counts, count, sum };
}

/**
 * The q-quantile (0 < q <= 1) in seconds, interpolated linearly inside its bucket as Prometheus's
 * histogram_quantile does; undefined without observations. Above the last bound it answers that bound.
 */
export function quantile(histogram: HistogramCounts, q: number, bounds = LATENCY_BOUNDS_SECONDS): number | undefined {
  if (histogram.count === 0) return undefined;
  const rank = q * histogram.count;
  let below = 0;
  for (let index = 0; index < histogram.counts.length; index++) {
    const inBucket = histogram.counts[index]!;
    if (below + inBucket >= rank && inBucket > 0) {
      if (index >= bounds.length) return bounds[bounds.length - 1];
      const lower = index === 0 ? 0 : bounds[index - 1]!;
      const upper = bounds[index]!;
      return lower + ((upper - lower) * (rank - below)) / inBucket;
    }
    below += inBucket;
  }
  return bounds[bounds.length - 1];
}
