// SCAN's cursors. Redis's contract (every key present for the whole scan is returned) is kept by
// walking the keys in their stored order and resuming after the last key a page looked at. Clients
// and redis-cli need the cursor to be a 64-bit number, and a key does not fit one, so the server
// keeps the last key of each open scan under a number: a bounded table, oldest forgotten first.
export class ScanCursors {
  private readonly saved = new Map<bigint, Uint8Array>();
  private nextId: bigint;

  /** `firstId` > 0; a process should start from a different one each run (e.g. from its clock). */
  constructor(private readonly cursorsMax: number, firstId: bigint) {
    if (firstId <= 0n) throw new RangeError(`a cursor id must be positive, got ${firstId}`);
    this.nextId = firstId;
  }

  /** A cursor that resumes after `lastKey`. */
  save(lastKey: Uint8Array): bigint {
    const id = this.nextId;
    this.nextId = this.nextId >= (1n << 64n) - 1n ? 1n : this.nextId + 1n;
    this.saved.set(id, lastKey);
    if (this.saved.size > this.cursorsMax) this.saved.delete(this.saved.keys().next().value as bigint);
    return id;
  }

  /** The key a cursor resumes after; undefined for a cursor that was never given or was forgotten. */
  resume(id: bigint): Uint8Array | undefined {
    return this.saved.get(id);
  }
}
