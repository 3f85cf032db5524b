// The commands a benchmark sends: SETs, GETs, or a mix, on keys drawn uniformly from a keyspace.
// Keys look like redis-benchmark's ("key:000000012345") so that runs of both tools touch the same
// data; the value is one shared buffer, built once, so generating a command costs almost nothing.

export type CommandArgs = Array<string | Buffer>;

export interface WorkloadShape {
  workload: "set" | "get" | "mixed";
  /** Share of GETs in the mixed workload (0..1). */
  readRatio: number;
  keyspace: number;
  valueBytes: number;
}

export class WorkloadGenerator {
  private readonly value: Buffer;

  constructor(private readonly shape: WorkloadShape, private readonly random: () => number = Math.random) {
    this.value = Buffer.alloc(shape.valueBytes, "x");
  }

  next(): CommandArgs {
    const key = keyName(Math.floor(this.random() * this.shape.keyspace));
    return this.isRead() ? ["GET", key] : ["SET", key, this.value];
  }

  /** A SET of every key in order, for filling the keyspace before a run. */
  *preloadPairs(): Generator<[string, Buffer]> {
    for (let index = 0; index < this.shape.keyspace; index++) yield [keyName(index), this.value];
  }

  private isRead(): boolean {
    switch (this.shape.workload) {
      case "get": return true;
      case "set": return false;
      case "mixed": return this.random() < this.shape.readRatio;
    }
  }
}

const KEY_DIGITS = 12;
/** "key:", "key:0", "key:00", ...: the prefix for each count of padding zeros (cheaper than padStart per key). */
const KEY_PREFIXES = Array.from({ length: KEY_DIGITS + 1 }, (_, zeros) => `key:${"0".repeat(zeros)}`);

export function keyName(index: number): string {
  const digits = String(index);
  return KEY_PREFIXES[Math.max(0, KEY_DIGITS - digits.length)]! + digits;
}
