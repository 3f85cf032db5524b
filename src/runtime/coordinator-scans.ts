// SCAN, KEYS and RANDOMKEY through the coordinator (PROTOCOL.md, Key scans). A scan walks the
// ring's partitions in order and each partition's keys in byte order, a chunk at a time (the
// machine's scanKeys op, coordinator-key-scans.ts). A cursor is a position — a partition and the
// last key looked at in it — kept in a bounded table under a 64-bit number, as on a standalone node.
// The position names no node: partitions keep their keys whichever nodes hold them, so a cursor
// stays valid across membership changes; it is lost when the coordinator restarts (a clear error).

import { decodeEntry, EntryFormatError, isExpired } from "../core/commands/index.js";
import { ScanCursors } from "../core/commands/scan-cursors.js";
import type { ScanOptions } from "../core/commands/scan-options.js";
import { globMatch } from "../core/glob.js";
import { keyString } from "../core/cluster/key-string.js";
import { RingkvError } from "../shared/errors.js";
import { REPLY_LIMITS } from "../shared/limits.js";
import type { ScanPage } from "../server/backend.js";

/** One chunk of a partition's live keys (the machine's "keys" result). */
export interface KeysChunk {
  partitions: number;
  entries: Array<{ key: Uint8Array; value: Uint8Array }>;
  next: Uint8Array | null;
}

export type ChunkReader = (partition: number, after: Uint8Array | null, bytesMax: number) => Promise<KeysChunk>;

interface Position {
  partitions: number;
  partition: number;
  after: Uint8Array | null;
}

/** A scan page asks for at most this many chunks, so that SCAN over empty partitions still answers soon. */
const CHUNKS_PER_PAGE_MAX = 32;
/** Bytes of keys and values a chunk may carry, per key still wanted (and its bounds). */
const CHUNK_BYTES_PER_KEY = 1024;
const CHUNK_BYTES_MIN = 16 * 1024;
const CHUNK_BYTES_MAX = 1024 * 1024;
/** RANDOMKEY seeks to a random key of this many bytes in a random partition and takes the next live key. */
const RANDOM_SEEK_BYTES = 4;

export class ClusterScans {
  private readonly cursors: ScanCursors;

  constructor(
    private readonly readChunk: ChunkReader,
    private readonly nowMs: () => number,
    /** Uniform in [0, 1). */
    private readonly random: () => number = Math.random,
  ) {
    this.cursors = new ScanCursors(REPLY_LIMITS.scanCursorsMax, BigInt(Date.now()) * 1000n + 1n);
  }

  async scan(cursor: bigint, options: ScanOptions): Promise<ScanPage> {
    const position = this.resume(cursor);
    const examineMax = Math.min(options.count, REPLY_LIMITS.elementsMax);
    const pattern = options.match === undefined ? undefined : keyString(options.match);
    const keys: Buffer[] = [];
    let examined = 0;
    for (let chunks = 0; chunks < CHUNKS_PER_PAGE_MAX; chunks++) {
      const bytesMax = Math.min(CHUNK_BYTES_MAX, Math.max(CHUNK_BYTES_MIN, (examineMax - examined) * CHUNK_BYTES_PER_KEY));
      const chunk = await this.chunk(position, bytesMax);
      const nowMs = this.nowMs();
      for (const { key, value } of chunk.entries) {
        if (examined === examineMax) return { cursor: this.save(position), keys };
        examined++;
        position.after = key;
        const kind = liveKind(value, nowMs);
        if (kind === null) continue;
        if (pattern !== undefined && !globMatch(pattern, keyString(key))) continue;
        if (options.type !== undefined && options.type !== kind) continue;
        keys.push(Buffer.from(key));
      }
      if (!advance(position, chunk)) return { cursor: 0n, keys };
      if (examined === examineMax) break;
    }
    return { cursor: this.save(position), keys };
  }

  async keys(patternBytes: Uint8Array): Promise<Buffer[]> {
    const pattern = keyString(patternBytes);
    const matchAll = pattern === "*";
    const position: Position = { partitions: 0, partition: 0, after: null };
    const keys: Buffer[] = [];
    for (;;) {
      const chunk = await this.chunk(position, CHUNK_BYTES_MAX);
      const nowMs = this.nowMs();
      for (const { key, value } of chunk.entries) {
        if (!matchAll && !globMatch(pattern, keyString(key))) continue;
        if (liveKind(value, nowMs) === null) continue;
        if (keys.length === REPLY_LIMITS.elementsMax) {
          throw new RingkvError("ERR", `KEYS would answer more than ${REPLY_LIMITS.elementsMax} keys; use SCAN`);
        }
        keys.push(Buffer.from(key));
      }
      if (!advance(position, chunk)) return keys;
    }
  }

  /** A live key of a random partition, from a random point in it; the next partitions when it has none. */
  async randomKey(): Promise<Buffer | null> {
    const first = await this.chunk({ partitions: 0, partition: 0, after: null }, CHUNK_BYTES_MIN);
    const { partitions } = first;
    const start = Math.floor(this.random() * partitions);
    for (let step = 0; step < partitions; step++) {
      const partition = (start + step) % partitions;
      const seek = Uint8Array.from({ length: RANDOM_SEEK_BYTES }, () => Math.floor(this.random() * 256));
      for (const after of [seek, null]) {
        const chunk = await this.chunk({ partitions, partition, after }, CHUNK_BYTES_MIN);
        const nowMs = this.nowMs();
        const live = chunk.entries.find(({ value }) => liveKind(value, nowMs) !== null);
        if (live !== undefined) return Buffer.from(live.key);
      }
    }
    return null;
  }

  private async chunk(position: Position, bytesMax: number): Promise<KeysChunk> {
    const chunk = await this.readChunk(position.partition, position.after, bytesMax);
    if (position.partitions !== 0 && chunk.partitions !== position.partitions) {
      throw new RingkvError("ERR", `the ring now has ${chunk.partitions} partitions, not the ${position.partitions} this scan began with; start the scan again from 0`);
    }
    position.partitions = chunk.partitions;
    return chunk;
  }

  private resume(cursor: bigint): Position {
    if (cursor === 0n) return { partitions: 0, partition: 0, after: null };
    const saved = this.cursors.resume(cursor);
    if (saved === undefined) {
      throw new RingkvError("ERR", `cursor ${cursor} is unknown: it expired or was given before the coordinator restarted; start the scan again from 0`);
    }
    const view = new DataView(saved.buffer, saved.byteOffset, saved.byteLength);
    const hasAfter = saved[8] === 1;
    return { partitions: view.getUint32(0), partition: view.getUint32(4), after: hasAfter ? saved.subarray(9) : null };
  }

  private save(position: Position): bigint {
    const after = position.after ?? new Uint8Array(0);
    const saved = new Uint8Array(9 + after.length);
    const view = new DataView(saved.buffer);
    view.setUint32(0, position.partitions);
    view.setUint32(4, position.partition);
    saved[8] = position.after === null ? 0 : 1;
    saved.set(after, 9);
    return this.cursors.save(saved);
  }
}

/** Moves past a chunk taken whole: on in its partition, or to the next one; false when the ring is done. */
function advance(position: Position, chunk: KeysChunk): boolean {
  if (chunk.next !== null) {
    position.after = chunk.next;
    return true;
  }
  position.partition += 1;
  position.after = null;
  return position.partition < position.partitions;
}

/** The type of a live key's entry ("string", "hash"), or null for an expired one. */
function liveKind(value: Uint8Array, nowMs: number): string | null {
  try {
    const entry = decodeEntry(value);
    return isExpired(entry, nowMs) ? null : entry.kind;
  } catch (error) {
    if (!(error instanceof EntryFormatError)) throw error;
    return "string"; // bytes that are not an entry are still a key (GET reports them)
  }
}
