// SCAN, KEYS and RANDOMKEY in a cluster (PROTOCOL.md, Key scans): the coordinator walks one
// partition at a time, a chunk of keys after a given key, read from one live in-sync replica of the
// partition. The front end (runtime/coordinator-scans.ts) strings the chunks into a cursor.
//
// Why a chunk holds every key committed before it was asked for: an in-sync replica holds every
// commit of its partition except those whose decision it has not yet acknowledged, and those are in
// the decided values until it does. So the chunk's range — after `after` up to its `next` — is
// completed from the decided values when the answer comes (the replica's acknowledgement of a commit
// it applied after answering comes behind the answer on the same link), and a replica that left the
// in-sync set meanwhile (its decisions no longer wait for it) is not believed: the chunk is asked again.

import { partitionOf } from "../ring.js";
import { deadlinePassed, errorReply, tryAgain } from "./client-errors.js";
import type { CoordinatorContext } from "./coordinator-context.js";
import { keyString } from "./key-string.js";
import { TickTimers } from "./tick-timers.js";
import type { Bytes, ClientError, ClientOp, NodeId, VersionedEntry } from "./types.js";

export type KeyScanOp = Extract<ClientOp, { kind: "scanKeys" }>;

/** A decided write not yet acknowledged by every replica (coordinator-writes.ts). */
export interface PendingDecided {
  key: Bytes;
  value: Bytes | null;
}

interface ScanRequest {
  readonly requestId: number;
  readonly op: KeyScanOp;
  readonly deadlineTick: number;
  /** Replicas asked so far (the next attempt asks the next in-sync one). */
  attempts: number;
  node: NodeId;
  scanId: number;
}

/** Scan ids share the scanChunk message with catch-up's: they start half way up each epoch's range (catch-up.ts). */
const SCAN_IDS_PER_EPOCH = 2 ** 32;
const SCAN_IDS_OFFSET = 2 ** 31;

/** True for a key scan's id, false for catch-up's. */
export function isKeyScanId(scanId: number): boolean {
  return scanId % SCAN_IDS_PER_EPOCH >= SCAN_IDS_OFFSET;
}

export class KeyScanner {
  readonly #requests = new Map<number, ScanRequest>();
  readonly #timers = new TickTimers<number>();
  #nextScanId: number;

  constructor(
    private readonly context: CoordinatorContext,
    /** Decided writes some replica has not acknowledged yet. */
    private readonly pendingDecided: () => Iterable<PendingDecided>,
    /** The decided value of a key not yet acknowledged everywhere (null: deleted), if any. */
    private readonly decidedValue: (keyString: string) => Bytes | null | undefined,
  ) {
    this.#nextScanId = context.epoch * SCAN_IDS_PER_EPOCH + SCAN_IDS_OFFSET;
  }

  get inFlight(): number {
    return this.#requests.size;
  }

  request(requestId: number, op: KeyScanOp, deadlineTick: number): void {
    const { partitions } = this.context.membership.placement;
    if (!Number.isSafeInteger(op.partition) || op.partition < 0 || op.partition >= partitions) {
      return this.#fail(requestId, errorReply(`partition ${op.partition} is not one of the ring's ${partitions}`));
    }
    if (this.#requests.size >= this.context.config.readsInFlightMax) {
      return this.#fail(requestId, tryAgain(`too many key scans in flight: ${this.#requests.size} (limit readsInFlightMax ${this.context.config.readsInFlightMax})`));
    }
    this.#ask({ requestId, op, deadlineTick, attempts: 0, node: "", scanId: 0 });
  }

  /** A replica's chunk; the one for catch-up's scans (another id) is not this one's. */
  owns(scanId: number): boolean {
    return this.#requests.has(scanId);
  }

  scanChunk(from: NodeId, scanId: number, entries: readonly VersionedEntry[], next: Bytes | null): void {
    const request = this.#requests.get(scanId);
    if (request === undefined || request.node !== from) return;
    this.#end(scanId);
    if (!this.context.inSync.has(request.op.partition, from)) return this.#ask(request);
    const { partition, after } = request.op;
    const partitionCount = this.context.membership.placement.partitions;
    const byKey = new Map<string, { key: Bytes; value: Bytes }>();
    for (const entry of entries) {
      const name = keyString(entry.key);
      const decided = this.decidedValue(name);
      const value = decided === undefined ? entry.value : decided;
      if (value !== null) byKey.set(name, { key: entry.key, value });
    }
    for (const decided of this.pendingDecided()) {
      if (decided.value === null || partitionOf(decided.key, partitionCount) !== partition) continue;
      if (after !== null && compareBytes(decided.key, after) <= 0) continue;
      if (next !== null && compareBytes(decided.key, next) > 0) continue;
      byKey.set(keyString(decided.key), { key: decided.key, value: decided.value });
    }
    const found = [...byKey.values()].sort((a, b) => compareBytes(a.key, b.key));
    this.context.outbox.push({ kind: "reply", requestId: request.requestId, result: { kind: "keys", partitions: partitionCount, entries: found, next } });
  }

  /** A node went down: its scans ask another replica. */
  nodeDown(nodeId: NodeId): void {
    for (const [scanId, request] of this.#requests) {
      if (request.node !== nodeId) continue;
      this.#end(scanId);
      this.#ask(request);
    }
  }

  tick(): void {
    for (const scanId of this.#timers.due(this.context.clock.now)) {
      const request = this.#requests.get(scanId)!;
      this.#end(scanId);
      if (this.context.clock.now >= request.deadlineTick) {
        this.#fail(request.requestId, deadlinePassed(`SCAN: no keys of partition ${request.op.partition} before the deadline`, false));
      } else {
        this.#ask(request);
      }
    }
  }

  /** Sends the request to the next live in-sync replica of its partition, or fails it when none is left to ask. */
  #ask(request: ScanRequest): void {
    const { membership, inSync, config, clock } = this.context;
    const { partition } = request.op;
    const live = inSync.members(partition).filter((node) => membership.isUp(node));
    if (live.length === 0 || request.attempts >= Math.max(live.length, 1) * 2) {
      return this.#fail(request.requestId, tryAgain(`SCAN: no live in-sync replica of partition ${partition} answered; retry`));
    }
    request.node = live[(request.requestId + request.attempts) % live.length]!;
    request.attempts += 1;
    request.scanId = this.#nextScanId++;
    this.#requests.set(request.scanId, request);
    this.#timers.set(request.scanId, Math.min(request.deadlineTick, clock.now + config.readTimeoutTicks));
    const { after, bytesMax } = request.op;
    membership.send(request.node, { type: "scan", scanId: request.scanId, partitions: [partition], partitionCount: membership.placement.partitions, after, bytesMax });
  }

  #end(scanId: number): void {
    this.#requests.delete(scanId);
    this.#timers.cancel(scanId);
  }

  #fail(requestId: number, error: ClientError): void {
    this.context.outbox.push({ kind: "fail", requestId, error });
  }
}

/** Byte order, the order replicas store and scan keys in. */
export function compareBytes(a: Bytes, b: Bytes): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}
