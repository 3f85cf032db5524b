// The Backend of a standalone storage node (`ringkv node` without --join): every command runs
// the pure functions of src/core/commands over the local StorageEngine.
//
// Ordering rules, so that every reply is linearizable and durable:
// - A write command reads what its keys hold, including writes still being synced, computes its
//   writes synchronously (so no other command interleaves), hands them to the store as ONE atomic
//   write, and replies once that write is durable. LMDB commits writes in the order they are
//   handed over, so the reply also comes after every write it depended on.
// - A command that writes nothing but decided on not-yet-durable writes (SET NX on a key being
//   written) replies only once those are durable: a reply never reveals a write a crash could undo.
// - Read-only commands see durable state only.
import {
  decodeEntry, encodeEntry, executeCommand, isExpired, planCommand,
  type Command, type CommandReply, type Entry,
} from "../core/commands/index.js";
import { ScanCursors } from "../core/commands/scan-cursors.js";
import type { ScanOptions } from "../core/commands/scan-options.js";
import { globMatch } from "../core/glob.js";
import { keyString } from "../core/cluster/key-string.js";
import { RingkvError } from "../shared/errors.js";
import { REPLY_LIMITS } from "../shared/limits.js";
import type { Backend, CommandOptions, InfoSections, ScanPage, WatchHandle } from "../server/backend.js";
import type { DataWrite, StorageEngine } from "../storage/storage-engine.js";

interface PendingWrite {
  key: Buffer;
  entry: Entry | null;
  /** Settles when this write, and so every earlier write, is durable. */
  durable: Promise<void>;
}

export interface StandaloneBackendOptions {
  /** Largest string, or encoded hash, one key may hold. */
  valueBytesMax: number;
  /** The clock expiry deadlines are compared with: ms since the Unix epoch. */
  nowMs?: () => number;
  /** Uniform in [0, 1): HRANDFIELD, RANDOMKEY. */
  random?: () => number;
}

/** Keys RANDOMKEY tries before it answers nil: all it lands on may be expired, not yet deleted. */
const RANDOM_KEY_TRIES = 100;
/** RANDOMKEY seeks to a random key of this many bytes and takes the next key after it. */
const RANDOM_SEEK_BYTES = 4;

export class StandaloneBackend implements Backend {
  /** The newest not-yet-durable write of each key; bounded by the writes in flight. */
  private readonly pending = new Map<string, PendingWrite>();
  /** WATCHed keys -> the marks to set dirty when they change. */
  private readonly watchers = new Map<string, Set<WatchHandle>>();
  private readonly cursors: ScanCursors;
  private readonly nowMs: () => number;
  private readonly random: () => number;

  constructor(private readonly engine: StorageEngine, private readonly options: StandaloneBackendOptions) {
    this.nowMs = options.nowMs ?? Date.now;
    this.random = options.random ?? Math.random;
    this.cursors = new ScanCursors(REPLY_LIMITS.scanCursorsMax, BigInt(this.nowMs()) * 1000n + 1n);
  }

  command(command: Command, options: CommandOptions = {}): CommandReply | Promise<CommandReply> {
    const plan = planCommand(command);
    const nowMs = this.nowMs();
    if (options.watched && watchBroken(options.watched, nowMs)) {
      return this.afterDurable(options.watched.map((handle) => handle.key), { kind: "nilArray" });
    }
    const execute = { valueBytesMax: this.options.valueBytesMax, random: this.random, plan };
    if (!plan.write) return executeCommand(command, plan.keys.map((key) => this.durableEntry(key)), nowMs, execute).reply;
    const current = plan.keys.map((key) => this.newestEntry(key));
    const { reply, writes } = executeCommand(command, current, nowMs, execute);
    const changes: DataWrite[] = [];
    const entries: Array<Entry | null> = [];
    writes.forEach((entry, index) => {
      if (entry === undefined) return;
      const key = plan.keys[index] as Uint8Array;
      const before = current[index] ?? null;
      // Deleting a key whose deadline had passed is housekeeping, not a change a watcher sees.
      if (entry !== null || (before !== null && !isExpired(before, nowMs))) this.touchWatchers(key);
      changes.push({ key: asBuffer(key), value: entry === null ? null : asBuffer(encodeEntry(entry)) });
      entries.push(entry);
    });
    if (changes.length === 0) return this.afterDurable(plan.keys, reply);
    return this.write(changes, entries).then(() => reply);
  }

  watch(keys: Buffer[]): WatchHandle[] {
    const nowMs = this.nowMs();
    return keys.map((key) => {
      const entry = this.newestEntry(key);
      const live = entry !== null && !isExpired(entry, nowMs);
      const handle: WatchHandle = { key, dirty: false, expiresAtMs: live ? entry.expiresAtMs : undefined };
      const name = keyString(key);
      const set = this.watchers.get(name) ?? new Set();
      set.add(handle);
      this.watchers.set(name, set);
      return handle;
    });
  }

  unwatch(handles: readonly WatchHandle[]): void {
    for (const handle of handles) {
      const name = keyString(handle.key);
      const set = this.watchers.get(name);
      set?.delete(handle);
      if (set?.size === 0) this.watchers.delete(name);
    }
  }

  scan(cursor: bigint, options: ScanOptions): ScanPage {
    const after = cursor === 0n ? undefined : this.cursors.resume(cursor);
    if (cursor !== 0n && after === undefined) {
      throw new RingkvError("ERR", `cursor ${cursor} is unknown: it expired or was given before a restart; start the scan again from 0`);
    }
    const examineMax = Math.min(options.count, REPLY_LIMITS.elementsMax);
    const nowMs = this.nowMs();
    const pattern = options.match === undefined ? undefined : keyString(options.match);
    const keys: Buffer[] = [];
    let examined = 0;
    let last: Buffer | undefined;
    for (const [key, stored] of this.engine.store.entries("data", after)) {
      if (examined === examineMax) return { cursor: this.cursors.save(last as Buffer), keys };
      examined++;
      last = key;
      const entry = decodeEntry(stored);
      if (isExpired(entry, nowMs)) continue;
      if (pattern !== undefined && !globMatch(pattern, keyString(key))) continue;
      if (options.type !== undefined && options.type !== entry.kind) continue;
      keys.push(key);
    }
    return { cursor: 0n, keys };
  }

  keys(pattern: Buffer): Buffer[] {
    const glob = keyString(pattern);
    const matchAll = glob === "*";
    const nowMs = this.nowMs();
    const keys: Buffer[] = [];
    for (const [key, stored] of this.engine.store.entries("data")) {
      if (!matchAll && !globMatch(glob, keyString(key))) continue;
      if (isExpired(decodeEntry(stored), nowMs)) continue;
      if (keys.length === REPLY_LIMITS.elementsMax) {
        throw new RingkvError("ERR", `KEYS would answer more than ${REPLY_LIMITS.elementsMax} keys; use SCAN`);
      }
      keys.push(key);
    }
    return keys;
  }

  randomKey(): Buffer | null {
    const nowMs = this.nowMs();
    for (let attempt = 0; attempt < RANDOM_KEY_TRIES; attempt++) {
      const seek = Buffer.from(Array.from({ length: RANDOM_SEEK_BYTES }, () => Math.floor(this.random() * 256)));
      const found = firstOf(this.engine.store.entries("data", seek)) ?? firstOf(this.engine.store.entries("data"));
      if (found === undefined) return null;
      if (!isExpired(decodeEntry(found[1]), nowMs)) return found[0];
    }
    return null;
  }

  async flush(): Promise<void> {
    const names = new Map<string, Buffer>();
    for (const [key] of this.engine.store.entries("data")) names.set(keyString(key), key);
    for (const [name, pending] of this.pending) if (pending.entry !== null) names.set(name, pending.key);
    const nowMs = this.nowMs();
    for (const [name, key] of names) {
      const entry = this.newestEntry(key);
      if (entry !== null && !isExpired(entry, nowMs) && this.watchers.has(name)) this.touchWatchers(key);
    }
    const keys = [...names.values()];
    await this.write(keys.map((key) => ({ key, value: null })), keys.map(() => null));
  }

  dbsize(): number {
    return this.engine.count();
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

  private durableEntry(key: Uint8Array): Entry | null {
    const stored = this.engine.get(asBuffer(key));
    return stored === undefined ? null : decodeEntry(stored);
  }

  /** What a command that may write decides on: pending writes first, then durable state. */
  private newestEntry(key: Uint8Array): Entry | null {
    const pending = this.pending.get(keyString(key));
    return pending !== undefined ? pending.entry : this.durableEntry(key);
  }

  private touchWatchers(key: Uint8Array): void {
    if (this.watchers.size === 0) return; // the common case: no keyString() per write
    for (const handle of this.watchers.get(keyString(key)) ?? []) handle.dirty = true;
  }

  /** The reply, once every pending write of the keys it depended on is durable. */
  private afterDurable(keys: readonly Uint8Array[], reply: CommandReply): CommandReply | Promise<CommandReply> {
    const waits: Array<Promise<void>> = [];
    for (const key of keys) {
      const pending = this.pending.get(keyString(key));
      if (pending !== undefined) waits.push(pending.durable);
    }
    return waits.length === 0 ? reply : Promise.all(waits).then(() => reply);
  }

  private async write(writes: DataWrite[], entries: Array<Entry | null>): Promise<void> {
    const durable = this.engine.write(writes);
    const records = writes.map((write, index) => {
      const name = keyString(write.key);
      const record: PendingWrite = { key: write.key, entry: entries[index] ?? null, durable };
      this.pending.set(name, record);
      return [name, record] as const;
    });
    try {
      await durable;
    } finally {
      // Only the newest write of a key clears its record; a later write replaced older ones.
      for (const [name, record] of records) if (this.pending.get(name) === record) this.pending.delete(name);
    }
  }
}

function watchBroken(handles: readonly WatchHandle[], nowMs: number): boolean {
  return handles.some((handle) => handle.dirty || (handle.expiresAtMs !== undefined && handle.expiresAtMs <= nowMs));
}

function firstOf<T>(items: Iterable<T>): T | undefined {
  for (const item of items) return item;
  return undefined;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
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
    writes_failed_disk_full: stats.writesFailedFull,
    corrupt_records_found: stats.corruptRecordsFound,
    scrub_passes: stats.scrub.passes,
    data_file_bytes: stats.fileBytes,
    map_size_bytes: stats.mapSizeBytes,
  };
}
