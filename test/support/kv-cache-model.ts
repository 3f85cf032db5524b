// The model KVCache is tested against: the same rules written in the most obvious way. Each set is
// an array from least to most recently used; every operation searches it from the start. Slow and
// plainly right, and sharing no code with KVCache except murmur3 and the overhead figure.

import { murmur3 } from "../../src/core/hash.js";
import { KV_CACHE_ENTRY_OVERHEAD_BYTES, type KVCacheEntry, type KVCacheOptions } from "../../src/core/kv-cache.js";

export class KVCacheModel {
  readonly setBytesMax: number;
  readonly sets: KVCacheEntry[][];
  hits = 0;
  misses = 0;
  evictions = 0;

  constructor(readonly options: KVCacheOptions) {
    this.setBytesMax = Math.floor(options.bytesMax / options.sets);
    this.sets = Array.from({ length: options.sets }, () => []);
  }

  setIndexOf(key: Uint8Array): number {
    return murmur3(key) % this.options.sets;
  }

  get(key: Uint8Array): Uint8Array | undefined {
    const set = this.setOf(key);
    const index = set.findIndex((entry) => sameBytes(entry.key, key));
    if (index === -1) {
      this.misses += 1;
      return undefined;
    }
    this.hits += 1;
    const [entry] = set.splice(index, 1);
    set.push(entry!);
    return entry!.value;
  }

  set(key: Uint8Array, value: Uint8Array): void {
    this.delete(key);
    if (entryBytes({ key, value }) > this.setBytesMax) return;
    const set = this.setOf(key);
    set.push({ key: Uint8Array.from(key), value: Uint8Array.from(value) });
    while (set.length > this.options.ways || setBytes(set) > this.setBytesMax) {
      set.shift();
      this.evictions += 1;
    }
  }

  delete(key: Uint8Array): boolean {
    const set = this.setOf(key);
    const index = set.findIndex((entry) => sameBytes(entry.key, key));
    if (index === -1) return false;
    set.splice(index, 1);
    return true;
  }

  clear(): void {
    for (const set of this.sets) set.length = 0;
  }

  entries(): number {
    return this.sets.reduce((sum, set) => sum + set.length, 0);
  }

  bytes(): number {
    return this.sets.reduce((sum, set) => sum + setBytes(set), 0);
  }

  private setOf(key: Uint8Array): KVCacheEntry[] {
    return this.sets[this.setIndexOf(key)]!;
  }
}

export function entryBytes(entry: KVCacheEntry): number {
  return entry.key.length + entry.value.length + KV_CACHE_ENTRY_OVERHEAD_BYTES;
}

export function setBytes(set: KVCacheEntry[]): number {
  return set.reduce((sum, entry) => sum + entryBytes(entry), 0);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
