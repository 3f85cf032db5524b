// A storage node's data path: the durable KVStore (LMDB) with a KVCache in front.
// Reads see only durable state: the store acknowledges a write only after it is synced, and the
// cache is updated only after that, so neither a cache hit nor a store read can return a value
// that a crash could still take back.

import { KVCache } from "../core/kv-cache.js";
import type { KVStore, StoreWrite } from "../storage/kv-store.js";

export interface DataWrite {
  key: Buffer;
  /** null deletes the key. */
  value: Buffer | null;
}

export interface CacheOptions {
  sets: number;
  ways: number;
  bytesMax: number;
}

export interface StorageEngineOptions {
  /**
   * true: a write leaves its new values in the cache (a standalone node, whose clients often
   * read what they wrote). false: a write drops its keys from the cache, and only reads fill it.
   */
  fillCacheOnWrite: boolean;
}

export class StorageEngine {
  private readonly cache: KVCache;

  constructor(
    readonly store: KVStore,
    cacheOptions: CacheOptions,
    private readonly options: StorageEngineOptions = { fillCacheOnWrite: true },
  ) {
    this.cache = new KVCache(cacheOptions);
  }

  /** The durable value of `key`, through the cache; a miss fills it. */
  get(key: Buffer): Buffer | undefined {
    const cached = this.peekCache(key);
    if (cached !== undefined) return cached;
    const stored = this.store.get("data", key);
    if (stored !== undefined) this.cache.set(key, stored);
    return stored;
  }

  /** The durable value of `key`, like get(), but a miss does not fill the cache. */
  peek(key: Buffer): Buffer | undefined {
    return this.peekCache(key) ?? this.store.get("data", key);
  }

  /**
   * Applies data writes (and any extra records, e.g. 2PC bookkeeping) atomically and durably.
   * Resolves after the sync; only then does the cache take the new values (or drop the keys,
   * without fillCacheOnWrite), so a read before that sees the old durable value.
   */
  async write(writes: DataWrite[], extra: StoreWrite[] = []): Promise<void> {
    const batch: StoreWrite[] = writes.map((write) => ({ db: "data", key: write.key, value: write.value }));
    await this.store.write(batch.concat(extra));
    for (const write of writes) {
      if (write.value === null || !this.options.fillCacheOnWrite) this.cache.delete(write.key);
      else this.cache.set(write.key, write.value);
    }
  }

  count(): number {
    return this.store.count("data");
  }

  cacheStats(): ReturnType<KVCache["stats"]> {
    return this.cache.stats();
  }

  private peekCache(key: Buffer): Buffer | undefined {
    const cached = this.cache.get(key);
    // The cache keeps plain Uint8Arrays (it lives in the platform-free core); a Buffer view
    // of the same bytes costs no copy.
    return cached === undefined ? undefined : Buffer.from(cached.buffer, cached.byteOffset, cached.byteLength);
  }
}
