// Membership changes as partition moves (PROTOCOL.md, Membership changes). A change has a target
// ring; while it runs, each partition's replicas are those of the ring and of the target
// (ring-layout.ts). It goes in durable steps, each one `members` record with the in-sync records
// of the partitions it touches, written atomically:
//   1. start: the target is recorded; a replica the target adds is left out of the partition's
//      in-sync set (it learns the partition from nothing, catch-up.ts); a dead node being removed
//      leaves the in-sync sets at once.
//   2. switch: once every target replica of every partition is in sync, the target becomes the
//      ring; the replicas it drops leave the in-sync sets, removed nodes leave the membership.
//   3. cleanup: a member that lost partitions drops their data, then leaves the cleanup list.
// A coordinator that restarts recovers the record and goes on from the step it shows: learners
// start again, a switch or a cleanup is looked at again. New nodes join as standby members and are
// moved in by a change of their own; a removal is refused, with the reason, when it would leave
// some partition with fewer than W live copies.

import { errorReply, tryAgain } from "./client-errors.js";
import type { CoordinatorContext } from "./coordinator-context.js";
import type { WriteCoordinator } from "./coordinator-writes.js";
import type { PartitionDrops } from "./partition-drops.js";
import { RingLayout } from "./ring-layout.js";
import type { ClientError, LayoutRecord, MoveView, NodeId } from "./types.js";

/** What the rest of the coordinator does once a change is durable. */
export interface LayoutListener {
  /** The ring changed: `lost` are members that no longer replicate some partition, `removed` left the membership. */
  layoutChanged(lost: readonly NodeId[], removed: readonly NodeId[]): void;
}

type Change = { changes: Map<number, NodeId[]>; layout: LayoutRecord; lost: NodeId[] };

export class MoveCoordinator {
  /** Bumped by every durable layout change: a cleanup that ran across one is done again. */
  #generation = 0;
  #nextLookTick = 0;

  constructor(
    private readonly context: CoordinatorContext,
    private readonly drops: PartitionDrops,
    private readonly writes: WriteCoordinator,
    private readonly listener: LayoutListener,
  ) {}

  /** RINGKV REMOVE: starts moving the node's partitions off it (answered once that start is durable), or refuses saying why. */
  remove(requestId: number, nodeId: NodeId, dead: boolean): void {
    const { membership, outbox } = this.context;
    const refusal = this.#removalRefusal(nodeId, dead);
    if (refusal !== null) return outbox.push({ kind: "fail", requestId, error: refusal });
    const layout = membership.layout();
    if (!membership.placed(nodeId)) {
      // A standby member holds nothing: it just leaves.
      return membership.changeLayout(layout, [nodeId], [], () => this.#removed(requestId, nodeId));
    }
    const target = (layout.target ?? layout.ring).filter((node) => node !== nodeId);
    const change = this.#plan(target, dead ? nodeId : null);
    if (typeof change === "string") return outbox.push({ kind: "fail", requestId, error: change === BUSY ? busy() : errorReply(change) });
    outbox.log("info", dead ? "removing a dead node: its partitions are copied from the other replicas" : "removing a node: its partitions move off it first", {
      nodeId, target, partitions: change.changes.size,
    });
    this.#apply(change, [], () => this.#removed(requestId, nodeId));
  }

  /** Every heartbeat: standby nodes that are up join a change, a change whose target is in sync switches, members clean up. */
  tick(): void {
    const { membership, clock, config } = this.context;
    if (clock.now < this.#nextLookTick || membership.layoutPending) return;
    this.#nextLookTick = clock.now + config.heartbeatTicks;
    if (!membership.sealed) return;
    if (this.#admitStandby() || this.#switchIfInSync()) return;
    this.#cleanUp();
  }

  view(): MoveView | null {
    const { membership } = this.context;
    const layout = membership.layout();
    if (layout.target === null && layout.cleanup.length === 0) return null;
    const changed = membership.ring.changedPartitions();
    return {
      ring: [...layout.ring], target: [...(layout.target ?? layout.ring)], partitions: changed.length,
      partitionsDone: changed.filter((partition) => this.#targetInSync(partition)).length, cleanup: [...layout.cleanup],
    };
  }

  // ------------------------------------------------------------ the steps

  /** New members that are up go into the target ring. */
  #admitStandby(): boolean {
    const { membership } = this.context;
    const joining = membership.standby().filter((node) => membership.isUp(node));
    if (joining.length === 0) return false;
    const layout = membership.layout();
    const target = [...(layout.target ?? layout.ring), ...joining];
    const change = this.#plan(target, null);
    if (typeof change === "string") return change === BUSY; // busy: next heartbeat; a problem cannot happen when adding
    this.context.outbox.log("info", "new storage nodes join the ring: partitions move to them", { nodes: joining, target, partitions: change.changes.size });
    // A new node may come on a directory from an earlier life in this cluster (removed while it was
    // down): what it holds of partitions it will not replicate is dropped like any other leftover.
    change.layout.cleanup = [...new Set([...change.layout.cleanup, ...joining])];
    this.#apply(change, [], () => {});
    return true;
  }

  /** Every target replica of every partition is in sync: the target becomes the ring. */
  #switchIfInSync(): boolean {
    const { membership, inSync } = this.context;
    const layout = membership.layout();
    if (layout.target === null) return false;
    const { ring } = membership;
    const changes = new Map<number, NodeId[]>();
    for (const partition of ring.changedPartitions()) {
      if (!this.#targetInSync(partition) || inSync.isChanging(partition)) return false;
      changes.set(partition, [...ring.targetReplicasOf(partition)]);
    }
    const target = layout.target;
    const removed = layout.ring.filter((node) => !target.includes(node));
    const lost = this.#lostBy(new RingLayout(membership.placement, target, null)).filter((node) => !removed.includes(node));
    const next: LayoutRecord = { ring: [...target], target: null, cleanup: this.#cleanupWith(layout, lost, target) };
    this.context.outbox.log("info", "every partition's new replicas are in sync: switching to the new ring", { ring: target, removed, partitions: changes.size });
    this.#apply({ changes, layout: next, lost: [...lost, ...removed] }, removed, () => {
      this.context.outbox.log("info", "membership change done", { ring: target, removed });
    });
    return true;
  }

  /** A member that lost partitions drops their data; it leaves the cleanup list once that is durable. */
  #cleanUp(): void {
    const { membership } = this.context;
    const layout = membership.layout();
    for (const node of layout.cleanup) {
      if (!membership.isUp(node) || this.drops.busy(node)) continue;
      const partitions: number[] = [];
      for (let partition = 0; partition < membership.placement.partitions; partition += 1) {
        if (!membership.ring.replicasOfPartition(partition).includes(node)) partitions.push(partition);
      }
      // A transaction from before the switch may still commit there: its writes would outlive the drop.
      if (this.writes.mayWrite(node, new Set(partitions))) continue;
      const generation = this.#generation;
      this.drops.start(node, partitions, () => {
        if (generation !== this.#generation || membership.layoutPending) return; // the next heartbeat does it again
        const now = membership.layout();
        membership.changeLayout({ ...now, cleanup: now.cleanup.filter((other) => other !== node) }, [], [], () => {
          this.#generation += 1;
          this.context.outbox.log("info", "a node dropped the partitions it no longer replicates", { nodeId: node });
        });
      });
      return;
    }
  }

  // ------------------------------------------------------------ planning a change

  /**
   * The records of a change to `target` (from the ring as it is): in-sync members of every partition
   * whose replicas change, kept to the replicas it still has (without `dead`); BUSY when one of
   * them has an in-sync change being written; a problem when one would have no in-sync replica left.
   */
  #plan(target: NodeId[], dead: NodeId | null): Change | string {
    const { membership, inSync } = this.context;
    const layout = membership.layout();
    const sameAsRing = target.length === layout.ring.length && target.every((node) => layout.ring.includes(node));
    const next = new RingLayout(membership.placement, layout.ring, sameAsRing ? null : target);
    const changes = new Map<number, NodeId[]>();
    for (let partition = 0; partition < membership.placement.partitions; partition += 1) {
      const before = membership.ring.replicasOfPartition(partition);
      const after = next.replicasOfPartition(partition);
      const members = inSync.members(partition);
      const affected = !sameSet(before, after) || (dead !== null && members.includes(dead));
      if (!affected) continue;
      if (inSync.isChanging(partition)) return BUSY;
      const kept = members.filter((node) => after.includes(node) && node !== dead);
      if (kept.length === 0) return `partition ${partition} would have no in-sync replica left (in sync now: ${members.join(", ") || "none"})`;
      changes.set(partition, kept);
    }
    const lost = this.#lostBy(next);
    return { changes, layout: { ring: [...layout.ring], target: next.target === null ? null : [...target], cleanup: this.#cleanupWith(layout, lost, next.nodes()) }, lost };
  }

  /** Persists the change with its in-sync records; once durable, the rest of the coordinator hears of it. */
  #apply(change: Change, removed: NodeId[], then: () => void): void {
    const { membership, inSync } = this.context;
    const staged = change.changes.size > 0 ? inSync.stage(change.changes) : null;
    membership.changeLayout(change.layout, removed, staged === null ? [] : [staged.record], () => {
      staged?.durable();
      this.#generation += 1;
      this.listener.layoutChanged(change.lost, removed);
      then();
    });
  }

  /** Members that replicate some partition now and would not under `next`. */
  #lostBy(next: RingLayout): NodeId[] {
    const { membership } = this.context;
    const lost = new Set<NodeId>();
    for (let partition = 0; partition < membership.placement.partitions; partition += 1) {
      const after = next.replicasOfPartition(partition);
      for (const node of membership.ring.replicasOfPartition(partition)) if (!after.includes(node)) lost.add(node);
    }
    return [...lost];
  }

  /** The cleanup list with `lost` added, kept to the nodes that stay members. */
  #cleanupWith(layout: LayoutRecord, lost: readonly NodeId[], staying: readonly NodeId[]): NodeId[] {
    return [...new Set([...layout.cleanup, ...lost])].filter((node) => staying.includes(node));
  }

  #targetInSync(partition: number): boolean {
    const { membership, inSync } = this.context;
    return membership.ring.targetReplicasOf(partition).every((node) => inSync.has(partition, node));
  }

  #removed(requestId: number, nodeId: NodeId): void {
    this.context.outbox.push({ kind: "reply", requestId, result: { kind: "ok" } });
    this.context.outbox.log("info", "a node's removal is under way", { nodeId });
  }

  // ------------------------------------------------------------ removal checks

  #removalRefusal(nodeId: NodeId, dead: boolean): ClientError | null {
    const { membership, config, inSync } = this.context;
    const known = membership.members();
    if (!known.some((member) => member.id === nodeId)) {
      return errorReply(`no storage node ${JSON.stringify(nodeId)} in the cluster (members: ${known.map((member) => member.id).join(", ") || "none"})`);
    }
    if (!membership.sealed) return errorReply("nothing is stored yet: stop the node instead; a node is removed once the cluster holds data");
    if (membership.layoutPending) return busy();
    const layout = membership.layout();
    if (membership.placed(nodeId) && !(layout.target ?? layout.ring).includes(nodeId)) {
      return errorReply(`storage node ${JSON.stringify(nodeId)} is already being removed; RINGKV NODES shows the progress`);
    }
    if (!membership.placed(nodeId)) return null;
    const up = membership.isUp(nodeId);
    if (up && dead) {
      return errorReply(`storage node ${JSON.stringify(nodeId)} is up: remove it without DEAD, so that its partitions move off it first (DEAD is for a node whose disk is gone)`);
    }
    if (!up && !dead) {
      return errorReply(`storage node ${JSON.stringify(nodeId)} is down, so its partitions cannot be moved off it; if its disk is gone for good, `
        + `remove it with DEAD (ringkv remove ${nodeId} --dead) and the other replicas copy its partitions; else start it again first`);
    }
    const target = (layout.target ?? layout.ring).filter((node) => node !== nodeId);
    const copies = Math.min(config.replicas, target.length);
    if (copies < config.minInSync) {
      return errorReply(`removing ${nodeId} would leave ${target.length} storage node${target.length === 1 ? "" : "s"}, so every partition would have ${copies} `
        + `cop${copies === 1 ? "y" : "ies"}, fewer than W = ${config.minInSync} (--min-in-sync); add a node first`);
    }
    for (let partition = 0; partition < membership.placement.partitions; partition += 1) {
      const members = inSync.members(partition);
      if (!members.includes(nodeId) && !membership.ring.replicasOfPartition(partition).includes(nodeId)) continue;
      const live = members.filter((node) => node !== nodeId && membership.isUp(node));
      if (live.length < config.minInSync) {
        return errorReply(`removing ${nodeId} would leave partition ${partition} with ${live.length} live in-sync cop${live.length === 1 ? "y" : "ies"} `
          + `(${live.join(", ") || "none"}), fewer than W = ${config.minInSync} (--min-in-sync); bring its other replicas back first`);
      }
    }
    return null;
  }
}

const BUSY = "busy";

function busy(): ClientError {
  return tryAgain("a membership or in-sync change is being written right now; retry in a moment");
}

function sameSet(a: readonly NodeId[], b: readonly NodeId[]): boolean {
  return a.length === b.length && a.every((node) => b.includes(node));
}
