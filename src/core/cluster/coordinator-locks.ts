// The coordinator's per-key FIFO lock queues. A transaction enqueues on all of its keys in one
// step, so every queue orders any two transactions the same way (arrival order) and there is no
// deadlock; it runs when it heads all of its queues. The head of a queue holds the key: at most
// one transaction holds a key at a time.

import type { TxnId } from "./types.js";

export class LockTable {
  readonly queueLengthMax: number;
  readonly #queues = new Map<string, TxnId[]>();
  /** Entries over all queues (holders and waiters). */
  #queued = 0;

  constructor(queueLengthMax: number) {
    this.queueLengthMax = queueLengthMax;
  }

  /** Enqueues `txid` on every key, or on none: then returns the first key whose queue is full. */
  enqueue(txid: TxnId, keys: readonly string[]): { fullKey: string; queued: number } | null {
    for (const key of keys) {
      const queued = this.#queues.get(key)?.length ?? 0;
      if (queued >= this.queueLengthMax) return { fullKey: key, queued };
    }
    for (const key of keys) {
      const queue = this.#queues.get(key);
      if (queue === undefined) this.#queues.set(key, [txid]);
      else {
        if (queue.includes(txid)) throw new Error(`lock table: ${txid} enqueued twice on one key`);
        queue.push(txid);
      }
    }
    this.#queued += keys.length;
    return null;
  }

  /** True when `txid` heads the queue of every one of `keys`. */
  holdsAll(txid: TxnId, keys: readonly string[]): boolean {
    return keys.every((key) => this.#queues.get(key)?.[0] === txid);
  }

  /** The transaction holding `key`, if any. */
  holder(key: string): TxnId | undefined {
    return this.#queues.get(key)?.[0];
  }

  /**
   * Takes `txid` off the queues of `keys` (holding them or still waiting) and returns the
   * transactions that now head a queue: the candidates to start.
   */
  release(txid: TxnId, keys: readonly string[]): TxnId[] {
    const newHeads: TxnId[] = [];
    for (const key of keys) {
      const queue = this.#queues.get(key);
      const at = queue?.indexOf(txid) ?? -1;
      if (queue === undefined || at < 0) throw new Error(`lock table: ${txid} released key it is not queued on`);
      queue.splice(at, 1);
      this.#queued -= 1;
      if (queue.length === 0) this.#queues.delete(key);
      else if (at === 0) newHeads.push(queue[0]!);
    }
    return newHeads;
  }

  /** Keys held by some transaction. */
  get lockedKeys(): number {
    return this.#queues.size;
  }

  /** Places in the queues behind a key's holder: how many (transaction, key) pairs wait. */
  get waiting(): number {
    return this.#queued - this.#queues.size;
  }

  /** Every (key, txid) pair queued, for invariant checks. */
  *entries(): IterableIterator<[string, readonly TxnId[]]> {
    yield* this.#queues.entries();
  }
}
