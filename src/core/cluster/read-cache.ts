// The coordinator's read cache (PROTOCOL.md, Reads, step 2): for each key it holds, either the
// key's latest value or the fact that the key does not exist. Caching absence is as safe as caching
// values, because both are learned and dropped the same way: only a replica's answer sets an
// entry, and only when no decision raced the read; every write to a key passes through a decision
// of this coordinator, and its durable decision drops the entry. Without absences, every GET of a
// missing key cost a replica round trip.
//
// One KVCache holds both kinds, so there is one bound and one lookup per key: an entry is a tag
// byte, then the value's bytes for a present key.

import { KVCache } from "../kv-cache.js";
import type { CacheOptions } from "./config.js";
import type { Bytes } from "./types.js";

const PRESENT = 1;
const ABSENT_ENTRY = new Uint8Array([0]);

export type ReadCacheStats = ReturnType<KVCache["stats"]>;

export class ReadCache {
  readonly #entries: KVCache;

  constructor(options: CacheOptions) {
    this.#entries = new KVCache(options);
  }

  /** The key's latest value; null when it is known not to exist; undefined when not cached. */
  get(key: Bytes): Bytes | null | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    return entry[0] === PRESENT ? entry.subarray(1) : null;
  }

  /** Learns the key's latest value (null: the key does not exist). */
  set(key: Bytes, value: Bytes | null): void {
    if (value === null) return this.#entries.set(key, ABSENT_ENTRY);
    const entry = new Uint8Array(value.length + 1);
    entry[0] = PRESENT;
    entry.set(value, 1);
    this.#entries.set(key, entry);
  }

  /** Forgets what was cached for the key (a decision on it is durable). */
  invalidate(key: Bytes): void {
    this.#entries.delete(key);
  }

  stats(): ReadCacheStats {
    return this.#entries.stats();
  }
}
