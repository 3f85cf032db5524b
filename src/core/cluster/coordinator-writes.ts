// The coordinator's side of two-phase commit, presumed abort (PROTOCOL.md, Writes): admission,
// per-key locks, prepare, the decision, phase 2 until every participant acknowledges, and the
// recovery of decisions after a restart. Transactions move through
//   queued -> [reading ->] preparing -> deciding -> committing -> forgetting -> (gone)
//   queued -> [reading ->] committingOne -> (gone)      one participant: one-phase commit
// and may leave from queued, reading or preparing (aborted or refused). A command (INCR, HSET, EXEC
// ...) reads its keys while it holds their locks, runs executeCommand over them and prepares the
// writes it decided (PROTOCOL.md, Read-modify-write). Nothing the client is told, and no commit,
// leaves before the decision is durable: both happen in the decision's persist continuation.

import { deadlinePassed, tryAgain } from "./client-errors.js";
import { LockTable } from "./coordinator-locks.js";
import type { CoordinatorContext } from "./coordinator-context.js";
import { decodeEntry, encodeEntry, EntryFormatError, executeCommand, type CommandReply, type Entry } from "../commands/index.js";
import type { ReadDone } from "./coordinator-reads.js";
import { decideOutcome, planWrite, type CommandOp, type WriteOp, type WritePlan } from "./coordinator-txn.js";
import { compareTxids, formatTxid } from "./txid.js";
import { DecidedValues } from "./decided-values.js";
import { LearnerApplies } from "./learner-applies.js";
import { describeKey, keyString } from "./key-string.js";
import { TickTimers } from "./tick-timers.js";
import { checkVote, findDisagreement } from "./vote-checks.js";
import type { Bytes, ClientError, ClientResult, CoordinatorToNode, NodeId, PreviousValue, TxnId, TxnWrite } from "./types.js";

type Phase = "queued" | "reading" | "preparing" | "committingOne" | "deciding" | "committing" | "forgetting";

/** Reads a command's keys under its locks (the read coordinator's readForUpdate). */
export type ReadForUpdate = (keys: readonly Bytes[], deadlineTick: number, done: ReadDone) => void;

interface Transaction {
  readonly txid: TxnId;
  /** null for a decision recovered after a restart: no client is waiting for it. */
  readonly op: WriteOp | null;
  /** A command's plan holds the writes it decided once its keys are read (before: every key, null values). */
  plan: WritePlan;
  /** The keys whose locks it holds (or waits for): every key of its first plan. */
  readonly lockKeys: readonly string[];
  /** A command's reply, decided when its keys were read; given to the client once the decision is durable. */
  reply: CommandReply | null;
  /** The client still waiting for an answer, until it gets one. */
  requestId: number | null;
  readonly deadlineTick: number;
  phase: Phase;
  /** Each write's partition, aligned with the plan's writes. */
  keyPartitions: number[];
  participants: NodeId[];
  /** Each participant's part of the writes (set when it starts preparing). */
  shares: Map<NodeId, TxnWrite[]>;
  /** For each write of the plan: its primary replica and its index in that node's share. */
  primaries: Array<{ node: NodeId; index: number }>;
  votes: Map<NodeId, PreviousValue[]>;
  acked: Set<NodeId>;
  /** Participants that left the in-sync sets of the keys they hold: no longer waited for (they catch up). */
  excused: Set<NodeId>;
  prepareTimeoutTick: number;
  resendTick: number;
}

export interface WriteCounts {
  /** Client writes admitted and not yet decided (the bounded ones). */
  transactionsInFlight: number;
  decisionsUnacknowledged: number;
  lockedKeys: number;
  /** (transaction, key) pairs queued behind the key's holder: the depth of the lock queues. */
  lockWaiters: number;
}

export class WriteCoordinator {
  readonly #decided = new DecidedValues();
  readonly #txns = new Map<TxnId, Transaction>();
  readonly #locks: LockTable;
  readonly #timers = new TickTimers<TxnId>();
  #seq = 0;
  #admitted = 0;
  /** The latest wall-clock time a command brought: commands run at no earlier time (expiry never goes back). */
  #wallClockMs = 0;

  readonly learners: LearnerApplies;

  constructor(
    private readonly context: CoordinatorContext,
    /** Called when a decision becomes durable (after the cache dropped its keys): reads in flight take its values. */
    private readonly onDecided: (writes: readonly TxnWrite[], keyStrings: readonly string[]) => void,
    private readonly readForUpdate: ReadForUpdate,
  ) {
    this.#locks = new LockTable(context.config.lockQueueMax);
    this.learners = new LearnerApplies(context);
  }

  /** Re-locks the keys of recovered decisions (oldest first) and resumes their phase 2. */
  recover(decisions: ReadonlyArray<{ txid: TxnId; participants: NodeId[]; writes: TxnWrite[] }>): void {
    const sorted = [...decisions].sort((a, b) => compareTxids(a.txid, b.txid));
    for (const decision of sorted) {
      const plan: WritePlan = { writes: decision.writes, keyStrings: decision.writes.map((write) => keyString(write.key)), wantValues: false };
      const txn = this.#newTxn(decision.txid, null, plan, null, Infinity);
      txn.participants = [...decision.participants];
      for (const node of txn.participants) if (!this.#stillInSync(txn, node)) txn.excused.add(node);
      if (this.#locks.enqueue(txn.txid, txn.lockKeys) !== null) throw new Error(`recovered decision ${txn.txid} overflows a lock queue`);
      this.#decided.add(txn.txid, plan.writes, plan.keyStrings);
    }
    this.#startReady(sorted.map((decision) => decision.txid));
  }

  /** A client's SET/MSET/DEL: refused at once, or queued on its keys' locks. */
  request(requestId: number, op: WriteOp, deadlineTick: number): void {
    const { membership, outbox } = this.context;
    const plan = planWrite(op);
    const refusal = this.#refusal(plan, deadlineTick);
    if (refusal !== null) return outbox.push({ kind: "fail", requestId, error: refusal });
    membership.seal();
    if (op.kind === "command") this.#wallClockMs = Math.max(this.#wallClockMs, op.nowMs);
    this.#seq += 1;
    const txid = formatTxid(this.context.epoch, this.#seq);
    const full = this.#locks.enqueue(txid, plan.keyStrings);
    if (full !== null) {
      const key = describeKey(plan.writes[plan.keyStrings.indexOf(full.fullKey)]!.key);
      const error = tryAgain(`key ${key} is busy: ${full.queued} writes are queued on it (limit lockQueueMax ${this.#locks.queueLengthMax})`);
      return outbox.push({ kind: "fail", requestId, error });
    }
    this.#newTxn(txid, op, plan, requestId, deadlineTick);
    this.#admitted += 1;
    this.#startReady([txid]);
  }

  /**
   * A storage node found these keys expired: delete them with a deleteExpired command, which
   * re-checks each one under its lock at the coordinator's clock (the latest a command brought), so
   * a key written again meanwhile is kept. Background work: skipped when half the writes in flight
   * are taken, a replica is down or a key's queue is full; the node's next sweep reports them again.
   */
  reclaimExpired(keys: readonly Bytes[]): void {
    const { config, clock } = this.context;
    if (keys.length === 0 || this.#wallClockMs === 0 || this.#admitted >= config.transactionsInFlightMax / 2) return;
    const op: CommandOp = { kind: "command", command: { kind: "deleteExpired", keys: [...keys] }, nowMs: this.#wallClockMs };
    const plan = planWrite(op);
    const deadlineTick = clock.now + config.prepareTimeoutTicks;
    if (this.#refusal(plan, deadlineTick) !== null) return;
    this.#seq += 1;
    const txid = formatTxid(this.context.epoch, this.#seq);
    if (this.#locks.enqueue(txid, plan.keyStrings) !== null) return;
    this.#newTxn(txid, op, plan, null, deadlineTick);
    this.#admitted += 1;
    this.#startReady([txid]);
  }

  vote(from: NodeId, txid: TxnId, vote: { yes: true; previous: PreviousValue[] } | { yes: false; reason: string }): void {
    const txn = this.#txns.get(txid);
    if (txn === undefined) {
      // Presumed abort: a transaction this coordinator does not hold was aborted (or never decided).
      if (vote.yes) this.#send(from, { type: "abort", txid });
      return;
    }
    if (txn.phase === "committingOne") return this.#onePhaseVote(txn, from, vote);
    if (txn.phase !== "preparing" || txn.votes.has(from)) return; // late or duplicated
    const share = txn.shares.get(from);
    if (share === undefined) return this.context.outbox.log("warn", "a vote from a node that is not a participant", { from, txid });
    if (!vote.yes) return this.#abort(txn, tryAgain(`storage node ${this.#describe(from)} refused the write: ${vote.reason}`));
    const problem = checkVote(share, vote.previous, txn.plan.wantValues);
    if (problem !== null) {
      this.context.outbox.log("error", "a malformed vote", { from, txid, problem });
      return this.#abort(txn, tryAgain(`storage node ${this.#describe(from)} sent a malformed vote (${problem})`));
    }
    txn.votes.set(from, vote.previous);
    if (txn.votes.size === txn.shares.size) this.#decide(txn);
  }

  ack(from: NodeId, txid: TxnId): void {
    const txn = this.#txns.get(txid);
    if (txn === undefined || txn.phase !== "committing" || !txn.participants.includes(from)) return;
    txn.acked.add(from);
    this.#forgetIfDone(txn);
  }

  /**
   * `nodeId` left the in-sync sets of `partitions` (durably): decided transactions stop waiting for
   * its ack where it no longer holds any key in sync; it gets their writes by catching up.
   */
  excuse(nodeId: NodeId): void {
    for (const txn of [...this.#txns.values()]) {
      if (txn.phase !== "committing" || !txn.participants.includes(nodeId) || txn.acked.has(nodeId)) continue;
      if (this.#stillInSync(txn, nodeId)) continue;
      txn.excused.add(nodeId);
      this.#forgetIfDone(txn);
    }
  }

  /** Every participant acknowledged (or was excused): persist `forget`, then free the keys. */
  #forgetIfDone(txn: Transaction): void {
    if (txn.participants.some((node) => !txn.acked.has(node) && !txn.excused.has(node))) return;
    const { txid } = txn;
    txn.phase = "forgetting";
    this.#timers.cancel(txid);
    // The keys stay locked until `forget` is durable: then no decision that could be recovered
    // after a crash overlaps a later one on the same key.
    this.context.outbox.persist([{ type: "forget", txid }], () => this.#startReady(this.#finish(txn)));
  }

  /**
   * An in-doubt participant asks: commit if decided, nothing while undecided, abort if unknown or if
   * it was excused (it no longer holds those keys in sync: it learns them by catching up, or drops them).
   */
  inquire(from: NodeId, txid: TxnId): void {
    const txn = this.#txns.get(txid);
    if (txn === undefined || txn.excused.has(from)) this.#send(from, { type: "abort", txid });
    else if (txn.phase === "committing" || txn.phase === "forgetting") this.#send(from, { type: "commit", txid: txn.txid });
  }

  /**
   * A member is up again (or on a new connection that replaced its old one, so messages on the old
   * one may be lost): it gets every decision it has not acknowledged and every prepare it has not
   * voted on.
   */
  nodeUp(nodeId: NodeId): void {
    for (const txn of this.#txns.values()) {
      if (txn.phase === "committing" && txn.participants.includes(nodeId) && !txn.acked.has(nodeId) && !txn.excused.has(nodeId)) {
        this.#send(nodeId, { type: "commit", txid: txn.txid });
      }
      const share = txn.shares.get(nodeId);
      if (txn.phase === "committingOne" && share !== undefined) this.#send(nodeId, { type: "commitOne", txid: txn.txid, writes: share });
      if (txn.phase === "preparing" && share !== undefined && !txn.votes.has(nodeId)) {
        this.#send(nodeId, { type: "prepare", txid: txn.txid, writes: share, wantValues: txn.plan.wantValues });
      }
    }
  }

  /** A member went down: transactions still collecting its vote abort (it cannot vote). */
  nodeDown(nodeId: NodeId): void {
    for (const txn of [...this.#txns.values()]) {
      if (txn.phase === "preparing" && txn.shares.has(nodeId) && !txn.votes.has(nodeId)) {
        this.#abort(txn, tryAgain(`storage node ${this.#describe(nodeId)} went down while the write was preparing; nothing was applied`));
      }
    }
  }

  tick(): void {
    for (const txid of this.#timers.due(this.context.clock.now)) {
      const txn = this.#txns.get(txid);
      if (txn !== undefined) this.#wake(txn);
    }
    this.learners.tick();
  }

  /** A learner starts on `partitions`: it gets the writes there of every decided transaction not yet forgotten. */
  feedNewLearner(nodeId: NodeId, partitions: ReadonlySet<number>): void {
    for (const txn of this.#txns.values()) {
      if (txn.phase !== "committing" && txn.phase !== "forgetting") continue;
      if (!txn.keyPartitions.some((partition) => partitions.has(partition))) continue;
      this.learners.feed(txn.txid, txn.plan.writes, txn.keyPartitions, nodeId);
    }
  }

  /**
   * Every tombstone with an older version than this belongs to a transaction that every participant
   * has acknowledged or was excused from: the oldest txid still being decided or applied, or the next.
   */
  tombstoneWatermark(): TxnId {
    let oldest: TxnId | null = null;
    for (const txn of this.#txns.values()) {
      // A one-phase commit's writes may still land, at its txid.
      if (txn.phase !== "committingOne" && txn.phase !== "deciding" && txn.phase !== "committing" && txn.phase !== "forgetting") continue;
      if (oldest === null || compareTxids(txn.txid, oldest) < 0) oldest = txn.txid;
    }
    return oldest ?? formatTxid(this.context.epoch, this.#seq + 1);
  }

  /** True while a transaction touching one of `partitions` may still write to the node (a membership change's cleanup waits for it). */
  mayWrite(nodeId: NodeId, partitions: ReadonlySet<number>): boolean {
    for (const txn of this.#txns.values()) {
      if (txn.phase === "queued" || !txn.keyPartitions.some((partition) => partitions.has(partition))) continue;
      if (txn.phase === "preparing" ? txn.shares.has(nodeId) : txn.participants.includes(nodeId) && !txn.acked.has(nodeId) && !txn.excused.has(nodeId)) return true;
    }
    return false;
  }

  /** The partitions some transaction has started on and not yet decided (one pass for all of them). */
  undecidedPartitions(): Set<number> {
    const partitions = new Set<number>();
    for (const txn of this.#txns.values()) {
      const started = txn.phase === "reading" || txn.phase === "preparing" || txn.phase === "committingOne" || txn.phase === "deciding";
      if (started) for (const partition of txn.keyPartitions) partitions.add(partition);
    }
    return partitions;
  }

  /** Queued transactions may start now (a fence lifted). */
  startQueued(): void {
    this.#startReady([...this.#txns.values()].filter((txn) => txn.phase === "queued").map((txn) => txn.txid));
  }

  /** True when the key's lock is held by a one-phase commit still waiting for its participant's vote. */
  committingOne(keyString: string): boolean {
    const holder = this.#locks.holder(keyString);
    return holder !== undefined && this.#txns.get(holder)?.phase === "committingOne";
  }

  /** The pending decided value of a key (null: deleted); undefined when none is pending. */
  decidedValue(keyString: string): Bytes | null | undefined {
    return this.#decided.get(keyString);
  }

  /** Every pending decided write (null value: deleted), for key scans. */
  decidedWrites(): Iterable<{ key: Bytes; value: Bytes | null }> {
    return this.#decided.writes();
  }

  counts(): WriteCounts {
    let decisionsUnacknowledged = 0;
    for (const txn of this.#txns.values()) if (txn.phase === "committing") decisionsUnacknowledged += 1;
    return { transactionsInFlight: this.#admitted, decisionsUnacknowledged, lockedKeys: this.#locks.lockedKeys, lockWaiters: this.#locks.waiting };
  }

  /** Throws when the lock table, the transactions and the decided values disagree (a bug). */
  assertInvariants(): void {
    let admitted = 0;
    for (const txn of this.#txns.values()) {
      if (txn.op !== null && isAdmissionPhase(txn.phase)) admitted += 1;
      for (const key of txn.lockKeys) {
        const holder = this.#locks.holder(key);
        if (holder === undefined) throw new Error(`invariant: ${txn.txid} (${txn.phase}) is not queued on one of its keys`);
        if (txn.phase !== "queued" && holder !== txn.txid) throw new Error(`invariant: ${txn.txid} (${txn.phase}) runs without holding its key (held by ${holder})`);
      }
    }
    if (admitted !== this.#admitted) throw new Error(`invariant: ${this.#admitted} writes counted in flight, ${admitted} found`);
    let queued = 0;
    for (const [key, queue] of this.#locks.entries()) {
      queued += queue.length;
      for (const txid of queue) if (!this.#txns.has(txid)) throw new Error(`invariant: lock queue holds unknown ${txid}`);
      const head = this.#txns.get(queue[0]!)!;
      for (const txid of queue.slice(1)) {
        if (this.#txns.get(txid)!.phase !== "queued") throw new Error(`invariant: ${txid} runs behind ${head.txid} on one key`);
      }
      const owner = this.#decided.owner(key);
      if (owner !== undefined && !queue.includes(owner)) throw new Error(`invariant: decided value of ${owner} outlived its lock`);
    }
    if (queued - this.#locks.lockedKeys !== this.#locks.waiting) throw new Error(`invariant: ${this.#locks.waiting} lock waiters counted, ${queued - this.#locks.lockedKeys} found`);
    for (const key of this.#decided.keys()) {
      const owner = this.#txns.get(this.#decided.owner(key)!);
      if (owner === undefined || (owner.phase !== "committing" && owner.phase !== "forgetting" && owner.op !== null)) {
        throw new Error(`invariant: a decided value without a decided transaction`);
      }
    }
  }

  // ------------------------------------------------------------ admission and start

  #refusal(plan: WritePlan, deadlineTick: number): ClientError | null {
    const { config, membership, clock } = this.context;
    if (deadlineTick <= clock.now) return deadlinePassed("the request's deadline had passed when it reached the coordinator", false);
    if (!membership.sealed && membership.joinPending) {
      return tryAgain("a storage node is joining the cluster right now; retry in a moment");
    }
    if (this.#admitted >= config.transactionsInFlightMax) {
      return tryAgain(`too many writes in flight: ${this.#admitted} (limit transactionsInFlightMax ${config.transactionsInFlightMax})`);
    }
    return this.#downReplica(plan, this.#partitionsOf(plan));
  }

  #partitionsOf(plan: WritePlan): number[] {
    return plan.writes.map((write) => this.context.membership.ring.partitionOfKey(write.key));
  }

  /**
   * TRYAGAIN for the first key of the plan whose partition has an in-sync replica down, naming the
   * partition, the replicas down and W, or null when every in-sync replica of every key is up.
   */
  #downReplica(plan: WritePlan, keyPartitions: readonly number[]): ClientError | null {
    const { membership, inSync, config } = this.context;
    for (const [index, partition] of keyPartitions.entries()) {
      const members = inSync.members(partition);
      const down = members.filter((node) => !membership.isUp(node));
      if (down.length === 0) continue;
      const key = describeKey(plan.writes[index]!.key);
      const names = down.map((node) => this.#describe(node)).join(", ");
      const left = members.length - down.length;
      const when = left >= config.minInSync
        ? `writes to it resume when ${down.length === 1 ? "it returns or leaves" : "they return or leave"} the in-sync set (after the replica timeout)`
        : `only ${left} in-sync replica${left === 1 ? "" : "s"} would remain, fewer than the ${config.minInSync} required (--min-in-sync); writes to it wait for a replica to return`;
      return tryAgain(`partition ${partition} of key ${key}: in-sync replica ${names} is down; ${when}; the write was not applied`);
    }
    return null;
  }

  /** A participant still holds some key of the transaction in sync (its ack is needed). */
  #stillInSync(txn: Transaction, nodeId: NodeId): boolean {
    return txn.keyPartitions.some((partition) => this.context.inSync.has(partition, nodeId));
  }


  #newTxn(txid: TxnId, op: WriteOp | null, plan: WritePlan, requestId: number | null, deadlineTick: number): Transaction {
    const txn: Transaction = {
      txid, op, plan, lockKeys: plan.keyStrings, reply: null, requestId, deadlineTick, phase: "queued", keyPartitions: this.#partitionsOf(plan),
      participants: [], shares: new Map(),
      primaries: [], votes: new Map(), acked: new Set(), excused: new Set(), prepareTimeoutTick: Infinity, resendTick: Infinity,
    };
    this.#txns.set(txid, txn);
    this.#schedule(txn);
    return txn;
  }

  /** Starts every candidate that heads all of its key queues; a start that fails frees more. */
  #startReady(candidates: TxnId[]): void {
    const work = [...candidates];
    while (work.length > 0) {
      const txn = this.#txns.get(work.pop()!);
      if (txn === undefined || txn.phase !== "queued" || !this.#locks.holdsAll(txn.txid, txn.lockKeys)) continue;
      // A learner is joining one of its partitions: it waits (queued) until the fence lifts.
      if (txn.op !== null && txn.keyPartitions.some((partition) => this.context.inSync.isFenced(partition))) continue;
      work.push(...this.#start(txn));
    }
  }

  /** Returns the transactions freed when it could not start. */
  #start(txn: Transaction): TxnId[] {
    if (txn.op === null) {
      txn.phase = "committing";
      this.#sendCommits(txn);
      this.#forgetIfDone(txn);
      return [];
    }
    const down = this.#downReplica(txn.plan, txn.keyPartitions);
    if (down !== null) return this.#fail(txn, down);
    if (txn.op.kind === "command") {
      txn.phase = "reading";
      this.readForUpdate(txn.plan.writes.map((write) => write.key), txn.deadlineTick, (answer) => this.#commandRead(txn, answer));
      return [];
    }
    this.#prepare(txn);
    return [];
  }

  #prepare(txn: Transaction): void {
    this.#assignShares(txn);
    if (txn.shares.size === 1 && this.#onePhaseAllowed(txn)) {
      txn.phase = "committingOne";
      // The participant may apply the writes before the coordinator hears of it: from now on the
      // cache must not answer the keys with what they held before (nor be filled, see committingOne()),
      // or one read could see the new value from the replica and a later one the old from the cache.
      for (const write of txn.plan.writes) this.context.cache.invalidate(write.key);
      return this.#sendCommitOne(txn);
    }
    txn.phase = "preparing";
    txn.prepareTimeoutTick = this.context.clock.now + this.context.config.prepareTimeoutTicks;
    this.#sendPrepares(txn);
  }

  /**
   * A command's keys are read, under its locks, so they hold their latest values and nothing else
   * can change them before its outcome: it runs here, and what it decided to write is prepared.
   * A command that writes nothing is answered at once (what it read is durable everywhere).
   */
  #commandRead(txn: Transaction, answer: Parameters<ReadDone>[0]): void {
    if (this.#txns.get(txn.txid) !== txn || txn.phase !== "reading") return;
    if ("error" in answer) return this.#startReady(this.#fail(txn, answer.error));
    const op = txn.op as CommandOp;
    const keys = txn.plan.writes.map((write) => write.key);
    const entries = decodeEntries(keys, answer.values);
    if (!Array.isArray(entries)) return this.#startReady(this.#fail(txn, entries));
    const options = op.valueBytesMax === undefined ? {} : { valueBytesMax: op.valueBytesMax };
    const { reply, writes } = executeCommand(op.command, entries, this.#wallClockMs, options);
    const changed: TxnWrite[] = [];
    writes.forEach((entry, index) => {
      if (entry !== undefined) changed.push({ key: keys[index]!, value: entry === null ? null : encodeEntry(entry) });
    });
    if (changed.length === 0) return this.#startReady(this.#answerAndFinish(txn, { kind: "reply", reply }));
    const bytes = changed.reduce((sum, write) => sum + write.key.length + (write.value?.length ?? 0), 0);
    if (op.writeBytesMax !== undefined && bytes > op.writeBytesMax) {
      const message = `the command would write ${bytes} bytes of keys and values, the limit is ${op.writeBytesMax} bytes; nothing was written`;
      return this.#startReady(this.#answerAndFinish(txn, { kind: "reply", reply: { kind: "error", code: "ERR", message } }));
    }
    txn.plan = { writes: changed, keyStrings: changed.map((write) => keyString(write.key)), wantValues: false };
    txn.keyPartitions = this.#partitionsOf(txn.plan);
    txn.reply = reply;
    const down = this.#downReplica(txn.plan, txn.keyPartitions);
    if (down !== null) return this.#startReady(this.#fail(txn, down));
    this.#prepare(txn);
  }

  /** Each in-sync replica of each key's partition prepares that key; the first of them is its primary. */
  #assignShares(txn: Transaction): void {
    txn.plan.writes.forEach((write, index) => {
      const replicas = this.context.inSync.members(txn.keyPartitions[index]!);
      for (const node of replicas) {
        let share = txn.shares.get(node);
        if (share === undefined) txn.shares.set(node, (share = []));
        share.push(write);
        if (node === replicas[0]) txn.primaries.push({ node, index: share.length - 1 });
      }
    });
    txn.participants = [...txn.shares.keys()];
  }

  // ------------------------------------------------------------ one-phase commit

  /**
   * One participant holds every key (R = 1, or in-sync sets shrunk to one): its durable `committed`
   * record is the commit, so the coordinator logs nothing and skips a round trip. Only for writes
   * whose answer is known before they are applied (a command decided on its read, a plain SET, an
   * MSET) and not while the membership's seal still waits to be logged with a decision.
   */
  #onePhaseAllowed(txn: Transaction): boolean {
    const op = txn.op!;
    const known = op.kind === "command" || op.kind === "mset" || (op.kind === "set" && op.condition === undefined && op.returnPrevious !== true);
    return known && this.context.membership.sealRecords().length === 0;
  }

  /** The commit to the participant if it is up; re-sent every resendTicks and when it is back, until its vote. */
  #sendCommitOne(txn: Transaction): void {
    const [node, writes] = [...txn.shares][0]!;
    if (this.context.membership.isUp(node)) this.#send(node, { type: "commitOne", txid: txn.txid, writes });
    txn.resendTick = this.context.clock.now + this.context.config.resendTicks;
    this.#schedule(txn);
  }

  /**
   * Yes: the writes are durable at the participant — the client hears OK now, reads in flight take
   * the values, learners get them. No: nothing was applied. Until a vote comes the outcome is
   * unknown, so the keys stay locked (a participant that went down is waited for).
   */
  #onePhaseVote(txn: Transaction, from: NodeId, vote: { yes: true } | { yes: false; reason: string }): void {
    if (!txn.shares.has(from)) return;
    if (!vote.yes) {
      return this.#startReady(this.#answerAndFinish(txn, tryAgain(`storage node ${this.#describe(from)} refused the write: ${vote.reason}`)));
    }
    const op = txn.op!;
    const result: ClientResult = op.kind === "command" ? { kind: "reply", reply: txn.reply! } : op.kind === "mset" ? { kind: "ok" } : { kind: "set", written: true };
    this.#leaveAdmission(txn);
    txn.phase = "committing"; // applied: no longer counted in flight
    if (txn.requestId !== null) this.context.outbox.push({ kind: "reply", requestId: txn.requestId, result });
    txn.requestId = null;
    for (const write of txn.plan.writes) this.context.cache.invalidate(write.key);
    this.onDecided(txn.plan.writes, txn.plan.keyStrings);
    this.learners.feed(txn.txid, txn.plan.writes, txn.keyPartitions);
    this.#startReady(this.#finish(txn));
  }

  // ------------------------------------------------------------ decision

  #decide(txn: Transaction): void {
    const previous = txn.primaries.map(({ node, index }) => txn.votes.get(node)![index]!);
    const disagreement = findDisagreement(txn.shares, txn.votes);
    if (disagreement !== null) this.context.outbox.log("error", "replicas disagree on a key's state", { txid: txn.txid, ...disagreement });
    const op = txn.op!;
    const outcome = op.kind === "command" ? { commit: true, result: { kind: "reply" as const, reply: txn.reply! } } : decideOutcome(op, previous);
    if (!outcome.commit) return this.#abort(txn, outcome.result);
    txn.phase = "deciding";
    const sealRecords = this.context.membership.sealRecords();
    const decision = { type: "decision" as const, txid: txn.txid, participants: txn.participants, writes: txn.plan.writes };
    this.context.outbox.persist([...sealRecords, decision], () => {
      if (sealRecords.length > 0) this.context.membership.sealPersisted();
      this.#decisionDurable(txn, outcome.result);
    });
    this.#schedule(txn);
  }

  /** The decision is on disk: now, and only now, the client hears OK and the participants commit. */
  #decisionDurable(txn: Transaction, result: ClientResult): void {
    if (txn.phase !== "deciding") throw new Error(`invariant: decision of ${txn.txid} persisted in phase ${txn.phase}`);
    this.#leaveAdmission(txn);
    txn.phase = "committing";
    // A participant that left the keys' in-sync sets while the decision was written (excuse() passed it by).
    for (const node of txn.participants) if (!this.#stillInSync(txn, node)) txn.excused.add(node);
    if (txn.requestId !== null) this.context.outbox.push({ kind: "reply", requestId: txn.requestId, result });
    txn.requestId = null;
    this.#decided.add(txn.txid, txn.plan.writes, txn.plan.keyStrings);
    // Invalidate rather than fill: until every replica has applied the decision, reads of its keys
    // are answered from it (#decided); afterwards the first read refills the cache from a replica.
    // Filling the cache with every written value cost the coordinator a quarter of its CPU per
    // write (measured: 107 -> 79 us per put), mostly copies whose garbage outlived the young
    // generation, and a stream of writes to new keys would flush the keys being read.
    for (const write of txn.plan.writes) this.context.cache.invalidate(write.key);
    this.onDecided(txn.plan.writes, txn.plan.keyStrings);
    this.#sendCommits(txn);
    this.learners.feed(txn.txid, txn.plan.writes, txn.keyPartitions);
  }

  // ------------------------------------------------------------ ending

  /** Aborts a preparing transaction (presumed abort: nothing logged) and answers its client. */
  #abort(txn: Transaction, answer: ClientError | ClientResult): void {
    if (txn.phase !== "preparing") throw new Error(`invariant: abort of ${txn.txid} in phase ${txn.phase}`);
    for (const node of txn.participants) this.#send(node, { type: "abort", txid: txn.txid });
    this.#startReady(this.#answerAndFinish(txn, answer));
  }

  /** Ends a transaction that sent nothing yet. */
  #fail(txn: Transaction, error: ClientError): TxnId[] {
    return this.#answerAndFinish(txn, error);
  }

  #answerAndFinish(txn: Transaction, answer: ClientError | ClientResult): TxnId[] {
    if (txn.requestId !== null) {
      const requestId = txn.requestId;
      this.context.outbox.push("code" in answer ? { kind: "fail", requestId, error: answer } : { kind: "reply", requestId, result: answer });
      txn.requestId = null;
    }
    return this.#finish(txn);
  }

  /** Forgets the transaction and frees its keys; returns the transactions that now head a queue. */
  #finish(txn: Transaction): TxnId[] {
    this.#leaveAdmission(txn);
    this.#txns.delete(txn.txid);
    this.#timers.cancel(txn.txid);
    this.#decided.remove(txn.txid, txn.plan.keyStrings);
    return this.#locks.release(txn.txid, txn.lockKeys);
  }

  #leaveAdmission(txn: Transaction): void {
    if (txn.op !== null && isAdmissionPhase(txn.phase)) this.#admitted -= 1;
  }

  // ------------------------------------------------------------ timers and resends

  #wake(txn: Transaction): void {
    const { now } = this.context.clock;
    const { config } = this.context;
    const clientLate = txn.requestId !== null && now >= txn.deadlineTick;
    if (txn.phase === "queued" && clientLate) {
      const error = tryAgain(`the deadline passed while the write waited for another write on its keys; nothing was applied`);
      return this.#startReady(this.#fail(txn, error));
    }
    if (txn.phase === "preparing") {
      if (clientLate) return this.#abort(txn, deadlinePassed("the deadline passed before every replica voted; the write was aborted, nothing was applied", false));
      if (now >= txn.prepareTimeoutTick) {
        const silent = txn.participants.filter((node) => !txn.votes.has(node)).map((node) => this.#describe(node));
        return this.#abort(txn, tryAgain(`no vote from ${silent.join(", ")} within ${config.prepareTimeoutTicks} ticks; the write was aborted`));
      }
      if (now >= txn.resendTick) this.#sendPrepares(txn);
    }
    if (txn.phase === "committingOne" && clientLate) {
      const error = deadlinePassed("the deadline passed before the storage node said the write was applied; it may or may not be applied", true);
      this.context.outbox.push({ kind: "fail", requestId: txn.requestId!, error });
      txn.requestId = null;
    }
    if (txn.phase === "committingOne" && now >= txn.resendTick) return this.#sendCommitOne(txn);
    if (txn.phase === "deciding" && clientLate) {
      const error = deadlinePassed("the deadline passed while the commit decision was being written to disk; the write may or may not be applied", true);
      this.context.outbox.push({ kind: "fail", requestId: txn.requestId!, error });
      txn.requestId = null;
    }
    if (txn.phase === "committing" && now >= txn.resendTick) this.#sendCommits(txn);
    this.#schedule(txn);
  }

  #schedule(txn: Transaction): void {
    const deadline = txn.requestId === null ? Infinity : txn.deadlineTick;
    let next = Infinity;
    if (txn.phase === "queued" || txn.phase === "deciding") next = deadline;
    else if (txn.phase === "preparing") next = Math.min(deadline, txn.prepareTimeoutTick, txn.resendTick);
    else if (txn.phase === "committingOne") next = Math.min(deadline, txn.resendTick);
    else if (txn.phase === "committing") next = txn.resendTick;
    if (next === Infinity) this.#timers.cancel(txn.txid);
    else this.#timers.set(txn.txid, next);
  }

  /** Prepares to every up participant that has not voted yet. */
  #sendPrepares(txn: Transaction): void {
    for (const [node, writes] of txn.shares) {
      if (txn.votes.has(node) || !this.context.membership.isUp(node)) continue;
      this.#send(node, { type: "prepare", txid: txn.txid, writes, wantValues: txn.plan.wantValues });
    }
    txn.resendTick = this.context.clock.now + this.context.config.resendTicks;
    this.#schedule(txn);
  }

  /** Commits to every up participant that has not acknowledged; only ever after the decision is durable. */
  #sendCommits(txn: Transaction): void {
    if (txn.phase !== "committing") throw new Error(`invariant: commit of ${txn.txid} sent in phase ${txn.phase}`);
    for (const node of txn.participants) {
      if (!txn.acked.has(node) && !txn.excused.has(node) && this.context.membership.isUp(node)) this.#send(node, { type: "commit", txid: txn.txid });
    }
    txn.resendTick = this.context.clock.now + this.context.config.resendTicks;
    this.#schedule(txn);
  }

  #send(to: NodeId, message: CoordinatorToNode): void {
    this.context.membership.send(to, message);
  }

  #describe(nodeId: NodeId): string {
    return this.context.membership.describe(nodeId);
  }
}

/** Phases in which a client write counts against transactionsInFlightMax. */
function isAdmissionPhase(phase: Phase): boolean {
  return phase === "queued" || phase === "reading" || phase === "preparing" || phase === "committingOne" || phase === "deciding";
}

/** The entries the values hold, or an error naming a key whose bytes are not an entry (data from before entries). */
function decodeEntries(keys: readonly Bytes[], values: ReadonlyArray<Bytes | null>): Array<Entry | null> | ClientError {
  const entries: Array<Entry | null> = [];
  for (const [index, value] of values.entries()) {
    try {
      entries.push(value === null ? null : decodeEntry(value));
    } catch (error) {
      if (!(error instanceof EntryFormatError)) throw error;
      return { code: "ERR", message: `key ${describeKey(keys[index]!)} holds bytes that are not an entry (${error.message}); the command changed nothing` };
    }
  }
  return entries;
}
