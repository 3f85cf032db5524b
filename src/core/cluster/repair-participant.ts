// A storage node's part in repair (PROTOCOL.md, Repair; the coordinator's side is repair.ts). It
// answers, from its data view, the range digests of partitions and the summaries of the keys in
// ranges, chunk by chunk, and the entries of named keys; and it takes a repair's fixes, each only
// where the key still holds what the node reported (version-gate.ts claimUnchanged), so that a
// write committed between the comparison and the fix is never undone. Fixes are durable before
// the node says so.

import { partitionOf } from "../ring.js";
import { SCAN_CHUNK_BYTES_MAX } from "./catch-up-participant.js";
import type { Outbox } from "./outbox.js";
import { RangeDigests, rangeCodeOfKey, summarize, valueHash } from "./range-digest.js";
import { DAMAGED } from "./types.js";
import type { Bytes, CoordinatorToNode, DataView, NodeToCoordinator, ParticipantEffect, ParticipantRecord, RepairFix, VersionedEntry } from "./types.js";
import type { VersionGate } from "./version-gate.js";

export type RepairMessage = Extract<CoordinatorToNode, { type: "digest" | "summarize" | "fetch" | "fix" }>;

export class RepairParticipant {
  /** Fixes being written: a resend of one waits for it. */
  readonly #writing = new Set<number>();

  constructor(
    private readonly data: DataView,
    private readonly versions: VersionGate,
    private readonly outbox: Outbox<ParticipantRecord, ParticipantEffect>,
  ) {}

  message(message: RepairMessage): void {
    switch (message.type) {
      case "digest": {
        const wanted = new Set(message.partitions);
        const { entries, next, bytes } = this.#scan(message.after, (key) => wanted.has(partitionOf(key, message.partitionCount)), message.bytesMax);
        const digests = new RangeDigests();
        for (const entry of entries) digests.add(entry, message.partitionCount);
        return this.#send({ type: "digestChunk", digestId: message.digestId, ranges: digests.list(), next, bytes });
      }
      case "summarize": {
        const wanted = new Set(message.ranges);
        const { entries, next, bytes } = this.#scan(message.after, (key) => wanted.has(rangeCodeOfKey(key, message.partitionCount)), message.bytesMax);
        return this.#send({ type: "summaryChunk", summaryId: message.summaryId, keys: entries.map(summarize), next, bytes });
      }
      case "fetch":
        return this.#send({ type: "fetched", fetchId: message.fetchId, ...this.#entries(message.keys) });
      case "fix":
        return this.#fix(message.fixId, message.fixes);
    }
  }

  #scan(after: Bytes | null, wanted: (key: Bytes) => boolean, bytesMax: number): { entries: VersionedEntry[]; next: Bytes | null; bytes: number } {
    const { entries, next } = this.data.scan(after, wanted, Math.min(bytesMax, SCAN_CHUNK_BYTES_MAX));
    const bytes = entries.reduce((sum, entry) => sum + entry.key.length + (entry.value?.length ?? 0), 0);
    return { entries, next, bytes };
  }

  /**
   * The entries of the keys it holds a version of, up to about a chunk's bytes: `looked` keys
   * were looked at, in order (the coordinator asks again for the rest).
   */
  #entries(keys: readonly Bytes[]): { entries: VersionedEntry[]; looked: number } {
    const entries: VersionedEntry[] = [];
    let bytes = 0;
    let looked = 0;
    for (const key of keys) {
      if (bytes >= SCAN_CHUNK_BYTES_MAX) break;
      looked += 1;
      const version = this.data.version(key);
      if (version === undefined) continue;
      const value = this.data.get(key) ?? null;
      if (value === DAMAGED) continue; // damaged since it was listed: the coordinator counts it as changed
      entries.push({ key, version, value });
      bytes += key.length + (value?.length ?? 0);
    }
    return { entries, looked };
  }

  #fix(fixId: number, fixes: readonly RepairFix[]): void {
    if (this.#writing.has(fixId)) return;
    const entries = fixes.filter((fix) => this.#holdsExpected(fix) && this.versions.claimUnchanged(fix.entry.key, fix.entry.version, fix.expectVersion ?? undefined))
      .map((fix) => fix.entry);
    this.#writing.add(fixId);
    this.outbox.persist([{ type: "entries", entries }], () => {
      this.#writing.delete(fixId);
      this.versions.settle(entries);
      this.#send({ type: "fixed", fixId, fixed: entries.length });
    });
  }

  /** The key's value is still the one reported, or still damaged (its version is checked by the claim). */
  #holdsExpected(fix: RepairFix): boolean {
    if (fix.expectVersion === null) return true;
    const value = this.data.get(fix.entry.key) ?? null;
    if (value === DAMAGED) return fix.expectDamaged === true;
    return fix.expectDamaged !== true && valueHash(value) === fix.expectHash;
  }

  #send(message: NodeToCoordinator): void {
    this.outbox.push({ kind: "send", message });
  }
}
