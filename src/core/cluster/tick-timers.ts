// One pending wake-up per key, fired by tick number. The machines give every transaction, read
// and prepared record at most one timer (its earliest deadline), so the number of timers is bounded
// by the bounds on those maps. Cancelling is O(1): no stale entries pile up behind finished work.

export class TickTimers<K> {
  readonly #tickByKey = new Map<K, number>();
  readonly #keysByTick = new Map<number, Set<K>>();
  /** Every timer at or before this tick has fired. */
  #firedThrough: number;

  constructor(startTick = 0) {
    this.#firedThrough = startTick;
  }

  /** Wakes `key` at `tick` (or at the next call of due() if that tick has passed), replacing its timer. */
  set(key: K, tick: number): void {
    this.cancel(key);
    const at = Math.max(tick, this.#firedThrough + 1);
    this.#tickByKey.set(key, at);
    let keys = this.#keysByTick.get(at);
    if (keys === undefined) {
      keys = new Set();
      this.#keysByTick.set(at, keys);
    }
    keys.add(key);
  }

  cancel(key: K): void {
    const at = this.#tickByKey.get(key);
    if (at === undefined) return;
    this.#tickByKey.delete(key);
    const keys = this.#keysByTick.get(at)!;
    keys.delete(key);
    if (keys.size === 0) this.#keysByTick.delete(at);
  }

  /** Removes and returns the keys whose tick is <= `now`, earliest first. */
  due(now: number): K[] {
    if (now <= this.#firedThrough) return [];
    const fired: K[] = [];
    for (const at of this.#ticksThrough(now)) {
      for (const key of this.#keysByTick.get(at)!) {
        this.#tickByKey.delete(key);
        fired.push(key);
      }
      this.#keysByTick.delete(at);
    }
    this.#firedThrough = now;
    return fired;
  }

  get size(): number {
    return this.#tickByKey.size;
  }

  /** Ticks holding timers in (firedThrough, now], ascending; a long jump scans the buckets instead. */
  #ticksThrough(now: number): number[] {
    const span = now - this.#firedThrough;
    if (span > this.#keysByTick.size) {
      return [...this.#keysByTick.keys()].filter((at) => at <= now).sort((a, b) => a - b);
    }
    const ticks: number[] = [];
    for (let at = this.#firedThrough + 1; at <= now; at += 1) if (this.#keysByTick.has(at)) ticks.push(at);
    return ticks;
  }
}
