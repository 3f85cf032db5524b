// A set that remembers at most `sizeMax` items, forgetting the oldest first. The participant keeps
// the txids it recently finished in one, so that a duplicated prepare arriving after the commit is
// refused instead of locking its keys again; the bound keeps that memory from growing forever.

export class BoundedSet<T> {
  readonly sizeMax: number;
  // A Set iterates in insertion order, so its first item is always the oldest.
  readonly #items = new Set<T>();

  constructor(sizeMax: number) {
    if (!Number.isSafeInteger(sizeMax) || sizeMax <= 0) {
      throw new RangeError(`BoundedSet: sizeMax must be a positive integer, got ${sizeMax}`);
    }
    this.sizeMax = sizeMax;
  }

  /** Adds `item` (a no-op if present), forgetting the oldest item when full. */
  add(item: T): void {
    if (this.#items.has(item)) return;
    if (this.#items.size >= this.sizeMax) {
      const oldest = this.#items.values().next().value as T;
      this.#items.delete(oldest);
    }
    this.#items.add(item);
  }

  has(item: T): boolean {
    return this.#items.has(item);
  }

  get size(): number {
    return this.#items.size;
  }
}
