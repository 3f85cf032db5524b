// The coordinator machine: membership, routing, two-phase commit and linearizable reads as one
// deterministic state machine. step(event) -> effects, with no I/O, clock or randomness; the
// runtime (src/runtime) and the simulator (src/sim) feed the same events and carry out the same
// effects. The parts live in membership.ts, coordinator-writes.ts and coordinator-reads.ts.

import { CatchUpCoordinator } from "./catch-up.js";
import { clusterDown } from "./client-errors.js";
import { KeyCounter } from "./coordinator-counts.js";
import { KeyScanner } from "./coordinator-key-scans.js";
import { makeCoordinatorConfig, type CoordinatorConfig, type CoordinatorOptions } from "./config.js";
import type { CoordinatorContext } from "./coordinator-context.js";
import { ReadCoordinator } from "./coordinator-reads.js";
import { isWriteOp } from "./coordinator-txn.js";
import { WriteCoordinator } from "./coordinator-writes.js";
import { InSyncSets } from "./in-sync.js";
import { TombstoneCollector } from "./tombstone-collector.js";
import { Membership } from "./membership.js";
import { MoveCoordinator } from "./moves.js";
import { PartitionDrops } from "./partition-drops.js";
import { Outbox } from "./outbox.js";
import { ReadCache } from "./read-cache.js";
import { RepairCoordinator } from "./repair.js";
import type {
  Bytes, ClientOp, ConnectionId, CoordinatorDurableState, CoordinatorEffect, CoordinatorEvent, CoordinatorRecord, CoordinatorView,
  NodeId, NodeToCoordinator, PartitionState,
} from "./types.js";

interface Running {
  readonly context: CoordinatorContext;
  readonly membership: Membership;
  readonly writes: WriteCoordinator;
  readonly reads: ReadCoordinator;
  readonly counts: KeyCounter;
  readonly keyScans: KeyScanner;
  readonly inSync: InSyncSets;
  readonly catchUp: CatchUpCoordinator;
  readonly tombstones: TombstoneCollector;
  readonly repair: RepairCoordinator;
  readonly drops: PartitionDrops;
  readonly moves: MoveCoordinator;
}

export interface KeyLocation {
  partition: number;
  /** Primary first. */
  replicas: Array<{ id: NodeId; address: string; up: boolean }>;
}

export class CoordinatorMachine {
  readonly config: CoordinatorConfig;
  readonly #outbox = new Outbox<CoordinatorRecord, CoordinatorEffect>();
  readonly #clock = { now: 0 };
  readonly #cache: ReadCache;
  /** The recovered state whose new epoch is being persisted (nothing is served until it is durable). */
  #booting: CoordinatorDurableState | null = null;
  #running: Running | null = null;

  constructor(options: CoordinatorOptions = {}) {
    this.config = makeCoordinatorConfig(options);
    this.#cache = new ReadCache(this.config.cache);
  }

  step(event: CoordinatorEvent): CoordinatorEffect[] {
    if (event.kind === "tick") this.#tick(event.tick);
    else if (event.kind === "recovered") this.#recover(event);
    else if (event.kind === "client") this.#client(event.requestId, event.op, event.deadlineTick);
    else if (event.kind === "persisted") this.#outbox.persisted(event.token);
    else {
      const running = this.#running;
      if (running === null) this.#beforeRunning(event);
      else if (event.kind === "hello") this.#hello(running, event.connection, event.hello, event.proofValid);
      else if (event.kind === "connectionClosed") this.#connectionClosed(running, event.connection);
      else this.#message(running, event.connection, event.message);
    }
    return this.#outbox.take();
  }

  view(): CoordinatorView {
    const running = this.#running;
    const writes = running?.writes.counts() ?? { transactionsInFlight: 0, decisionsUnacknowledged: 0, lockedKeys: 0, lockWaiters: 0 };
    const { replicas, partitions, vnodesPerNode } = this.config;
    return {
      state: running === null ? "starting" : running.membership.ready ? "serving" : "waiting-for-nodes",
      epoch: running?.context.epoch ?? 0,
      sealed: running?.membership.sealed ?? false,
      placement: running?.membership.placement ?? { replicas, partitions, vnodesPerNode },
      minNodes: this.config.minNodes,
      members: (running?.membership.members() ?? []).map((member) => {
        const counts = running!.inSync.nodeCounts(member.id);
        return { ...member, inSyncPartitions: counts.inSync, learningPartitions: counts.learning };
      }),
      minInSync: this.config.minInSync,
      underReplicatedPartitions: running?.inSync.underReplicated() ?? 0,
      catchUps: running?.catchUp.views() ?? [],
      repair: running?.repair.view() ?? {
        current: null, last: null, rounds: 0, keysDiverged: 0, keysFixed: 0, nextBackgroundInTicks: this.config.repairIntervalTicks,
        bytesPerSecond: this.config.repairBytesPerSecond,
      },
      move: running?.moves.view() ?? null,
      ...writes,
      readsInFlight: (running?.reads.inFlight ?? 0) + (running?.counts.inFlight ?? 0) + (running?.keyScans.inFlight ?? 0),
      cache: this.#cache.stats(),
    };
  }

  /** Where a key lives: its partition and its replicas, primary first (none before recovery). */
  locate(key: Bytes): KeyLocation {
    const membership = this.#running?.membership;
    if (membership === undefined) return { partition: 0, replicas: [] };
    const { ring } = membership;
    const replicas = ring.replicasForKey(key).map((id) => ({ id, address: membership.address(id) ?? "", up: membership.isUp(id) }));
    return { partition: ring.partitionOfKey(key), replicas };
  }

  /** Every partition's replicas, in-sync members and learners (none before recovery). */
  partitionStates(): PartitionState[] {
    return this.#running?.inSync.states() ?? [];
  }

  /** Throws when internal state is inconsistent (a bug); for tests and the simulator. */
  assertInvariants(): void {
    this.#running?.writes.assertInvariants();
    this.#running?.reads.assertInvariants();
  }

  /**
   * A new epoch is made durable before anything else, so that no transaction id of this run
   * repeats an old one: a reused txid could match a prepared record still in doubt at a
   * participant, which would take the new prepare for a duplicate and vote yes for old writes.
   */
  #recover(recovered: CoordinatorDurableState): void {
    if (this.#running !== null || this.#booting !== null) throw new Error("the coordinator got a second recovered event");
    const epoch = recovered.epoch + 1;
    this.#booting = recovered;
    this.#outbox.persist([{ type: "epoch", epoch }], () => this.#start({ ...recovered, epoch }));
  }

  #start(recovered: CoordinatorDurableState): void {
    this.#booting = null;
    const membership = new Membership(this.config, this.#outbox, recovered);
    const inSync = new InSyncSets(this.config, this.#outbox, membership, recovered.inSync);
    const context: CoordinatorContext = {
      config: this.config, outbox: this.#outbox, membership, inSync, cache: this.#cache, clock: this.#clock, epoch: recovered.epoch,
    };
    // The reads learn of decisions from the writes, the writes answer reads' decided values.
    let reads: ReadCoordinator | null = null;
    const writes = new WriteCoordinator(
      context,
      (decided, keyStrings) => reads!.decided(decided, keyStrings),
      (keys, deadlineTick, done) => reads!.readForUpdate(keys, deadlineTick, done),
    );
    // A replica's "damaged here" answer asks for a repair round soon (repair is made below; called later).
    reads = new ReadCoordinator(context, (keyString) => writes.decidedValue(keyString), (keyString) => writes.committingOne(keyString), () => repair.damageSeen());
    const drops = new PartitionDrops(context);
    const catchUp = new CatchUpCoordinator(context, writes, drops);
    // Collection and repair take turns (repair.ts); each asks the other through the binding of the other.
    const tombstones: TombstoneCollector = new TombstoneCollector(context, writes, () => repair.running);
    const repair: RepairCoordinator = new RepairCoordinator(context, writes, () => tombstones.collecting);
    const counts = new KeyCounter(context);
    const keyScans = new KeyScanner(context, () => writes.decidedWrites(), (keyString) => writes.decidedValue(keyString));
    const moves = new MoveCoordinator(context, drops, writes, {
      layoutChanged: (lost, removed) => {
        // Removed members are gone: what waited for them goes on without them (as for a node down).
        for (const nodeId of removed) this.#nodeDown(this.#running!, nodeId);
        // Decided transactions stop waiting for replicas that no longer hold their keys in sync
        // (lost partitions, or a dead node taken out of the in-sync sets).
        for (const nodeId of new Set([...lost, ...membership.members().map((member) => member.id)])) writes.excuse(nodeId);
        catchUp.layoutChanged();
        writes.startQueued();
      },
    });
    this.#running = { context, membership, writes, reads, counts, keyScans, inSync, catchUp, tombstones, repair, drops, moves };
    writes.recover(recovered.decisions);
    this.#outbox.log("info", "coordinator recovered", {
      epoch: recovered.epoch, members: recovered.members.length, sealed: recovered.sealed, decisionsToFinish: recovered.decisions.length,
    });
  }

  /** Until the new epoch is durable a node is asked to come back (not refused: it redials), and nothing else is heard. */
  #beforeRunning(event: Extract<CoordinatorEvent, { kind: "hello" | "connectionClosed" | "message" }>): void {
    if (this.#booting === null) throw new Error(`the coordinator got a ${event.kind} event before recovered`);
    if (event.kind === "hello") {
      this.#outbox.push({ kind: "closeConnection", connection: event.connection, reason: "the coordinator is still starting; connect again" });
    }
  }

  #client(requestId: number, op: ClientOp, deadlineTick: number): void {
    const running = this.#running;
    if (running === null) {
      return this.#outbox.push({ kind: "fail", requestId, error: clusterDown("the coordinator is still recovering; retry in a moment") });
    }
    const { membership } = running;
    if (!membership.ready) {
      const error = clusterDown(`only ${membership.joinedCount} of the ${this.config.minNodes} storage nodes needed have joined the cluster`);
      return this.#outbox.push({ kind: "fail", requestId, error });
    }
    if (op.kind === "dbsize") running.counts.request(requestId, deadlineTick);
    else if (op.kind === "scanKeys") running.keyScans.request(requestId, op, deadlineTick);
    else if (op.kind === "repair") this.#outbox.push({ kind: "reply", requestId, result: { kind: "repair", ...running.repair.start("manual") } });
    else if (op.kind === "removeNode") running.moves.remove(requestId, op.nodeId, op.dead);
    else if (isWriteOp(op)) running.writes.request(requestId, op, deadlineTick);
    else running.reads.request(requestId, op, deadlineTick);
  }

  #hello(running: Running, connection: ConnectionId, hello: unknown, proofValid: boolean): void {
    // A member that connects again while its old connection still looked up: what was in flight
    // on the old one is lost. Its reads go out again now; writes.nodeUp re-sends its transactions' messages.
    const admission = running.membership.hello(connection, hello, proofValid, this.#clock.now);
    if (admission.outcome !== "member") return;
    running.reads.nodeDown(admission.nodeId);
    running.counts.nodeDown(admission.nodeId);
    running.keyScans.nodeDown(admission.nodeId);
    running.catchUp.nodeDown(admission.nodeId);
    running.drops.nodeDown(admission.nodeId);
    running.writes.learners.dropNode(admission.nodeId);
    running.writes.nodeUp(admission.nodeId);
    running.catchUp.nodeUp(admission.nodeId);
  }

  #connectionClosed(running: Running, connection: ConnectionId): void {
    const closed = running.membership.connectionClosed(connection, this.#clock.now);
    if (closed === null || !closed.wasUp) return;
    this.#nodeDown(running, closed.nodeId);
  }

  #nodeDown(running: Running, nodeId: NodeId): void {
    running.writes.nodeDown(nodeId);
    running.reads.nodeDown(nodeId);
    running.counts.nodeDown(nodeId);
    running.keyScans.nodeDown(nodeId);
    running.catchUp.nodeDown(nodeId);
    running.tombstones.nodeDown(nodeId);
    running.repair.nodeDown(nodeId);
    running.drops.nodeDown(nodeId);
  }

  #message(running: Running, connection: ConnectionId, message: NodeToCoordinator): void {
    // Only a member's current connection speaks for it (not a refused or replaced one).
    const from = running.membership.nodeOf(connection);
    if (from === undefined) return;
    if (running.membership.heard(from, this.#clock.now)) {
      running.writes.nodeUp(from);
      running.catchUp.nodeUp(from);
    }
    switch (message.type) {
      case "vote":
        return running.writes.vote(from, message.txid, message);
      case "ack":
        return running.writes.ack(from, message.txid);
      case "inquire":
        return running.writes.inquire(from, message.txid);
      case "readReply":
        return running.reads.readReply(from, message.readId, message.values, message.damaged);
      case "countReply":
        return running.counts.countReply(from, message.countId, message.keys);
      case "partitionsCounted":
        return running.counts.partitionsCounted(from, message.countId, message.keys, message.next);
      case "applied":
        return running.writes.learners.applied(from, message.txid);
      case "scanChunk":
        if (running.keyScans.owns(message.scanId)) return running.keyScans.scanChunk(from, message.scanId, message.entries, message.next);
        return running.catchUp.scanChunk(from, message.scanId, message.entries, message.next);
      case "caughtUp":
        return running.catchUp.caughtUp(from, message.catchUpId);
      case "collected":
        return running.tombstones.collected(from, message.collectId, message.next);
      case "expired":
        return running.writes.reclaimExpired(message.keys);
      case "digestChunk":
        return running.repair.digestChunk(from, message.digestId, message.ranges, message.next, message.bytes);
      case "summaryChunk":
        return running.repair.summaryChunk(from, message.summaryId, message.keys, message.next, message.bytes);
      case "fetched":
        return running.repair.fetched(from, message.fetchId, message.entries, message.looked);
      case "fixed":
        return running.repair.fixed(from, message.fixId, message.fixed);
      case "dropped":
        return running.drops.dropped(from, message.dropId, message.next);
      case "pong":
        return;
    }
  }

  #tick(tick: number): void {
    if (tick < this.#clock.now) throw new Error(`tick went back from ${this.#clock.now} to ${tick}`);
    this.#clock.now = tick;
    const running = this.#running;
    if (running === null) return;
    for (const nodeId of running.membership.tick(tick)) this.#nodeDown(running, nodeId);
    running.inSync.shrink(tick, (nodeId) => running.writes.excuse(nodeId));
    running.catchUp.tick();
    running.drops.tick();
    running.moves.tick();
    running.tombstones.tick();
    running.repair.tick();
    running.writes.tick();
    running.reads.tick();
    running.counts.tick();
    running.keyScans.tick();
  }
}
