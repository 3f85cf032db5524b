// Digests of what replicas hold, for repair (PROTOCOL.md, Repair). Each partition is cut into
// REPAIR_RANGES ranges by a second hash of the key, and a range's digest is the sum, modulo 2^32,
// of two independent 32-bit hashes of each entry it holds (key, version, value or tombstone): equal
// replicas give equal digests whatever order their keys were scanned in, and a scan that is cut in
// chunks adds up to the same sums. One changed key, version or tombstone changes its range's
// digest (but for a 2^-64 chance), so only that range's keys are then listed and compared.
//
// Which entry is right, when replicas differ on a key (bestEntry): the newest version wins (per key
// the txid order is the commit order, and replicas store only committed writes, so the newest one
// held anywhere is the key's latest write); a key a replica lacks altogether is older than any
// version. Replicas that hold one version with different values (a value damaged in place) are
// settled by a strict majority of the in-sync replicas, and so is a copy older than what tombstone
// collection may have dropped elsewhere; a tie is left alone and reported.

import { murmur3 } from "../hash.js";
import { partitionOf } from "../ring.js";
import { compareTxids } from "./txid.js";
import type { Bytes, KeySummary, RangeDigest, TxnId, VersionedEntry } from "./types.js";

/** Ranges per partition (a power of two): what one differing digest narrows a listing down to. */
export const REPAIR_RANGES = 16;

/** Seeds of the hashes, distinct from the ring's (seed 0), so ranges are not aligned with partitions. */
const RANGE_SEED = 0x5eed_0001;
const DIGEST_SEED_A = 0x5eed_0002;
const DIGEST_SEED_B = 0x5eed_0003;
const VALUE_SEED = 0x5eed_0004;

/** A range named by one number: partition * REPAIR_RANGES + range. */
export function rangeCode(partition: number, range: number): number {
  return partition * REPAIR_RANGES + range;
}

export function rangeOfKey(key: Bytes): number {
  return murmur3(key, RANGE_SEED) % REPAIR_RANGES;
}

export function rangeCodeOfKey(key: Bytes, partitionCount: number): number {
  return rangeCode(partitionOf(key, partitionCount), rangeOfKey(key));
}

export function valueHash(value: Bytes | null): number | null {
  return value === null ? null : murmur3(value, VALUE_SEED);
}

export function summarize(entry: VersionedEntry): KeySummary {
  if (entry.damaged === true) return { key: entry.key, version: entry.version, valueHash: null, damaged: true };
  return { key: entry.key, version: entry.version, valueHash: valueHash(entry.value) };
}

/** The bytes an entry's digest covers: key, version and value, each length-prefixed so no two entries run together. */
function entryBytes(summary: KeySummary): Uint8Array {
  const version = Uint8Array.from(summary.version, (char) => char.charCodeAt(0)); // a txid is ASCII
  const bytes = new Uint8Array(4 + summary.key.length + 4 + version.length + 5);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, summary.key.length);
  bytes.set(summary.key, 4);
  view.setUint32(4 + summary.key.length, version.length);
  bytes.set(version, 8 + summary.key.length);
  const tail = 8 + summary.key.length + version.length;
  bytes[tail] = summary.damaged === true ? 2 : summary.valueHash === null ? 0 : 1;
  view.setUint32(tail + 1, summary.valueHash ?? 0);
  return bytes;
}

/** Range digests accumulated over a scan, possibly in many chunks and on either side of the link. */
export class RangeDigests {
  readonly #ranges = new Map<number, RangeDigest>();

  /** Adds one entry (a replica's key) to its range's digest. */
  add(entry: VersionedEntry, partitionCount: number): void {
    const summary = summarize(entry);
    const bytes = entryBytes(summary);
    this.merge({
      partition: partitionOf(entry.key, partitionCount), range: rangeOfKey(entry.key), keys: 1,
      hashA: murmur3(bytes, DIGEST_SEED_A), hashB: murmur3(bytes, DIGEST_SEED_B),
    });
  }

  /** Adds a digest of some of a range's entries (another chunk's). */
  merge(digest: RangeDigest): void {
    const code = rangeCode(digest.partition, digest.range);
    const held = this.#ranges.get(code);
    if (held === undefined) {
      this.#ranges.set(code, { ...digest });
      return;
    }
    held.keys += digest.keys;
    held.hashA = (held.hashA + digest.hashA) >>> 0;
    held.hashB = (held.hashB + digest.hashB) >>> 0;
  }

  /** The digest of a range (an empty range: no keys, zero sums). */
  get(partition: number, range: number): RangeDigest {
    return this.#ranges.get(rangeCode(partition, range)) ?? { partition, range, keys: 0, hashA: 0, hashB: 0 };
  }

  list(): RangeDigest[] {
    return [...this.#ranges.values()];
  }
}

/** The ranges of `partition` whose digests are not the same on every one of `replicas`. */
export function differingRanges(partition: number, replicas: readonly RangeDigests[]): number[] {
  const differing: number[] = [];
  for (let range = 0; range < REPAIR_RANGES; range += 1) {
    const [first, ...others] = replicas.map((digests) => digests.get(partition, range));
    if (others.some((other) => !sameDigest(first!, other))) differing.push(range);
  }
  return differing;
}

function sameDigest(a: RangeDigest, b: RangeDigest): boolean {
  return a.keys === b.keys && a.hashA === b.hashA && a.hashB === b.hashB;
}

export function sameSummary(a: KeySummary | undefined, b: KeySummary | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.version === b.version && a.valueHash === b.valueHash && a.damaged === b.damaged;
}

/**
 * What every in-sync replica of a key should hold, from what each holds (undefined: nothing):
 * the newest version. A strict majority of all of them must hold it, with one value, when they
 * disagree on its value (one was damaged in place), or when some hold nothing and the version is
 * older than `collectableBefore` (tombstone-collector.ts): those may have dropped a newer
 * tombstone, so the lone older copy could be a deleted value come back. A copy whose record fails
 * its checksum is never chosen. Null when the replicas cannot be told apart, undefined when none
 * holds the key.
 */
export function bestEntry(held: ReadonlyArray<KeySummary | undefined>, collectableBefore: TxnId): KeySummary | null | undefined {
  // A damaged copy is never the right one, but it is a copy: it counts among all (and is not "nothing").
  const readable = held.filter((summary): summary is KeySummary => summary !== undefined && summary.damaged !== true);
  let newest: TxnId | undefined;
  for (const summary of readable) if (newest === undefined || compareTxids(summary.version, newest) > 0) newest = summary.version;
  if (newest === undefined) return held.some((summary) => summary?.damaged === true) ? null : undefined;
  const candidates = readable.filter((summary) => summary.version === newest);
  const first = candidates[0]!;
  const agreed = candidates.every((candidate) => candidate.valueHash === first.valueHash);
  const maybeCollected = held.includes(undefined) && compareTxids(newest, collectableBefore) < 0;
  if (agreed && !maybeCollected) return first;
  for (const candidate of candidates) {
    const votes = candidates.filter((other) => other.valueHash === candidate.valueHash).length;
    if (votes * 2 > held.length) return candidate;
  }
  return null;
}
