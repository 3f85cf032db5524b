// Per-connection ordering of requests that run concurrently. Pipelined requests start in
// arrival order but may finish out of order (a read answered from memory overtakes a write
// waiting for fsync). To keep what a client sees equal to running its pipeline in order,
// a request that touches a key waits while an earlier, still-running request conflicts with
// it on that key: a write conflicts with any earlier request on the key, a read with an
// earlier write. Requests on different keys run concurrently (group commit needs that).
// Keys are compared as latin1 strings: one char per byte, so binary keys stay distinct.
// A request over the whole keyspace (EXEC, SCAN, FLUSHALL...) holds every key at once: it
// waits for, and is waited for by, every request it conflicts with on any key.

export class KeyLocks {
  private readonly readers = new Map<string, number>();
  private readonly writers = new Map<string, number>();
  private wholeReaders = 0;
  private wholeWriters = 0;

  /** True when no running request holds a key: nothing can conflict. */
  get idle(): boolean {
    return this.readers.size === 0 && this.writers.size === 0 && this.wholeReaders === 0 && this.wholeWriters === 0;
  }

  /** `whole`: the request takes the whole keyspace (`keys` is then ignored). */
  conflicts(keys: readonly string[], write: boolean, whole = false): boolean {
    if (this.wholeWriters > 0 || (write && this.wholeReaders > 0)) return true;
    if (whole) return this.writers.size > 0 || (write && this.readers.size > 0);
    for (const key of keys) {
      if (this.writers.has(key)) return true;
      if (write && this.readers.has(key)) return true;
    }
    return false;
  }

  acquire(keys: readonly string[], write: boolean, whole = false): void {
    if (whole) {
      if (write) this.wholeWriters++;
      else this.wholeReaders++;
      return;
    }
    const held = write ? this.writers : this.readers;
    for (const key of keys) held.set(key, (held.get(key) ?? 0) + 1);
  }

  release(keys: readonly string[], write: boolean, whole = false): void {
    if (whole) {
      if (write) this.wholeWriters--;
      else this.wholeReaders--;
      return;
    }
    const held = write ? this.writers : this.readers;
    for (const key of keys) {
      const count = held.get(key);
      if (count === undefined) throw new Error(`releasing key lock that is not held: ${JSON.stringify(key)}`);
      if (count === 1) held.delete(key);
      else held.set(key, count - 1);
    }
  }
}
