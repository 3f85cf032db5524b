// A storage node's side of two-phase commit (PROTOCOL.md, Writes 3, 5, 6, 7). A prepared
// transaction locks its keys here until its outcome is applied; the participant votes yes only after
// its `prepared` record is durable, applies a commit as one atomic `committed` record, and acks only
// after that is durable. In doubt (prepared, no outcome yet) it inquires. A prepare that meets a
// lock held by another transaction waits for it, within prepareWaitTicks, rather than failing. It
// also answers reads, counts and pings, and takes part in catch-up (catch-up.ts): every write it
// stores carries its version, and only a newer version replaces what it holds. As a transaction's
// only participant it takes a one-phase commit: the writes applied in one `committed` record, then
// a yes vote (a re-sent one finds them applied: their version is not newer). Deterministic: the
// driver feeds events and carries out effects.

import { partitionOf } from "../ring.js";
import { BoundedSet } from "./bounded-set.js";
import { CatchUpParticipant, SCAN_CHUNK_BYTES_MAX } from "./catch-up-participant.js";
import { makeParticipantConfig, type ParticipantConfig, type ParticipantOptions } from "./config.js";
import { describeKey, keyString } from "./key-string.js";
import { Outbox } from "./outbox.js";
import { RepairParticipant } from "./repair-participant.js";
import { TickTimers } from "./tick-timers.js";
import { DAMAGED } from "./types.js";
import type {
  Bytes, CoordinatorToNode, DataView, NodeToCoordinator, ParticipantEffect, ParticipantEvent, ParticipantRecord,
  PreviousValue, TxnId, TxnWrite,
} from "./types.js";
import { VersionGate } from "./version-gate.js";

/**
 * persisting: the prepared record is on its way to disk (no vote yet). prepared: durable, voted
 * yes (or recovered), in doubt. committing / aborting: the outcome's record is on its way to disk.
 */
type Phase = "persisting" | "prepared" | "committing" | "aborting";

interface Prepared {
  readonly txid: TxnId;
  readonly writes: TxnWrite[];
  readonly keyStrings: string[];
  phase: Phase;
  wantValues: boolean;
  /** An abort came while the prepared record was still being persisted. */
  abortWhenDurable: boolean;
}

type PrepareMessage = Extract<CoordinatorToNode, { type: "prepare" }>;
type CommitOneMessage = Extract<CoordinatorToNode, { type: "commitOne" }>;

/** A prepare (or a one-phase commit) that met a locked key, waiting for the lock's transaction to end. */
interface WaitingPrepare {
  readonly message: PrepareMessage | CommitOneMessage;
  readonly untilTick: number;
}

export class ParticipantMachine {
  readonly config: ParticipantConfig;
  readonly #outbox = new Outbox<ParticipantRecord, ParticipantEffect>();
  readonly #prepared = new Map<TxnId, Prepared>();
  /** Which prepared transaction locks each key. */
  readonly #locks = new Map<string, TxnId>();
  readonly #finished: BoundedSet<TxnId>;
  /** When each in-doubt transaction next inquires. */
  readonly #inquiries = new TickTimers<TxnId>();
  /** Prepares waiting for a lock, in arrival order. */
  #waiting: WaitingPrepare[] = [];
  readonly #versions: VersionGate;
  readonly #catchUp: CatchUpParticipant;
  readonly #repair: RepairParticipant;
  #now = 0;
  #recovered = false;

  constructor(
    options: ParticipantOptions,
    private readonly data: DataView,
  ) {
    this.config = makeParticipantConfig(options);
    this.#finished = new BoundedSet(this.config.finishedTxidsMax);
    this.#versions = new VersionGate(data);
    this.#catchUp = new CatchUpParticipant(data, this.#versions, this.#outbox);
    this.#repair = new RepairParticipant(data, this.#versions, this.#outbox);
  }

  step(event: ParticipantEvent): ParticipantEffect[] {
    if (event.kind === "tick") this.#tick(event.tick);
    else if (event.kind === "recovered") this.#recover(event.prepared);
    else {
      if (!this.#recovered) throw new Error(`the participant got a ${event.kind} event before recovered`);
      if (event.kind === "connected") this.#inquireAll();
      else if (event.kind === "persisted") this.#outbox.persisted(event.token);
      else this.#message(event.message);
    }
    return this.#outbox.take();
  }

  /** Prepared transactions held (locking keys), for views and tests. */
  get preparedCount(): number {
    return this.#prepared.size;
  }

  /** Throws when the lock map and the prepared transactions disagree (a bug). */
  assertInvariants(): void {
    let locked = 0;
    for (const txn of this.#prepared.values()) {
      for (const key of txn.keyStrings) {
        if (this.#locks.get(key) !== txn.txid) throw new Error(`invariant: ${txn.txid} does not hold a key it prepared`);
        locked += 1;
      }
    }
    if (locked !== this.#locks.size) throw new Error(`invariant: ${this.#locks.size} keys locked, ${locked} held by prepared transactions`);
  }

  #recover(prepared: ReadonlyArray<{ txid: TxnId; writes: TxnWrite[] }>): void {
    if (this.#recovered) throw new Error("the participant got a second recovered event");
    this.#recovered = true;
    for (const { txid, writes } of prepared) {
      const txn = this.#hold(txid, writes, false);
      // Keys are unlocked only once an outcome is durable, so recovered transactions never overlap.
      if (txn === null) throw new Error(`invariant: recovered prepared ${txid} overlaps another on a key`);
      txn.phase = "prepared";
      this.#inquiries.set(txid, this.#now + this.config.inquireTicks);
    }
    if (prepared.length > 0) this.#outbox.log("info", "recovered in-doubt transactions", { count: prepared.length, nodeId: this.config.nodeId });
  }

  #message(message: CoordinatorToNode): void {
    switch (message.type) {
      case "prepare":
        return this.#prepare(message);
      case "commit":
        return this.#commit(message.txid);
      case "commitOne":
        return this.#commitOne(message);
      case "abort":
        return this.#abort(message.txid);
      case "read":
        return this.#read(message.readId, message.keys);
      case "apply":
      case "scan":
      case "catchUp":
      case "collect":
      case "drop":
        return this.#catchUp.message(message);
      case "digest":
      case "summarize":
      case "fetch":
      case "fix":
        return this.#repair.message(message);
      case "count":
        return this.#send({ type: "countReply", countId: message.countId, keys: this.data.count() });
      case "countPartitions":
        return this.#send(this.#countPartitions(message));
      case "ping":
        return this.#send({ type: "pong", tick: message.tick });
    }
  }

  /** One chunk of a count of the keys of some partitions (a tombstone is no key; a damaged record still is). */
  #countPartitions(message: Extract<CoordinatorToNode, { type: "countPartitions" }>): NodeToCoordinator {
    const wanted = new Set(message.partitions);
    const { entries, next } = this.data.scan(message.after, (key) => wanted.has(partitionOf(key, message.partitionCount)), SCAN_CHUNK_BYTES_MAX);
    const keys = entries.filter((entry) => entry.value !== null || entry.damaged === true).length;
    return { type: "partitionsCounted", countId: message.countId, keys, next };
  }

  #prepare(message: PrepareMessage): void {
    const { txid } = message;
    const held = this.#prepared.get(txid);
    if (held !== undefined) {
      // A duplicate, or the coordinator re-sending after a lost vote: vote again once durable.
      held.wantValues ||= message.wantValues;
      if (held.phase === "prepared") this.#voteYes(held);
      return;
    }
    if (this.#finished.has(txid)) return this.#voteNo(txid, `transaction ${txid} already finished here`);
    if (this.#prepared.size >= this.config.preparedMax) {
      return this.#voteNo(txid, `too many prepared transactions: ${this.#prepared.size} (limit preparedMax ${this.config.preparedMax})`);
    }
    const keyStrings = message.writes.map((write) => keyString(write.key));
    if (new Set(keyStrings).size !== keyStrings.length) return this.#voteNo(txid, "the prepare names a key twice");
    const txn = this.#hold(txid, message.writes, message.wantValues);
    if (txn === null) return this.#wait(message, keyStrings);
    this.#outbox.persist([{ type: "prepared", txid, writes: message.writes }], () => this.#preparedDurable(txn));
  }

  /**
   * One-phase commit: the writes are applied at once, in one atomic `committed` record, and the
   * vote says so only after it is durable. Nothing is held in doubt: the coordinator logs nothing and
   * re-sends until it hears the vote, and a re-sent one applies nothing twice (finished, or its
   * version is not newer than what the node holds).
   */
  #commitOne(message: CommitOneMessage): void {
    const { txid } = message;
    if (this.#prepared.has(txid)) return; // being written: its vote follows when it is durable
    if (this.#finished.has(txid)) return this.#send({ type: "vote", txid, yes: true, previous: [] });
    if (this.#prepared.size >= this.config.preparedMax) {
      return this.#voteNo(txid, `too many transactions held: ${this.#prepared.size} (limit preparedMax ${this.config.preparedMax})`);
    }
    const keyStrings = message.writes.map((write) => keyString(write.key));
    if (new Set(keyStrings).size !== keyStrings.length) return this.#voteNo(txid, "the commit names a key twice");
    const txn = this.#hold(txid, message.writes, false);
    if (txn === null) return this.#wait(message, keyStrings);
    txn.phase = "committing";
    const writes = txn.writes.filter((write) => this.#versions.claim(write.key, txid));
    this.#outbox.persist([{ type: "committed", txid, writes }], () => {
      this.#versions.settle(writes.map((write) => ({ key: write.key, version: txid })));
      this.#finish(txn, { type: "vote", txid, yes: true, previous: [] });
    });
  }

  /**
   * A key is locked by another transaction: the prepare waits for it to end (an abort or commit on
   * its way to disk, or an in-doubt one, which is asked about at once), within prepareWaitTicks.
   */
  #wait(message: PrepareMessage | CommitOneMessage, keyStrings: string[]): void {
    const { txid } = message;
    if (this.#waiting.some((waiting) => waiting.message.txid === txid)) return; // a resend of one already waiting
    const blocker = keyStrings.map((key) => this.#locks.get(key)).find((holder) => holder !== undefined)!;
    if (this.#waiting.length >= this.config.preparedMax) {
      return this.#voteNo(txid, `a key is locked by transaction ${blocker}, and ${this.#waiting.length} prepares already wait (limit preparedMax ${this.config.preparedMax})`);
    }
    this.#waiting.push({ message, untilTick: this.#now + this.config.prepareWaitTicks });
    if (this.#prepared.get(blocker)?.phase === "prepared") this.#inquire(this.#prepared.get(blocker)!);
  }

  /** Locks were freed: waiting prepares whose keys are all free now go ahead, in arrival order. */
  #wakeWaiting(): void {
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const entry of waiting) {
      const free = entry.message.writes.every((write) => !this.#locks.has(keyString(write.key)));
      if (!free) this.#waiting.push(entry);
      else if (entry.message.type === "prepare") this.#prepare(entry.message);
      else this.#commitOne(entry.message);
    }
  }

  /** Locks the keys for a new prepared transaction; null (and nothing locked) if one is taken. */
  #hold(txid: TxnId, writes: TxnWrite[], wantValues: boolean): Prepared | null {
    const keyStrings = writes.map((write) => keyString(write.key));
    if (keyStrings.some((key) => this.#locks.has(key))) return null;
    const txn: Prepared = { txid, writes, keyStrings, phase: "persisting", wantValues, abortWhenDurable: false };
    for (const key of keyStrings) this.#locks.set(key, txid);
    this.#prepared.set(txid, txn);
    return txn;
  }

  /** The prepared record is on disk: now, and only now, the vote can be yes. */
  #preparedDurable(txn: Prepared): void {
    if (txn.phase !== "persisting") throw new Error(`invariant: prepared record of ${txn.txid} persisted in phase ${txn.phase}`);
    txn.phase = "prepared";
    if (txn.abortWhenDurable) return this.#abort(txn.txid);
    this.#voteYes(txn);
  }

  #voteYes(txn: Prepared): void {
    if (txn.phase !== "prepared") throw new Error(`invariant: yes vote for ${txn.txid} in phase ${txn.phase}`);
    // The keys are locked by this transaction, so what the store holds for them cannot change
    // before its outcome: a re-vote reports the same values as the first one.
    const previous = txn.writes.map((write) => this.#previous(write.key, txn.wantValues));
    const damaged = previous.find((item): item is string => typeof item === "string");
    // A no from a prepared transaction: the coordinator aborts it (and an inquiry asks, if that is lost).
    if (damaged !== undefined) this.#voteNo(txn.txid, damaged);
    else this.#send({ type: "vote", txid: txn.txid, yes: true, previous: previous as PreviousValue[] });
    this.#inquiries.set(txn.txid, this.#now + this.config.inquireTicks);
  }

  /**
   * A read's answer: each key's value, and the positions of those whose record is damaged here
   * (the coordinator reads them from another replica; repair mends this copy).
   */
  #read(readId: number, keys: readonly Bytes[]): void {
    const damaged: number[] = [];
    const values = keys.map((key, index) => {
      const value = this.data.get(key);
      if (value !== DAMAGED) return value ?? null;
      damaged.push(index);
      return null;
    });
    if (damaged.length > 0) this.#outbox.log("warn", "a read met damaged records; answered 'damaged here'", { nodeId: this.config.nodeId, keys: damaged.length });
    this.#send(damaged.length > 0 ? { type: "readReply", readId, values, damaged } : { type: "readReply", readId, values });
  }

  /**
   * What the key held before the write, for the vote. A damaged record is a value that exists (data
   * holds no tombstones); its bytes cannot be given, so a write that needs them is refused here.
   */
  #previous(key: Bytes, wantValue: boolean): PreviousValue | string {
    const value = this.data.peek !== undefined ? this.data.peek(key) : this.data.get(key);
    if (value === undefined) return { exists: false };
    if (value === DAMAGED) {
      return wantValue ? `the record of key ${describeKey(key)} is damaged on node ${this.config.nodeId}; retry after a repair (RINGKV REPAIR)` : { exists: true };
    }
    return wantValue ? { exists: true, value } : { exists: true };
  }

  #voteNo(txid: TxnId, reason: string): void {
    this.#send({ type: "vote", txid, yes: false, reason });
  }

  #commit(txid: TxnId): void {
    const txn = this.#prepared.get(txid);
    if (txn === undefined) {
      // Applied before (this is a resend), or never prepared here: nothing to do but say so.
      this.#finished.add(txid);
      return this.#send({ type: "ack", txid });
    }
    if (txn.phase === "aborting" || txn.abortWhenDurable) throw new Error(`invariant: commit of ${txid} after its abort`);
    if (txn.phase === "persisting") {
      return this.#outbox.log("warn", "a commit for a transaction whose prepare is not durable yet; waiting for a resend", { txid });
    }
    if (txn.phase === "committing") return;
    txn.phase = "committing";
    this.#inquiries.cancel(txid);
    // Only writes newer than what the node holds: one that caught up meanwhile may hold later ones.
    const writes = txn.writes.filter((write) => this.#versions.claim(write.key, txid));
    this.#outbox.persist([{ type: "committed", txid, writes }], () => {
      this.#versions.settle(writes.map((write) => ({ key: write.key, version: txid })));
      this.#finish(txn);
    });
  }

  #abort(txid: TxnId): void {
    const txn = this.#prepared.get(txid);
    if (txn === undefined) {
      // Remembered, so that a prepare of it delayed past this abort is refused, not held in doubt.
      this.#finished.add(txid);
      return this.#send({ type: "ack", txid });
    }
    if (txn.phase === "committing") {
      // The commit came from the decision. An abort after it is the coordinator's answer to an
      // inquiry about a decision it forgot after excusing this replica from the in-sync set
      // (PROTOCOL.md, In-sync replicas, 2): the commit stands, and catch-up settles the rest.
      return this.#outbox.log("warn", "an abort for a transaction already committing here (the coordinator forgot it after excusing this replica); the commit stands", { txid });
    }
    if (txn.phase === "persisting") {
      txn.abortWhenDurable = true;
      return;
    }
    if (txn.phase === "aborting") return;
    txn.phase = "aborting";
    this.#inquiries.cancel(txid);
    this.#outbox.persist([{ type: "aborted", txid }], () => this.#finish(txn));
  }

  /** The outcome is durable: free the keys, remember the txid, acknowledge; prepares waiting on them go on. */
  #finish(txn: Prepared, answer: NodeToCoordinator = { type: "ack", txid: txn.txid }): void {
    for (const key of txn.keyStrings) this.#locks.delete(key);
    this.#prepared.delete(txn.txid);
    this.#finished.add(txn.txid);
    this.#send(answer);
    this.#wakeWaiting();
  }

  #inquireAll(): void {
    for (const txn of this.#prepared.values()) {
      if (txn.phase === "prepared") this.#inquire(txn);
    }
  }

  #inquire(txn: Prepared): void {
    this.#send({ type: "inquire", txid: txn.txid });
    this.#inquiries.set(txn.txid, this.#now + this.config.inquireTicks);
  }

  #tick(tick: number): void {
    if (tick < this.#now) throw new Error(`tick went back from ${this.#now} to ${tick}`);
    this.#now = tick;
    for (const txid of this.#inquiries.due(tick)) {
      const txn = this.#prepared.get(txid);
      if (txn?.phase === "prepared") this.#inquire(txn);
    }
    if (this.#waiting.some((waiting) => waiting.untilTick <= tick)) this.#giveUpWaiting(tick);
  }

  /** Prepares that waited their time for a lock vote no, naming the transaction that holds it. */
  #giveUpWaiting(tick: number): void {
    const waiting = this.#waiting;
    this.#waiting = waiting.filter((entry) => entry.untilTick > tick);
    for (const { message } of waiting.filter((entry) => entry.untilTick <= tick)) {
      const blocker = message.writes.map((write) => this.#locks.get(keyString(write.key))).find((holder) => holder !== undefined);
      const waitedMs = Math.round((this.config.prepareWaitTicks * 1000) / this.config.ticksPerSecond);
      this.#voteNo(message.txid, `a key is locked by transaction ${blocker ?? "(gone)"}, still in doubt here after waiting ${waitedMs} ms`);
    }
  }

  #send(message: NodeToCoordinator): void {
    this.#outbox.push({ kind: "send", message });
  }
}
