// The values of committed writes that some replica may not have applied yet. Between a decision
// becoming durable (the client is told OK) and every replica acknowledging it, a replica read could
// return the value from before it, so reads of those keys are answered from here (PROTOCOL.md,
// Reads, step 1). When decisions overlap on a key, the newest (by txid) is the value.

import { compareTxids } from "./txid.js";
import type { Bytes, TxnId, TxnWrite } from "./types.js";

interface Decided {
  txid: TxnId;
  key: Bytes;
  value: Bytes | null;
}

export class DecidedValues {
  readonly #byKey = new Map<string, Decided>();

  /** Records a decision's writes; `keyStrings` is aligned with `writes`. */
  add(txid: TxnId, writes: readonly TxnWrite[], keyStrings: readonly string[]): void {
    writes.forEach((write, index) => {
      const key = keyStrings[index]!;
      const current = this.#byKey.get(key);
      if (current === undefined || compareTxids(current.txid, txid) < 0) this.#byKey.set(key, { txid, key: write.key, value: write.value });
    });
  }

  /** Drops the decision's values, where no newer decision has replaced them. */
  remove(txid: TxnId, keyStrings: readonly string[]): void {
    for (const key of keyStrings) if (this.#byKey.get(key)?.txid === txid) this.#byKey.delete(key);
  }

  /** The decided value (null: deleted), or undefined when no decision on the key is pending. */
  get(keyString: string): Bytes | null | undefined {
    return this.#byKey.get(keyString)?.value;
  }

  /** The txid whose value a key shows, for invariant checks. */
  owner(keyString: string): TxnId | undefined {
    return this.#byKey.get(keyString)?.txid;
  }

  /** Every pending decided write, newest per key (for key scans). */
  *writes(): IterableIterator<{ key: Bytes; value: Bytes | null }> {
    yield* this.#byKey.values();
  }

  *keys(): IterableIterator<string> {
    yield* this.#byKey.keys();
  }
}
