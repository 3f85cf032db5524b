// The background scrub: walks every record of the store, in key order, one sub-database after the
// other, and verifies its checksum, so that damage is found before a read needs the record (and
// on replicas that no read reaches). The pace is bounded: a step every stepMs reads about
// bytesPerSecond * stepMs / 1000 bytes from one read snapshot, so the scrub never holds a long
// read transaction nor takes the disk from the requests. Once the walk is done it starts over.
// Each damaged record is reported once per pass through onCorrupt (the process logs it).
// Repairing a damaged record from another replica is left to the cluster (not built yet).

import type { CorruptRecordError } from "./record-checksum.js";

export interface ScrubOptions {
  /** Bytes of records verified per second at most; 0: no scrub. */
  bytesPerSecond: number;
  stepMs: number;
  onCorrupt(error: CorruptRecordError): void;
}

export interface ScrubStats {
  /** Whole walks of the store completed since open. */
  passes: number;
  /** Damaged records the scrub has found since open. */
  corruptFound: number;
}

/** The store's side: verify about `bytesMax` bytes of DB after stored key `after`. */
export type VerifyRange<Db extends string> = (db: Db, after: Buffer | undefined, bytesMax: number) => {
  /** The last key verified; undefined once the sub-database is done. */
  last: Buffer | undefined;
  corrupt: CorruptRecordError[];
};

export const DEFAULT_SCRUB: Readonly<ScrubOptions> = Object.freeze({
  bytesPerSecond: 8 * 1024 * 1024,
  stepMs: 100,
  onCorrupt: () => undefined,
});

export class Scrub<Db extends string> {
  private readonly options: ScrubOptions;
  private timer: NodeJS.Timeout | undefined;
  private dbIndex = 0;
  private after: Buffer | undefined;
  private readonly counters: ScrubStats = { passes: 0, corruptFound: 0 };

  /** Walks the sub-databases `dbs`, in this order, through `verify`. */
  constructor(private readonly dbs: readonly Db[], private readonly verify: VerifyRange<Db>, options: Partial<ScrubOptions> = {}) {
    this.options = { ...DEFAULT_SCRUB, ...options };
  }

  start(): void {
    if (this.options.bytesPerSecond <= 0 || this.timer !== undefined) return;
    this.timer = setInterval(() => this.step(), this.options.stepMs);
    this.timer.unref(); // the scrub never keeps a process alive
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  stats(): ScrubStats {
    return { ...this.counters };
  }

  /** One bounded step; also callable directly (tests). */
  step(): void {
    const bytesMax = Math.max(1, Math.floor((this.options.bytesPerSecond * this.options.stepMs) / 1000));
    const db = this.dbs[this.dbIndex] as Db;
    const { last, corrupt } = this.verify(db, this.after, bytesMax);
    for (const error of corrupt) {
      this.counters.corruptFound++;
      this.options.onCorrupt(error);
    }
    this.after = last;
    if (last !== undefined) return;
    this.dbIndex = (this.dbIndex + 1) % this.dbs.length;
    if (this.dbIndex === 0) this.counters.passes++;
  }
}

/** Scrub options that log each damaged record found (any pino-like logger). */
export function scrubLoggingTo(logger: { error(fields: object, message: string): void }): Partial<ScrubOptions> {
  return {
    onCorrupt: (error) => logger.error({ key: error.key.toString("latin1"), db: error.place.db, file: error.place.file, err: error },
      "the scrub found a damaged record"),
  };
}
