// Tombstones are collected once every replica of their partition has them (PROTOCOL.md, In-sync
// replicas, 6). Every tombstoneCollectTicks, for the partitions whose replicas are all in sync (no
// learner, no change being written), each live replica is asked to drop, chunk by chunk, its
// tombstones older than a watermark: the oldest transaction still being decided or applied. Every
// deletion older than that was applied by every in-sync replica, and a replica that was excused from
// one has since caught up (its partition would not be fully in sync otherwise). A replica drops a
// tombstone only if nothing newer is on its way to its disk for that key.

import type { CoordinatorContext } from "./coordinator-context.js";
import type { WriteCoordinator } from "./coordinator-writes.js";
import type { Bytes, NodeId, TxnId } from "./types.js";

interface NodeRound {
  readonly partitions: number[];
  collectId: number;
  after: Bytes | null;
  sentTick: number;
}

/** Collect ids are unique across runs too: each epoch starts its own range. */
const COLLECT_IDS_PER_EPOCH = 2 ** 32;

export class TombstoneCollector {
  /** The round in progress: what each node still has to go through. */
  #round: { before: TxnId; nodes: Map<NodeId, NodeRound> } | null = null;
  #nextRoundTick: number;
  #nextCollectId: number;

  constructor(
    private readonly context: CoordinatorContext,
    private readonly writes: WriteCoordinator,
    /** True while a repair round runs (repair.ts): collection waits, so the round sees every deletion. */
    private readonly repairing: () => boolean = () => false,
  ) {
    this.#nextRoundTick = context.config.tombstoneCollectTicks;
    this.#nextCollectId = context.epoch * COLLECT_IDS_PER_EPOCH;
  }

  tick(): void {
    const { clock, config } = this.context;
    if (this.#round !== null) {
      for (const [node, round] of this.#round.nodes) if (clock.now - round.sentTick >= config.readTimeoutTicks) this.#send(node, round);
      return;
    }
    if (clock.now < this.#nextRoundTick || this.repairing()) return;
    this.#nextRoundTick = clock.now + config.tombstoneCollectTicks;
    this.#startRound();
  }

  /** A round is in progress. */
  get collecting(): boolean {
    return this.#round !== null;
  }

  collected(from: NodeId, collectId: number, next: Bytes | null): void {
    const round = this.#round?.nodes.get(from);
    if (round === undefined || round.collectId !== collectId) return;
    if (next === null) return this.#done(from);
    round.after = next;
    this.#send(from, round);
  }

  /** A node went down: it collects in a later round. */
  nodeDown(nodeId: NodeId): void {
    if (this.#round?.nodes.has(nodeId)) this.#done(nodeId);
  }

  #startRound(): void {
    const { inSync, membership } = this.context;
    const byNode = new Map<NodeId, number[]>();
    for (let partition = 0; partition < membership.placement.partitions; partition += 1) {
      const replicas = membership.ring.replicasOfPartition(partition);
      const settled = inSync.members(partition).length === replicas.length && inSync.learners(partition).size === 0
        && !inSync.isChanging(partition) && !inSync.isFenced(partition);
      if (!settled) continue;
      for (const node of replicas) {
        if (!membership.isUp(node)) continue;
        let partitions = byNode.get(node);
        if (partitions === undefined) byNode.set(node, (partitions = []));
        partitions.push(partition);
      }
    }
    if (byNode.size === 0) return;
    this.#round = { before: this.writes.tombstoneWatermark(), nodes: new Map() };
    for (const [node, partitions] of byNode) {
      const round: NodeRound = { partitions, collectId: 0, after: null, sentTick: 0 };
      this.#round.nodes.set(node, round);
      this.#send(node, round);
    }
  }

  #send(node: NodeId, round: NodeRound): void {
    round.collectId = this.#nextCollectId;
    this.#nextCollectId += 1;
    round.sentTick = this.context.clock.now;
    this.context.membership.send(node, {
      type: "collect", collectId: round.collectId, partitions: round.partitions, partitionCount: this.context.membership.placement.partitions,
      before: this.#round!.before, after: round.after,
    });
  }

  #done(node: NodeId): void {
    this.#round!.nodes.delete(node);
    if (this.#round!.nodes.size === 0) this.#round = null;
  }
}
