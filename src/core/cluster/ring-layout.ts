// Where partitions live while the membership changes (PROTOCOL.md, Membership changes): the ring
// of the current members and, during a change, the ring of the target members. A partition's
// replicas are then the union of both (the current ones first): a replica the target adds is a
// learner until it is in sync, a replica the target removes stays until the change is switched to
// the target ring, so that no partition ever has fewer copies than before the change began.

import { Ring } from "../ring.js";
import type { NodeId, Placement } from "./types.js";

export class RingLayout {
  readonly current: Ring;
  readonly target: Ring | null;
  readonly #union: ReadonlyArray<readonly NodeId[]>;

  constructor(placement: Placement, current: readonly NodeId[], target: readonly NodeId[] | null) {
    this.current = new Ring(placement, current);
    this.target = target === null ? null : new Ring(placement, target);
    const targetRing = this.target;
    this.#union = targetRing === null
      ? Array.from({ length: placement.partitions }, (_, partition) => this.current.replicasOfPartition(partition))
      : Array.from({ length: placement.partitions }, (_, partition) => unionOf(this.current.replicasOfPartition(partition), targetRing.replicasOfPartition(partition)));
  }

  get partitions(): number {
    return this.current.partitions;
  }

  /** The nodes of the current ring and of the target. */
  nodes(): readonly NodeId[] {
    return this.target === null ? this.current.nodes() : unionOf(this.current.nodes(), this.target.nodes());
  }

  partitionOfKey(key: Uint8Array | string): number {
    return this.current.partitionOfKey(key);
  }

  /** Every replica of the partition: the current ones (primary first), then those the target adds. */
  replicasOfPartition(partition: number): readonly NodeId[] {
    const replicas = this.#union[partition];
    if (replicas === undefined) throw new RangeError(`ring layout: no partition ${partition}`);
    return replicas;
  }

  replicasForKey(key: Uint8Array | string): readonly NodeId[] {
    return this.replicasOfPartition(this.partitionOfKey(key));
  }

  /** The replicas the partition has once the change is done (the current ones when nothing changes). */
  targetReplicasOf(partition: number): readonly NodeId[] {
    return (this.target ?? this.current).replicasOfPartition(partition);
  }

  /** True when `node` replicates the partition only in the target: it learns it from nothing. */
  gains(node: NodeId, partition: number): boolean {
    return !this.current.replicasOfPartition(partition).includes(node) && this.replicasOfPartition(partition).includes(node);
  }

  /** Partitions whose replicas the change alters. */
  changedPartitions(): number[] {
    if (this.target === null) return [];
    const changed: number[] = [];
    for (let partition = 0; partition < this.partitions; partition += 1) {
      if (this.replicasOfPartition(partition).length !== this.current.replicasOfPartition(partition).length
        || this.targetReplicasOf(partition).length !== this.replicasOfPartition(partition).length) changed.push(partition);
    }
    return changed;
  }

  /** Load of every node of the target ring (the current one when nothing changes), in partitions. */
  loadByNode(): ReturnType<Ring["loadByNode"]> {
    return (this.target ?? this.current).loadByNode();
  }
}

function unionOf(first: readonly NodeId[], second: readonly NodeId[]): readonly NodeId[] {
  const extra = second.filter((node) => !first.includes(node));
  return extra.length === 0 ? first : Object.freeze([...first, ...extra]);
}
