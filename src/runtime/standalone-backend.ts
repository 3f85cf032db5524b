// The Backend of a standalone storage node (`ringkv node` without --join): commands go straight
// to the local StorageEngine.
//
// Ordering rules, so that every reply is linearizable and durable:
// - Unconditional writes (SET, MSET, DEL's write) are handed to the store at once, in arrival
//   order; LMDB applies them in that order, and concurrent ones share one sync (group commit).
// - Reads (GET, MGET, EXISTS) see durable state only.
// - Operations that depend on a key's current value (SET NX/XX/GET, DEL's count) decide on the
//   newest value including writes still being synced, and reply only once everything they
//   depended on is durable — a reply never reveals a write that a crash could take back.

import type { Backend, InfoSections, SetOptions, SetResult } from "../server/backend.js";
import type { DataWrite, StorageEngine } from "../storage/storage-engine.js";

interface PendingWrite {
  value: Buffer | null;
  /** Settles when this write, and so every earlier write of the key, is durable. */
  durable: Promise<void>;
}

export class StandaloneBackend implements Backend {
  /** The newest not-yet-durable write of each key; bounded by the writes in flight. */
  private readonly pending = new Map<string, PendingWrite>();

  constructor(private readonly engine: StorageEngine) {}

  // Reads answer synchronously: the front end then encodes the reply in the same pass,
  // without a promise per request.
  get(key: Buffer): Buffer | null {
    return this.engine.get(key) ?? null;
  }

  mget(keys: Buffer[]): Array<Buffer | null> {
    return keys.map((key) => this.engine.get(key) ?? null);
  }

  exists(keys: Buffer[]): number {
    return keys.reduce((count, key) => count + (this.engine.get(key) === undefined ? 0 : 1), 0);
  }

  dbsize(): number {
    return this.engine.count();
  }

  async set(key: Buffer, value: Buffer, options: SetOptions): Promise<SetResult> {
    if (options.condition === undefined && !options.returnPrevious) {
      await this.write([{ key, value }]);
      return { written: true };
    }
    const previous = this.newest(key);
    const written = options.condition === "NX" ? previous === null : options.condition === "XX" ? previous !== null : true;
    if (written) await this.write([{ key, value }]);
    else await this.pending.get(keyString(key))?.durable;
    return options.returnPrevious ? { written, previous } : { written };
  }

  async mset(pairs: Array<[Buffer, Buffer]>): Promise<void> {
    await this.write(pairs.map(([key, value]) => ({ key, value })));
  }

  async del(keys: Buffer[]): Promise<number> {
    const existing = new Map<string, Buffer>();
    for (const key of keys) if (this.newest(key) !== null) existing.set(keyString(key), key);
    // Deleting absent keys changes nothing, but the count must still wait for the writes it saw.
    if (existing.size === 0) {
      await Promise.all(keys.map((key) => this.pending.get(keyString(key))?.durable));
      return 0;
    }
    await this.write([...existing.values()].map((key) => ({ key, value: null })));
    return existing.size;
  }

  info(): InfoSections {
    const cache = this.engine.cacheStats();
    return {
      keyspace_cache: {
        cache_hits: cache.hits,
        cache_misses: cache.misses,
        cache_evictions: cache.evictions,
        cache_entries: cache.entries,
        cache_bytes: cache.bytes,
        cache_sets: cache.sets,
        cache_ways: cache.ways,
      },
      persistence: persistenceInfo(this.engine, this.pending.size),
    };
  }

  /** The value a conditional operation must decide on: pending writes first, then durable state. */
  private newest(key: Buffer): Buffer | null {
    const pending = this.pending.get(keyString(key));
    if (pending !== undefined) return pending.value;
    return this.engine.get(key) ?? null;
  }

  private async write(writes: DataWrite[]): Promise<void> {
    const durable = this.engine.write(writes);
    const entries = writes.map((write) => {
      const entry: PendingWrite = { value: write.value, durable };
      this.pending.set(keyString(write.key), entry);
      return [keyString(write.key), entry] as const;
    });
    try {
      await durable;
    } finally {
      // Only the newest write of a key clears its entry; a later write replaced older ones.
      for (const [name, entry] of entries) if (this.pending.get(name) === entry) this.pending.delete(name);
    }
  }
}

function keyString(key: Buffer): string {
  return key.toString("latin1");
}

function persistenceInfo(engine: StorageEngine, keysInFlight: number): Record<string, string | number> {
  const stats = engine.store.stats();
  return {
    durable_writes: stats.writes,
    durable_batches: stats.batches,
    lmdb_commits: stats.commits,
    bytes_written: stats.bytesWritten,
    batches_in_flight: stats.batchesInFlight,
    keys_in_flight: keysInFlight,
    store_failure: stats.failure ?? "none",
    data_file_bytes: stats.fileBytes,
    map_size_bytes: stats.mapSizeBytes,
  };
}
