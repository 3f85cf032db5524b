// A set that remembers at most `sizeMax` items, forgetting the oldest first. The participant keeps
// the txids it recently finished in one, so that a duplicated prepare arriving after the commit is
// refused instead of locking its keys again; the bound keeps that memory from growing forever.
//
// The items are also kept in a ring, oldest at `#oldest`, so forgetting the oldest is O(1). (Taking
// it as the first item of the Set's iteration was not: V8 leaves deleted entries in place until the
// table is rebuilt, and every iteration from the start skips them. Measured at 100 000 items: 34 us
// per add once full, growing with the run, against well under 1 us now.)

export class BoundedSet<T> {
  readonly sizeMax: number;
  readonly #items = new Set<T>();
  /** The items in insertion order, as a ring once it is full. */
  readonly #ring: T[] = [];
  #oldest = 0;

  constructor(sizeMax: number) {
    if (!Number.isSafeInteger(sizeMax) || sizeMax <= 0) {
      throw new RangeError(`BoundedSet: sizeMax must be a positive integer, got ${sizeMax}`);
    }
    this.sizeMax = sizeMax;
  }

  /** Adds `item` (a no-op if present), forgetting the oldest item when full. */
  add(item: T): void {
    if (this.#items.has(item)) return;
    if (this.#ring.length < this.sizeMax) {
      this.#ring.push(item);
    } else {
      this.#items.delete(this.#ring[this.#oldest]!);
      this.#ring[this.#oldest] = item;
      this.#oldest = (this.#oldest + 1) % this.sizeMax;
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
