// Linearizable reads through the coordinator (PROTOCOL.md, Reads). Per key: the value of a
// decided write not yet applied everywhere; else the coordinator's cache; else a read from a live
// in-sync replica, retried on the next one after readTimeoutTicks or when the node goes down.
// A decision that becomes durable while a request is in flight sets the request's value of every
// key it writes, answered or not (a replica's answer for such a key comes too late and is ignored).
// So a request answers every key as of the moment it completes: an MGET never sees an MSET half
// applied, and a replica answer fills the cache only when no decision raced it.

import { deadlinePassed, errorReply, tryAgain } from "./client-errors.js";
import type { CoordinatorContext } from "./coordinator-context.js";
import type { ReadOp } from "./coordinator-txn.js";
import { describeKey, keyString } from "./key-string.js";
import { TickTimers } from "./tick-timers.js";
import type { Bytes, ClientError, ClientResult, NodeId, TxnWrite } from "./types.js";

/** One distinct key of a read request, until it has a value. */
interface KeyRead {
  readonly request: ReadRequest;
  readonly key: Bytes;
  readonly keyString: string;
  /** Positions of the key in the request (a key may be named twice). */
  readonly indices: number[];
  /** Replicas in the order this request tries them. */
  readonly replicas: readonly NodeId[];
  attempts: number;
  /** Replicas that answered "damaged here" for the key: never asked again by this request. */
  readonly damagedOn: Set<NodeId>;
  /** The latest replica read carrying this key. */
  currentReadId: number;
}

/** How an internal read (a read-modify-write's, under its locks) hears its answer, instead of a client. */
export type ReadDone = (answer: { values: Array<Bytes | null> } | { error: ClientError }) => void;

interface ReadRequest {
  /** A client's request id; negative for an internal read, which `done` answers. */
  readonly requestId: number;
  readonly done?: ReadDone;
  /** Sent with the replica reads: the answer decides a read-modify-write's writes. */
  readonly forUpdate: boolean;
  readonly kind: "get" | "exists";
  readonly deadlineTick: number;
  readonly values: Array<Bytes | null | undefined>;
  /** Positions of every distinct key of the request. */
  readonly indicesByKey: Map<string, number[]>;
  /** The keys still without a value. */
  readonly pending: Map<string, KeyRead>;
  /** Replica reads out for this request, timed out or not (a late answer is still a good one). */
  readonly readIds: Set<number>;
}

interface ReplicaRead {
  readonly readId: number;
  readonly request: ReadRequest;
  readonly node: NodeId;
  readonly keyStrings: string[];
  readonly timeoutTick: number;
  timedOut: boolean;
}

/** Read ids are unique across runs too: each epoch starts its own range. */
const READ_IDS_PER_EPOCH = 2 ** 32;

export class ReadCoordinator {
  readonly #requests = new Map<number, ReadRequest>();
  readonly #replicaReads = new Map<number, ReplicaRead>();
  /** The requests in flight that read each key. */
  readonly #requestsByKey = new Map<string, Set<ReadRequest>>();
  readonly #timers = new TickTimers<number>();
  #nextReadId: number;
  /** Internal reads are numbered below zero, apart from client request ids. */
  #nextInternalId = -1;

  constructor(
    private readonly context: CoordinatorContext,
    /** The value of a decided write not yet applied by every replica (null: deleted), if any. */
    private readonly decidedValue: (keyString: string) => Bytes | null | undefined,
    /**
     * True while a one-phase commit on the key may be applied at its replica without the coordinator
     * knowing yet: a replica's answer then may be older than one already given, so it is not cached.
     */
    private readonly applyingUnseen: (keyString: string) => boolean = () => false,
    /** A replica answered a key "damaged here" (its record fails its checksum): repair should mend it. */
    private readonly damageSeen: () => void = () => {},
  ) {
    this.#nextReadId = context.epoch * READ_IDS_PER_EPOCH;
  }

  get inFlight(): number {
    return this.#requests.size;
  }

  request(requestId: number, op: ReadOp, deadlineTick: number): void {
    const refusal = this.#refusal(deadlineTick);
    if (refusal !== null) return this.context.outbox.push({ kind: "fail", requestId, error: refusal });
    // Each key's local value (a pending decision or the cache) is looked up once, here.
    const texts = op.keys.map(keyString);
    const locals = op.keys.map((key, index) => this.#localValue(texts[index]!, key));
    // The hot path of GET: a key known here is answered without building a request record.
    if (op.keys.length === 1 && locals[0] !== undefined) {
      return this.context.outbox.push({ kind: "reply", requestId, result: resultOf(op.kind, [locals[0]]) });
    }
    this.#start(this.#newRequest(requestId, op.kind, deadlineTick, op.keys.length, undefined), op.keys, texts, locals);
  }

  /**
   * Reads the latest values of `keys` for a read-modify-write that holds their locks (so no decision
   * on them can come while it reads): like a client's read, from the cache or an in-sync replica.
   */
  readForUpdate(keys: readonly Bytes[], deadlineTick: number, done: ReadDone): void {
    const refusal = this.#refusal(deadlineTick);
    if (refusal !== null) return done({ error: refusal });
    const texts = keys.map(keyString);
    const locals = keys.map((key, index) => this.#localValue(texts[index]!, key));
    const requestId = this.#nextInternalId;
    this.#nextInternalId -= 1;
    this.#start(this.#newRequest(requestId, "get", deadlineTick, keys.length, done), keys, texts, locals);
  }

  #newRequest(requestId: number, kind: ReadRequest["kind"], deadlineTick: number, keyCount: number, done: ReadDone | undefined): ReadRequest {
    return {
      requestId, done, forUpdate: done !== undefined, kind, deadlineTick, values: new Array(keyCount), indicesByKey: new Map(),
      pending: new Map(), readIds: new Set(),
    };
  }

  #start(request: ReadRequest, keys: readonly Bytes[], texts: readonly string[], locals: ReadonlyArray<Bytes | null | undefined>): void {
    keys.forEach((key, index) => this.#addKey(request, key, texts[index]!, locals[index], index));
    if (request.pending.size === 0) return this.#complete(request);
    this.#requests.set(request.requestId, request);
    for (const key of request.indicesByKey.keys()) {
      let readers = this.#requestsByKey.get(key);
      if (readers === undefined) this.#requestsByKey.set(key, (readers = new Set()));
      readers.add(request);
    }
    this.#dispatch([...request.pending.values()]);
  }

  readReply(from: NodeId, readId: number, values: unknown, damaged: readonly number[] = []): void {
    const read = this.#replicaReads.get(readId);
    if (read === undefined || read.node !== from) return; // its request ended, or not ours
    if (!Array.isArray(values) || values.length !== read.keyStrings.length || !values.every(isValue)) {
      return this.context.outbox.log("warn", "a malformed read reply; waiting for a retry", { from, readId });
    }
    const damagedAt = new Set(damaged);
    this.#replicaReads.delete(readId);
    const { request } = read;
    request.readIds.delete(readId);
    // A replica that left the key's in-sync set meanwhile (a membership change moved the partition
    // off it) may have dropped the data: its answer is not used, the key is read elsewhere. So is a
    // key whose record is damaged on the replica: its null is no answer, and is never taken for one.
    const moved: KeyRead[] = [];
    read.keyStrings.forEach((key, index) => {
      const keyRead = request.pending.get(key);
      if (keyRead === undefined) return;
      if (damagedAt.has(index)) {
        keyRead.damagedOn.add(from);
        this.context.outbox.log("warn", "a replica holds a damaged record of a key; reading it from another, and asking for a repair round",
          { node: this.context.membership.describe(from), key: describeKey(keyRead.key) });
        this.damageSeen();
        if (keyRead.currentReadId === readId) moved.push(keyRead);
      } else if (this.#inSync(from, keyRead)) this.#resolve(keyRead, values[index] as Bytes | null, true);
      else if (keyRead.currentReadId === readId) moved.push(keyRead);
    });
    if (moved.length > 0) this.#retry(moved);
    else if (request.pending.size === 0) this.#complete(request);
  }

  #inSync(node: NodeId, keyRead: KeyRead): boolean {
    return this.context.inSync.has(this.context.membership.ring.partitionOfKey(keyRead.key), node);
  }

  /**
   * A decision is durable: every request in flight takes its value for the keys it writes, so no
   * request answers some of its keys from before the decision and some from after it.
   */
  decided(writes: readonly TxnWrite[], keyStrings: readonly string[]): void {
    const touched = new Set<ReadRequest>();
    writes.forEach((write, index) => {
      const key = keyStrings[index]!;
      for (const request of this.#requestsByKey.get(key) ?? []) {
        for (const at of request.indicesByKey.get(key)!) request.values[at] = write.value;
        request.pending.delete(key);
        touched.add(request);
      }
    });
    for (const request of touched) if (request.pending.size === 0) this.#complete(request);
  }

  /** Reads out to the node are retried elsewhere at once. */
  nodeDown(nodeId: NodeId): void {
    const retry: KeyRead[] = [];
    for (const read of this.#replicaReads.values()) {
      if (read.node === nodeId && !read.timedOut) retry.push(...this.#giveUp(read));
    }
    this.#retry(retry);
  }

  tick(): void {
    const { now } = this.context.clock;
    for (const requestId of this.#timers.due(now)) {
      const request = this.#requests.get(requestId);
      if (request === undefined) continue;
      if (now >= request.deadlineTick) {
        this.#fail(request, deadlinePassed(`no replica answered the read of ${this.#describePending(request)} before the deadline`, false));
        continue;
      }
      const retry: KeyRead[] = [];
      for (const readId of request.readIds) {
        const read = this.#replicaReads.get(readId)!;
        if (!read.timedOut && now >= read.timeoutTick) retry.push(...this.#giveUp(read));
      }
      this.#retry(retry);
      if (this.#requests.has(requestId)) this.#schedule(request);
    }
  }

  /** Throws when the maps of requests, replica reads and pending keys disagree (a bug). */
  assertInvariants(): void {
    for (const read of this.#replicaReads.values()) {
      if (this.#requests.get(read.request.requestId) !== read.request) throw new Error(`invariant: replica read ${read.readId} outlived its request`);
    }
    let keys = 0;
    for (const request of this.#requests.values()) {
      if (request.pending.size === 0) throw new Error(`invariant: read request ${request.requestId} complete but not answered`);
      keys += request.indicesByKey.size;
      for (const key of request.indicesByKey.keys()) {
        if (!this.#requestsByKey.get(key)?.has(request)) throw new Error("invariant: a key of a read in flight is not indexed");
      }
    }
    let indexed = 0;
    for (const set of this.#requestsByKey.values()) indexed += set.size;
    if (indexed !== keys) throw new Error(`invariant: ${indexed} keys of reads indexed, ${keys} in reads in flight`);
  }

  #refusal(deadlineTick: number): ClientError | null {
    const { config, clock } = this.context;
    if (deadlineTick <= clock.now) return deadlinePassed("the request's deadline had passed when it reached the coordinator", false);
    if (this.#requests.size >= config.readsInFlightMax) {
      return tryAgain(`too many reads in flight: ${this.#requests.size} (limit readsInFlightMax ${config.readsInFlightMax})`);
    }
    return null;
  }

  /** Answers the key from its local value (a pending decision or the cache), or adds it to the keys to read. */
  #addKey(request: ReadRequest, key: Bytes, text: string, local: Bytes | null | undefined, index: number): void {
    const indices = request.indicesByKey.get(text);
    if (indices !== undefined) {
      indices.push(index);
      request.values[index] = request.values[indices[0]!];
      request.pending.get(text)?.indices.push(index);
      return;
    }
    request.indicesByKey.set(text, [index]);
    if (local !== undefined) {
      request.values[index] = local;
      return;
    }
    // Only in-sync replicas answer reads: one that missed writes (a learner) never does.
    const { membership, inSync } = this.context;
    const replicas = rotate(inSync.members(membership.ring.partitionOfKey(key)), request.requestId);
    request.pending.set(text, { request, key, keyString: text, indices: [index], replicas, attempts: 0, damagedOn: new Set(), currentReadId: -1 });
  }

  #localValue(text: string, key: Bytes): Bytes | null | undefined {
    const decided = this.decidedValue(text);
    return decided !== undefined ? decided : this.context.cache.get(key);
  }

  /** Sends one read per replica for the keys, each to its next live replica. */
  #dispatch(keyReads: KeyRead[]): void {
    if (keyReads.length === 0) return;
    const request = keyReads[0]!.request;
    const byNode = new Map<NodeId, KeyRead[]>();
    for (const keyRead of keyReads) {
      const node = this.#nextLiveReplica(keyRead);
      if (node === null) return this.#fail(request, this.#noReplica(keyRead));
      let group = byNode.get(node);
      if (group === undefined) byNode.set(node, (group = []));
      group.push(keyRead);
    }
    const timeoutTick = this.context.clock.now + this.context.config.readTimeoutTicks;
    for (const [node, group] of byNode) {
      const readId = this.#nextReadId;
      this.#nextReadId += 1;
      for (const keyRead of group) keyRead.currentReadId = readId;
      this.#replicaReads.set(readId, { readId, request, node, keyStrings: group.map((k) => k.keyString), timeoutTick, timedOut: false });
      request.readIds.add(readId);
      const keys = group.map((k) => k.key);
      this.context.membership.send(node, request.forUpdate ? { type: "read", readId, keys, forUpdate: true } : { type: "read", readId, keys });
    }
    this.#schedule(request);
  }

  /** Marks a replica read timed out; returns its keys that still wait on it. */
  #giveUp(read: ReplicaRead): KeyRead[] {
    read.timedOut = true;
    const waiting: KeyRead[] = [];
    for (const key of read.keyStrings) {
      const keyRead = read.request.pending.get(key);
      if (keyRead !== undefined && keyRead.currentReadId === read.readId) waiting.push(keyRead);
    }
    return waiting;
  }

  /** Retries keys whose read timed out: from a decision or a cache fill that came meanwhile, else the next replica. */
  #retry(keyReads: KeyRead[]): void {
    const byRequest = new Map<ReadRequest, KeyRead[]>();
    for (const keyRead of keyReads) {
      const { request } = keyRead;
      if (!this.#requests.has(request.requestId)) continue;
      const local = this.#localValue(keyRead.keyString, keyRead.key);
      if (local !== undefined) {
        this.#resolve(keyRead, local, false);
        continue;
      }
      let group = byRequest.get(request);
      if (group === undefined) byRequest.set(request, (group = []));
      group.push(keyRead);
    }
    for (const group of byRequest.values()) this.#dispatch(group);
    for (const request of new Set(keyReads.map((keyRead) => keyRead.request))) {
      if (this.#requests.has(request.requestId) && request.pending.size === 0) this.#complete(request);
    }
  }

  #nextLiveReplica(keyRead: KeyRead): NodeId | null {
    const { replicas } = keyRead;
    for (let step = 0; step < replicas.length; step += 1) {
      const node = replicas[(keyRead.attempts + step) % replicas.length]!;
      if (this.context.membership.isUp(node) && this.#inSync(node, keyRead) && !keyRead.damagedOn.has(node)) {
        keyRead.attempts += step + 1;
        return node;
      }
    }
    return null;
  }

  /**
   * Sets a key's value. From a replica, it also fills the cache — a value, or the key's absence:
   * no decision on the key became durable while the read was out (it would have answered the key,
   * see decided()), so the answer is the key's latest value.
   */
  #resolve(keyRead: KeyRead, value: Bytes | null, fromReplica: boolean): void {
    const { request } = keyRead;
    for (const index of keyRead.indices) request.values[index] = value;
    request.pending.delete(keyRead.keyString);
    if (fromReplica && !this.applyingUnseen(keyRead.keyString)) this.context.cache.set(keyRead.key, value);
  }

  #complete(request: ReadRequest): void {
    this.#end(request);
    const values = request.values as Array<Bytes | null>;
    if (request.done !== undefined) return request.done({ values });
    this.context.outbox.push({ kind: "reply", requestId: request.requestId, result: resultOf(request.kind, values) });
  }

  #fail(request: ReadRequest, error: ClientError): void {
    this.#end(request);
    if (request.done !== undefined) return request.done({ error });
    this.context.outbox.push({ kind: "fail", requestId: request.requestId, error });
  }

  #end(request: ReadRequest): void {
    this.#requests.delete(request.requestId);
    this.#timers.cancel(request.requestId);
    for (const readId of request.readIds) this.#replicaReads.delete(readId);
    for (const key of request.indicesByKey.keys()) {
      const readers = this.#requestsByKey.get(key);
      readers?.delete(request);
      if (readers?.size === 0) this.#requestsByKey.delete(key);
    }
  }

  #schedule(request: ReadRequest): void {
    let next = request.deadlineTick;
    for (const readId of request.readIds) {
      const read = this.#replicaReads.get(readId)!;
      if (!read.timedOut) next = Math.min(next, read.timeoutTick);
    }
    this.#timers.set(request.requestId, next);
  }

  #noReplica(keyRead: KeyRead): ClientError {
    if (keyRead.damagedOn.size > 0) {
      const damaged = [...keyRead.damagedOn].map((node) => this.context.membership.describe(node)).join(", ");
      if (keyRead.replicas.every((node) => keyRead.damagedOn.has(node))) {
        return errorReply(`the record of key ${describeKey(keyRead.key)} is damaged on every in-sync replica (${damaged}): no good copy is left to read`);
      }
      return tryAgain(`the record of key ${describeKey(keyRead.key)} is damaged on ${damaged} and no other in-sync replica is up to read it from; `
        + "retry when one is back, or after a repair (RINGKV REPAIR)");
    }
    const down = keyRead.replicas.map((node) => this.context.membership.describe(node)).join(", ");
    return tryAgain(`no replica of key ${describeKey(keyRead.key)} is up (${down} are down); retry when one is back`);
  }

  #describePending(request: ReadRequest): string {
    const keys = [...request.pending.values()];
    const first = keys[0]!;
    const tried = first.replicas.slice(0, Math.min(first.attempts, first.replicas.length));
    const triedText = tried.map((node) => this.context.membership.describe(node)).join(", ");
    const more = keys.length > 1 ? ` and ${keys.length - 1} more keys` : "";
    return `key ${describeKey(first.key)}${more} (tried ${triedText || "no replica"})`;
  }
}

/** GET answers the values; EXISTS counts the keys that exist. */
function resultOf(kind: ReadOp["kind"], values: Array<Bytes | null>): ClientResult {
  return kind === "get" ? { kind: "values", values } : { kind: "count", count: values.filter((value) => value !== null).length };
}

function isValue(value: unknown): boolean {
  return value === null || value instanceof Uint8Array;
}

/** The replicas starting at a request-dependent one, so reads spread over all replicas. */
function rotate(replicas: readonly NodeId[], by: number): NodeId[] {
  if (replicas.length === 0) return [];
  const start = by % replicas.length;
  return [...replicas.slice(start), ...replicas.slice(0, start)];
}
