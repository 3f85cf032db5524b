// KVCache: the set-associative LRU cache in front of every durable store (storage nodes) and in the
// coordinator (hot reads). Keys and values are byte strings. A key lives in set murmur3(key) % sets;
// each set is an LRU bounded by `ways` entries and by bytesMax / sets bytes.
//
// Contract with the caller — the cache is never stale only because of it:
// - Every write to the store behind the cache is followed by set() (new value) or delete() (key
//   removed) for that key, once the write is durable, before the write is acknowledged. The cache
//   holds nothing the store does not hold; it never expires anything on its own.
// - set() copies the key and the value: the caller may reuse or change its buffers afterwards
//   (LMDB hands out buffers that it reuses). Copying also keeps a small value from pinning a large
//   shared buffer (a Buffer pool slab, an LMDB read buffer) in memory.
// - get() returns the cache's own copy, not a fresh one (a copy per hit would double the cost of
//   the hot path): callers must treat it as read-only. The cache never writes into a buffer once it
//   has made it — an update makes a new one — so a value returned earlier stays intact while, for
//   example, it is still being written to a socket.
//
// Why a Map keyed by the 32-bit hash and not by a string of the key's bytes: the hash is computed
// anyway to pick the set, and a Map lookup by number plus one byte comparison measured 2-3x faster
// than a string-keyed Map lookup with the string built by String.fromCharCode over the key's bytes
// (keys of 8 to 1024 bytes; src/core has no Buffer to do it natively). Keys whose
// hashes are equal are chained, and every lookup compares the bytes, so a collision is never a
// false hit.

import { DEFAULTS } from "../shared/defaults.js";
import { murmur3 } from "./hash.js";

/**
 * Bytes charged for each entry on top of its key and value bytes: what V8 spends on the entry
 * object, the two typed arrays holding the copies and the entry's slot in the Map. Measured with
 * Node's memory usage figures (heap + external) over 20 thousand to a million entries on Node 20:
 * 514-529 bytes for keys and values up to 1 KB, about 700 when both are larger (each then also
 * has its own ArrayBuffer). A fixed figure, so that accounting is the same on every platform.
 */
export const KV_CACHE_ENTRY_OVERHEAD_BYTES = 512;

/**
 * How many sets a cache of bytesMax with `ways` entries a set should have so that its byte bound,
 * not its entry count, is what limits it: enough sets for every set to be full of small entries.
 * (With too few sets, 1024 × 16 ways for 64 MiB say, a cache of 100-byte values stops at 16 384
 * entries with most of its bytes unused.)
 */
export function setsToFillBytes(bytesMax: number, ways: number): number {
  return Math.max(1, Math.floor(bytesMax / (ways * KV_CACHE_ENTRY_OVERHEAD_BYTES)));
}

/** A cache's options with the defaults (src/shared/defaults.ts) filled in; its sets, unless
 * given, as many as fill its bytes. */
export function cacheShape(given: Partial<KVCacheOptions> = {}): KVCacheOptions {
  const bytesMax = given.bytesMax ?? DEFAULTS.cacheBytes;
  const ways = given.ways ?? DEFAULTS.cacheWays;
  return { sets: given.sets ?? setsToFillBytes(bytesMax, ways), ways, bytesMax };
}

/** V8's Map holds at most 2^24 entries: a cache that could hold more is refused at construction
 * rather than failing on some later insert. */
const ENTRIES_MAX = 2 ** 24;

export interface KVCacheOptions {
  /** Number of sets; a key's set is murmur3(key) % sets. */
  sets: number;
  /** Most entries in one set. */
  ways: number;
  /** Most bytes (keys + values + per-entry overhead) in the whole cache, split evenly per set
   * (the remainder of bytesMax / sets is not used). */
  bytesMax: number;
}

export interface KVCacheStats {
  /** get() calls that found the key. */
  hits: number;
  /** get() calls that did not. */
  misses: number;
  /** Entries dropped to make room; not those dropped by delete(), clear(), an update, or a set()
   * too large to cache. */
  evictions: number;
  entries: number;
  /** Bytes held, counted as keys + values + KV_CACHE_ENTRY_OVERHEAD_BYTES per entry. */
  bytes: number;
  sets: number;
  ways: number;
  bytesMax: number;
}

export interface KVCacheEntry {
  key: Uint8Array;
  value: Uint8Array;
}

/** One cached key and value, linked into its set's recency list and its hash chain. */
class Entry {
  older: Entry | undefined = undefined;
  newer: Entry | undefined = undefined;
  /** The next entry whose key has the same hash (a collision), if any. */
  sameHashNext: Entry | undefined = undefined;
  /** Copies owned by the cache and never written into (see the contract above); an update
   * replaces the value with a new copy. */
  readonly key: Uint8Array;
  value: Uint8Array;

  constructor(
    readonly hash: number,
    key: Uint8Array,
    value: Uint8Array,
    public bytes: number,
  ) {
    this.key = copyBytes(key);
    this.value = copyBytes(value);
  }

  hasKey(key: Uint8Array): boolean {
    const own = this.key;
    if (key.length !== own.length) return false;
    for (let i = 0; i < key.length; i += 1) {
      if (own[i] !== key[i]) return false;
    }
    return true;
  }
}

/** One set: its entries from least to most recently used, and what they add up to. */
class CacheSet {
  oldest: Entry | undefined = undefined;
  newest: Entry | undefined = undefined;
  entryCount = 0;
  bytes = 0;

  pushNewest(entry: Entry): void {
    entry.older = this.newest;
    entry.newer = undefined;
    if (this.newest === undefined) this.oldest = entry;
    else this.newest.newer = entry;
    this.newest = entry;
  }

  unlink(entry: Entry): void {
    if (entry.older === undefined) this.oldest = entry.newer;
    else entry.older.newer = entry.newer;
    if (entry.newer === undefined) this.newest = entry.older;
    else entry.newer.older = entry.older;
    entry.older = undefined;
    entry.newer = undefined;
  }

  /** Makes `entry`, already in this set, the most recently used. */
  touch(entry: Entry): void {
    if (this.newest === entry) return;
    this.unlink(entry);
    this.pushNewest(entry);
  }
}

export class KVCache {
  readonly sets: number;
  readonly ways: number;
  readonly bytesMax: number;
  /** Each set's share of bytesMax; an entry larger than this is never cached. */
  readonly setBytesMax: number;
  private readonly cacheSets: CacheSet[];
  /** Every entry, by hashOf(key); colliding keys are chained through sameHashNext. */
  private readonly byHash = new Map<number, Entry>();
  private entryCount = 0;
  private bytes = 0;
  private hits = 0;
  private misses = 0;
  private evictions = 0;

  constructor(options: KVCacheOptions) {
    this.sets = positiveInteger("sets", options.sets);
    this.ways = positiveInteger("ways", options.ways);
    this.bytesMax = positiveInteger("bytesMax", options.bytesMax);
    this.setBytesMax = Math.floor(this.bytesMax / this.sets);
    if (this.setBytesMax < KV_CACHE_ENTRY_OVERHEAD_BYTES) {
      throw new RangeError(
        `KVCache bytesMax must be at least sets × ${KV_CACHE_ENTRY_OVERHEAD_BYTES} bytes (one entry's ` +
          `overhead per set) = ${this.sets * KV_CACHE_ENTRY_OVERHEAD_BYTES}, got ${this.bytesMax}`,
      );
    }
    const entriesMax = this.sets * Math.min(this.ways, Math.floor(this.setBytesMax / KV_CACHE_ENTRY_OVERHEAD_BYTES));
    if (entriesMax > ENTRIES_MAX) {
      throw new RangeError(
        `KVCache could hold ${entriesMax} entries (sets × the fewer of ways and entries that fit in a set's ` +
          `bytes), more than a JavaScript Map's limit of ${ENTRIES_MAX}: lower ways or bytesMax`,
      );
    }
    this.cacheSets = Array.from({ length: this.sets }, () => new CacheSet());
  }

  /** The cached value of `key` (read-only, see the contract above); a hit makes it most recent. */
  get(key: Uint8Array): Uint8Array | undefined {
    const hash = hashOf(key);
    const entry = this.find(hash, key);
    if (entry === undefined) {
      this.misses += 1;
      return undefined;
    }
    this.hits += 1;
    this.setOf(hash).touch(entry);
    return entry.value;
  }

  /**
   * Caches a copy of `value` for `key` as the most recent entry of its set, evicting the least
   * recently used entries of that set while it is over `ways` or over its bytes. A value too large
   * for a set is not cached, and any older copy of the key is dropped: never stale.
   */
  set(key: Uint8Array, value: Uint8Array): void {
    const hash = hashOf(key);
    const cacheSet = this.setOf(hash);
    const old = this.find(hash, key);
    const bytes = key.length + value.length + KV_CACHE_ENTRY_OVERHEAD_BYTES;
    if (bytes > this.setBytesMax) {
      if (old !== undefined) this.remove(old, cacheSet);
      return;
    }
    if (old === undefined) this.insert(new Entry(hash, key, value, bytes), cacheSet);
    else this.update(old, value, bytes, cacheSet);
    this.evictWhileOver(cacheSet);
  }

  /** Drops `key` from the cache; true when it was cached. */
  delete(key: Uint8Array): boolean {
    const hash = hashOf(key);
    const entry = this.find(hash, key);
    if (entry === undefined) return false;
    this.remove(entry, this.setOf(hash));
    return true;
  }

  /** Drops every entry. The hit, miss and eviction counters go on counting. */
  clear(): void {
    this.byHash.clear();
    for (let i = 0; i < this.sets; i += 1) this.cacheSets[i] = new CacheSet();
    this.entryCount = 0;
    this.bytes = 0;
  }

  stats(): KVCacheStats {
    const { hits, misses, evictions, entryCount: entries, bytes, sets, ways, bytesMax } = this;
    return { hits, misses, evictions, entries, bytes, sets, ways, bytesMax };
  }

  /** Copies of one set's entries, least recently used first; for tests and debugging. */
  entriesOfSet(setIndex: number): KVCacheEntry[] {
    if (!Number.isInteger(setIndex) || setIndex < 0 || setIndex >= this.sets) {
      throw new RangeError(`KVCache set index must be an integer in [0, ${this.sets}), got ${String(setIndex)}`);
    }
    const entries: KVCacheEntry[] = [];
    for (let entry = this.cacheSets[setIndex]!.oldest; entry !== undefined; entry = entry.newer) {
      entries.push({ key: copyBytes(entry.key), value: copyBytes(entry.value) });
    }
    return entries;
  }

  private setOf(hash: number): CacheSet {
    return this.cacheSets[(hash >>> 0) % this.sets]!;
  }

  private find(hash: number, key: Uint8Array): Entry | undefined {
    let entry = this.byHash.get(hash);
    while (entry !== undefined && !entry.hasKey(key)) entry = entry.sameHashNext;
    return entry;
  }

  private insert(entry: Entry, cacheSet: CacheSet): void {
    entry.sameHashNext = this.byHash.get(entry.hash);
    this.byHash.set(entry.hash, entry);
    cacheSet.pushNewest(entry);
    cacheSet.entryCount += 1;
    cacheSet.bytes += entry.bytes;
    this.entryCount += 1;
    this.bytes += entry.bytes;
  }

  /** Gives a cached key a new value in place: no Map change and no new key copy (measured: an
   * update through remove and insert was 1.5-1.9x slower). */
  private update(entry: Entry, value: Uint8Array, bytes: number, cacheSet: CacheSet): void {
    entry.value = copyBytes(value);
    cacheSet.bytes += bytes - entry.bytes;
    this.bytes += bytes - entry.bytes;
    entry.bytes = bytes;
    cacheSet.touch(entry);
  }

  private remove(entry: Entry, cacheSet: CacheSet): void {
    this.unchain(entry);
    cacheSet.unlink(entry);
    cacheSet.entryCount -= 1;
    cacheSet.bytes -= entry.bytes;
    this.entryCount -= 1;
    this.bytes -= entry.bytes;
  }

  /** Takes `entry` out of its hash chain. */
  private unchain(entry: Entry): void {
    const head = this.byHash.get(entry.hash);
    if (head === entry) {
      if (entry.sameHashNext === undefined) this.byHash.delete(entry.hash);
      else this.byHash.set(entry.hash, entry.sameHashNext);
      return;
    }
    let previous = head;
    while (previous !== undefined && previous.sameHashNext !== entry) previous = previous.sameHashNext;
    if (previous === undefined) throw new Error("KVCache bug: an entry is missing from its hash chain");
    previous.sameHashNext = entry.sameHashNext;
  }

  private evictWhileOver(cacheSet: CacheSet): void {
    while (cacheSet.entryCount > this.ways || cacheSet.bytes > this.setBytesMax) {
      // The newest entry fits alone (checked before insert), so this stops before reaching it.
      this.remove(cacheSet.oldest!, cacheSet);
      this.evictions += 1;
    }
  }
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new RangeError(`KVCache option ${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

/**
 * murmur3 of the key as a signed 32-bit integer: V8 keeps that as a small integer, where an
 * unsigned hash of 2^31 or more is a heap number — a Map lookup by it measured 2x slower.
 * The set is still murmur3(key) % sets, from the unsigned value.
 */
function hashOf(key: Uint8Array): number {
  return murmur3(key) | 0;
}

/** A copy in a buffer of its own. Not slice(): on a Buffer, slice() is a view of the same memory. */
function copyBytes(bytes: Uint8Array): Uint8Array {
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return copy;
}
