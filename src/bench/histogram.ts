// A latency histogram with log-linear buckets (the HdrHistogram idea, written small):
// values below 2^subBucketBits get a bucket each; above that, every power-of-two range is cut
// into 2^subBucketBits equal buckets. Memory is fixed (a few thousand counters) however many
// values are recorded, and every quantile is reported within a known relative error of the
// exact (sorted) answer: at most 1 / 2^subBucketBits.

export interface HistogramOptions {
  /** Linear buckets per power of two, as a power of two: 7 gives 128 buckets, error <= 1/128. */
  subBucketBits?: number;
  /** Largest value kept exactly bucketed; larger values land in the top bucket (max stays exact). */
  valueMax?: number;
}

const DEFAULT_SUB_BUCKET_BITS = 7;
/** 2^40 ns is about 18 minutes: far past any request deadline. */
const DEFAULT_VALUE_MAX = 2 ** 40;

/** Everything a histogram holds, as plain data: it crosses a worker thread boundary. */
export interface HistogramSnapshot {
  subBucketBits: number;
  valueMax: number;
  counts: Float64Array;
  total: number;
  sum: number;
  min: number;
  max: number;
}

export class Histogram {
  readonly subBucketBits: number;
  readonly valueMax: number;
  private readonly subBucketCount: number;
  private readonly counts: Float64Array;
  private total = 0;
  private minSeen = Infinity;
  private maxSeen = 0;
  private sum = 0;

  constructor(options: HistogramOptions = {}) {
    this.subBucketBits = options.subBucketBits ?? DEFAULT_SUB_BUCKET_BITS;
    this.valueMax = options.valueMax ?? DEFAULT_VALUE_MAX;
    if (!Number.isInteger(this.subBucketBits) || this.subBucketBits < 1 || this.subBucketBits > 16) {
      throw new RangeError(`subBucketBits must be an integer from 1 to 16, got ${this.subBucketBits}`);
    }
    if (!Number.isSafeInteger(this.valueMax) || this.valueMax < 1) {
      throw new RangeError(`valueMax must be a positive safe integer, got ${this.valueMax}`);
    }
    this.subBucketCount = 2 ** this.subBucketBits;
    this.counts = new Float64Array(this.indexOf(this.valueMax) + 1);
  }

  /** The largest relative error of any reported quantile. */
  get relativeErrorMax(): number {
    return 1 / this.subBucketCount;
  }

  get count(): number {
    return this.total;
  }

  get min(): number {
    return this.total === 0 ? 0 : this.minSeen;
  }

  get max(): number {
    return this.maxSeen;
  }

  get mean(): number {
    return this.total === 0 ? 0 : this.sum / this.total;
  }

  /** Records one value (a non-negative number; fractions are rounded to integers). */
  record(value: number): void {
    const rounded = Math.max(0, Math.round(value));
    this.counts[this.indexOf(Math.min(rounded, this.valueMax))]! += 1;
    this.total += 1;
    this.sum += rounded;
    if (rounded < this.minSeen) this.minSeen = rounded;
    if (rounded > this.maxSeen) this.maxSeen = rounded;
  }

  snapshot(): HistogramSnapshot {
    return {
      subBucketBits: this.subBucketBits, valueMax: this.valueMax, counts: this.counts.slice(),
      total: this.total, sum: this.sum, min: this.minSeen, max: this.maxSeen,
    };
  }

  static fromSnapshot(snapshot: HistogramSnapshot): Histogram {
    const histogram = new Histogram({ subBucketBits: snapshot.subBucketBits, valueMax: snapshot.valueMax });
    if (snapshot.counts.length !== histogram.counts.length) throw new Error("histogram snapshot of a different shape");
    histogram.counts.set(snapshot.counts);
    histogram.total = snapshot.total;
    histogram.sum = snapshot.sum;
    histogram.minSeen = snapshot.min;
    histogram.maxSeen = snapshot.max;
    return histogram;
  }

  /** Adds every value recorded in `other` (which must have the same shape). */
  merge(other: Histogram): void {
    if (other.subBucketBits !== this.subBucketBits || other.valueMax !== this.valueMax) {
      throw new Error("cannot merge histograms of different shapes");
    }
    for (let i = 0; i < this.counts.length; i++) this.counts[i]! += other.counts[i]!;
    this.total += other.total;
    this.sum += other.sum;
    this.minSeen = Math.min(this.minSeen, other.minSeen);
    this.maxSeen = Math.max(this.maxSeen, other.maxSeen);
  }

  /**
   * The value at quantile q (0..1): the smallest recorded value v such that at least q of all
   * values are <= v, reported as the highest value its bucket holds (so never below the exact
   * answer) and clamped to the exact max. Past valueMax the error bound no longer holds.
   */
  quantile(q: number): number {
    if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be from 0 to 1, got ${q}`);
    if (this.total === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.total));
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i]!;
      if (seen < rank) continue;
      // The top bucket also holds every value clamped to valueMax: only the exact max is true there.
      return i === this.counts.length - 1 ? this.maxSeen : Math.min(this.highestInBucket(i), this.maxSeen);
    }
    return this.maxSeen;
  }

  private indexOf(value: number): number {
    if (value < this.subBucketCount) return value;
    const power = value < 2 ** 32 ? 31 - Math.clz32(value) : floorLog2(value);
    const shift = power - this.subBucketBits;
    const subBucket = Math.floor(value / 2 ** shift); // in [subBucketCount, 2 * subBucketCount)
    return (shift + 1) * this.subBucketCount + (subBucket - this.subBucketCount);
  }

  private highestInBucket(index: number): number {
    if (index < this.subBucketCount) return index;
    const shift = Math.floor(index / this.subBucketCount) - 1;
    const subBucket = (index % this.subBucketCount) + this.subBucketCount;
    return (subBucket + 1) * 2 ** shift - 1;
  }
}

/** floor(log2(value)) for values past 32 bits, where Math.clz32 cannot help. */
function floorLog2(value: number): number {
  let power = Math.floor(Math.log2(value));
  // Math.log2 may round across a power of two for large values; correct it by one step.
  if (2 ** power > value) power -= 1;
  else if (2 ** (power + 1) <= value) power += 1;
  return power;
}
