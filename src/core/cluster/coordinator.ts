// The coordinator machine: membership, routing, two-phase commit and linearizable reads as one
// deterministic state machine. step(event) -> effects, with no I/O, clock or randomness; the
// runtime (src/runtime) and the simulator (src/sim) feed the same events and carry out the same
// effects. The parts live in membership.ts, coordinator-writes.ts and coordinator-reads.ts.

import { clusterDown } from "./client-errors.js";
import { makeCoordinatorConfig, type CoordinatorConfig, type CoordinatorOptions } from "./config.js";
import type { CoordinatorContext } from "./coordinator-context.js";
import { ReadCoordinator } from "./coordinator-reads.js";
import { isWriteOp } from "./coordinator-txn.js";
import { WriteCoordinator } from "./coordinator-writes.js";
import { Membership } from "./membership.js";
import { Outbox } from "./outbox.js";
import { ReadCache } from "./read-cache.js";
import type {
  Bytes, ClientOp, CoordinatorEffect, CoordinatorEvent, CoordinatorRecord, CoordinatorView, MemberInfo, NodeId, NodeToCoordinator,
} from "./types.js";

type RecoveredEvent = Extract<CoordinatorEvent, { kind: "recovered" }>;

interface Running {
  readonly context: CoordinatorContext;
  readonly membership: Membership;
  readonly writes: WriteCoordinator;
  readonly reads: ReadCoordinator;
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
  #running: Running | null = null;

  constructor(options: CoordinatorOptions = {}) {
    this.config = makeCoordinatorConfig(options);
    this.#cache = new ReadCache(this.config.cache);
  }

  step(event: CoordinatorEvent): CoordinatorEffect[] {
    if (event.kind === "tick") this.#tick(event.tick);
    else if (event.kind === "recovered") this.#recover(event);
    else if (event.kind === "client") this.#client(event.requestId, event.op, event.deadlineTick);
    else {
      const running = this.#runningOrThrow(event.kind);
      if (event.kind === "persisted") this.#outbox.persisted(event.token);
      else if (event.kind === "nodeUp") this.#nodeUp(running, event.node);
      else if (event.kind === "nodeDown") this.#nodeDown(running, event.nodeId);
      else this.#message(running, event.from, event.message);
    }
    return this.#outbox.take();
  }

  view(): CoordinatorView {
    const running = this.#running;
    const writes = running?.writes.counts() ?? { transactionsInFlight: 0, decisionsUnacknowledged: 0, lockedKeys: 0 };
    const { replicas, partitions, vnodesPerNode } = this.config;
    return {
      state: running === null ? "starting" : running.membership.ready ? "serving" : "waiting-for-nodes",
      epoch: running?.context.epoch ?? 0,
      sealed: running?.membership.sealed ?? false,
      placement: running?.membership.placement ?? { replicas, partitions, vnodesPerNode },
      minNodes: this.config.minNodes,
      members: running?.membership.members() ?? [],
      ...writes,
      readsInFlight: running?.reads.inFlight ?? 0,
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

  /** Throws when internal state is inconsistent (a bug); for tests and the simulator. */
  assertInvariants(): void {
    this.#running?.writes.assertInvariants();
    this.#running?.reads.assertInvariants();
  }

  #recover(event: RecoveredEvent): void {
    if (this.#running !== null) throw new Error("the coordinator got a second recovered event");
    const membership = new Membership(this.config, this.#outbox, event);
    const context: CoordinatorContext = {
      config: this.config, outbox: this.#outbox, membership, cache: this.#cache, clock: this.#clock, epoch: event.epoch,
    };
    // The reads learn of decisions from the writes, the writes answer reads' decided values.
    let reads: ReadCoordinator | null = null;
    const writes = new WriteCoordinator(context, (decided, keyStrings) => reads!.decided(decided, keyStrings));
    reads = new ReadCoordinator(context, (keyString) => writes.decidedValue(keyString));
    this.#running = { context, membership, writes, reads };
    writes.recover(event.decisions);
    this.#outbox.log("info", "coordinator recovered", {
      epoch: event.epoch, members: event.members.length, sealed: event.sealed, decisionsToFinish: event.decisions.length,
    });
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
    if (isWriteOp(op)) running.writes.request(requestId, op, deadlineTick);
    else running.reads.request(requestId, op, deadlineTick);
  }

  #nodeUp(running: Running, node: MemberInfo): void {
    // A member that connects again while its old connection still looked up (the runtime replaces
    // it without a close): what was in flight on the old one is lost. Its reads go out again now;
    // writes.nodeUp re-sends its transactions' messages.
    const replacing = running.membership.isUp(node.id);
    if (running.membership.nodeUp(node, this.#clock.now) !== "member") return;
    if (replacing) running.reads.nodeDown(node.id);
    running.writes.nodeUp(node.id);
  }

  #nodeDown(running: Running, nodeId: NodeId): void {
    if (!running.membership.nodeDown(nodeId)) return;
    running.writes.nodeDown(nodeId);
    running.reads.nodeDown(nodeId);
  }

  #message(running: Running, from: NodeId, message: NodeToCoordinator): void {
    if (running.membership.heard(from, this.#clock.now)) running.writes.nodeUp(from);
    switch (message.type) {
      case "vote":
        return running.writes.vote(from, message.txid, message);
      case "ack":
        return running.writes.ack(from, message.txid);
      case "inquire":
        return running.writes.inquire(from, message.txid);
      case "readReply":
        return running.reads.readReply(from, message.readId, message.values);
      case "pong":
        return;
    }
  }

  #tick(tick: number): void {
    if (tick < this.#clock.now) throw new Error(`tick went back from ${this.#clock.now} to ${tick}`);
    this.#clock.now = tick;
    const running = this.#running;
    if (running === null) return;
    for (const nodeId of running.membership.tick(tick)) {
      running.writes.nodeDown(nodeId);
      running.reads.nodeDown(nodeId);
    }
    running.writes.tick();
    running.reads.tick();
  }

  #runningOrThrow(kind: string): Running {
    if (this.#running === null) throw new Error(`the coordinator got a ${kind} event before recovered`);
    return this.#running;
  }
}
