// Each partition's in-sync replicas (PROTOCOL.md, In-sync replicas): the replicas that hold every
// acknowledged write of it. Writes prepare on them and reads go to them. A replica down longer than
// replicaTimeoutTicks leaves the in-sync sets it is in, while at least minInSync remain, by a
// durable `inSync` record: only once that is durable does a write count on the smaller set. A
// replica that is up but not in sync is a learner (catch-up.ts) until it rejoins, the same way.
// A partition without a record has every replica in sync.

import type { CoordinatorConfig } from "./config.js";
import type { CoordinatorOutbox } from "./outbox.js";
import type { Membership } from "./membership.js";
import type { CoordinatorRecord, InSyncRecord, NodeId, PartitionState } from "./types.js";

export class InSyncSets {
  readonly #records = new Map<number, InSyncRecord>();
  readonly #learners = new Map<number, Set<NodeId>>();
  /** Partitions whose next record is being persisted: no other change starts on them meanwhile. */
  readonly #changing = new Set<number>();
  /** Partitions whose new transactions wait (a learner is about to join). */
  readonly #fenced = new Set<number>();
  #nextShrinkCheckTick = 0;

  constructor(
    private readonly config: CoordinatorConfig,
    private readonly outbox: CoordinatorOutbox,
    private readonly membership: Membership,
    recovered: readonly InSyncRecord[],
  ) {
    for (const record of recovered) this.#records.set(record.partition, record);
  }

  /** The in-sync members of `partition`, in replica order (primary first). */
  members(partition: number): readonly NodeId[] {
    const replicas = this.membership.ring.replicasOfPartition(partition);
    const record = this.#records.get(partition);
    // A record names nodes of the ring it was made with; only its replicas in today's ring count.
    return record === undefined ? replicas : replicas.filter((node) => record.members.includes(node));
  }

  has(partition: number, nodeId: NodeId): boolean {
    return this.members(partition).includes(nodeId);
  }

  /** True when some replica of `partition` is out of sync (a deletion must then leave a tombstone). */
  degraded(partition: number): boolean {
    return this.#records.has(partition) && this.members(partition).length < this.membership.ring.replicasOfPartition(partition).length;
  }

  learners(partition: number): ReadonlySet<NodeId> {
    return this.#learners.get(partition) ?? EMPTY;
  }

  addLearner(partition: number, nodeId: NodeId): void {
    let learners = this.#learners.get(partition);
    if (learners === undefined) this.#learners.set(partition, (learners = new Set()));
    learners.add(nodeId);
  }

  removeLearner(partition: number, nodeId: NodeId): void {
    const learners = this.#learners.get(partition);
    learners?.delete(nodeId);
    if (learners?.size === 0) this.#learners.delete(partition);
  }

  isFenced(partition: number): boolean {
    return this.#fenced.has(partition);
  }

  fence(partition: number): void {
    this.#fenced.add(partition);
  }

  unfence(partition: number): void {
    this.#fenced.delete(partition);
  }

  isChanging(partition: number): boolean {
    return this.#changing.has(partition);
  }

  /**
   * Removes every replica down for replicaTimeoutTicks from the in-sync sets it is in, while at
   * least minInSync remain; `removed(node, partitions)` runs once each change is durable.
   */
  shrink(now: number, removed: (nodeId: NodeId, partitions: number[]) => void): void {
    if (now < this.#nextShrinkCheckTick) return;
    this.#nextShrinkCheckTick = now + this.config.heartbeatTicks;
    for (const nodeId of this.membership.downFor(this.config.replicaTimeoutTicks, now)) {
      const changes = new Map<number, NodeId[]>();
      for (let partition = 0; partition < this.membership.placement.partitions; partition += 1) {
        const members = this.members(partition);
        if (!members.includes(nodeId) || this.#changing.has(partition) || members.length - 1 < this.config.minInSync) continue;
        changes.set(partition, members.filter((member) => member !== nodeId));
      }
      if (changes.size === 0) continue;
      this.outbox.log("warn", "a replica left the in-sync sets of its partitions: it was down too long; writes go on without it", {
        nodeId, partitions: changes.size, minInSync: this.config.minInSync,
      });
      this.change(changes, () => removed(nodeId, [...changes.keys()]));
    }
  }

  /** Persists new members for some partitions; they count (and `then` runs) only once durable. */
  change(changes: ReadonlyMap<number, NodeId[]>, then: () => void): void {
    const staged = this.stage(changes);
    this.outbox.persist([staged.record], () => {
      staged.durable();
      then();
    });
  }

  /**
   * The record of new members for some partitions, to persist with others (a membership change);
   * the partitions count as changing until `durable()`, called once the record is on disk.
   */
  stage(changes: ReadonlyMap<number, NodeId[]>): { record: CoordinatorRecord; durable: () => void } {
    const records = [...changes].map(([partition, members]): InSyncRecord => ({
      partition, epoch: (this.#records.get(partition)?.epoch ?? 0) + 1, members,
    }));
    for (const partition of changes.keys()) this.#changing.add(partition);
    return {
      record: { type: "inSync", partitions: records },
      durable: () => {
        for (const record of records) {
          this.#records.set(record.partition, record);
          this.#changing.delete(record.partition);
        }
      },
    };
  }

  /** Every partition's replicas, in-sync members, epoch and learners. */
  states(): PartitionState[] {
    const { ring, placement } = this.membership;
    return Array.from({ length: placement.partitions }, (_, partition) => ({
      partition,
      replicas: [...ring.replicasOfPartition(partition)],
      inSync: [...this.members(partition)],
      epoch: this.#records.get(partition)?.epoch ?? 0,
      learners: [...this.learners(partition)],
    }));
  }

  /** For a node: partitions it replicates, how many it is in sync for, and how many it is learning. */
  nodeCounts(nodeId: NodeId): { replica: number; inSync: number; learning: number } {
    const counts = { replica: 0, inSync: 0, learning: 0 };
    for (let partition = 0; partition < this.membership.placement.partitions; partition += 1) {
      if (!this.membership.ring.replicasOfPartition(partition).includes(nodeId)) continue;
      counts.replica += 1;
      if (this.has(partition, nodeId)) counts.inSync += 1;
      else if (this.learners(partition).has(nodeId)) counts.learning += 1;
    }
    return counts;
  }

  /** Partitions with fewer in-sync members than replicas. */
  underReplicated(): number {
    let count = 0;
    for (const partition of this.#records.keys()) if (this.degraded(partition)) count += 1;
    return count;
  }
}

const EMPTY: ReadonlySet<NodeId> = new Set();
