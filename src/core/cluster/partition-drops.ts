// Dropping partitions on a node (PROTOCOL.md, Membership changes): a node that is to learn a
// partition from nothing first drops whatever it holds of it (left over from an earlier time it
// replicated it), and a node that no longer replicates a partition drops it to free the space. The
// node deletes its keys of the partitions chunk by chunk (`drop` -> `dropped`, once durable), one
// chunk in flight per node, resent after readTimeoutTicks under a new id. A node that goes down
// abandons its drop; whoever asked starts it again when the node is back.

import type { CoordinatorContext } from "./coordinator-context.js";
import type { Bytes, NodeId } from "./types.js";

interface NodeDrop {
  readonly partitions: number[];
  readonly then: () => void;
  after: Bytes | null;
  dropId: number;
  sentTick: number;
}

/** Drop ids are unique across runs too: each epoch starts its own range. */
const DROP_IDS_PER_EPOCH = 2 ** 32;

export class PartitionDrops {
  readonly #byNode = new Map<NodeId, NodeDrop>();
  #nextDropId: number;

  constructor(private readonly context: CoordinatorContext) {
    this.#nextDropId = context.epoch * DROP_IDS_PER_EPOCH;
  }

  /** A drop is in progress on the node: nothing may be written to its partitions meanwhile. */
  busy(nodeId: NodeId): boolean {
    return this.#byNode.has(nodeId);
  }

  /** Starts dropping `partitions` on an up node that drops nothing now; `then` runs once every chunk is durable. */
  start(nodeId: NodeId, partitions: number[], then: () => void): void {
    if (this.#byNode.has(nodeId)) throw new Error(`invariant: a second drop started on ${nodeId}`);
    const drop: NodeDrop = { partitions, then, after: null, dropId: 0, sentTick: 0 };
    this.#byNode.set(nodeId, drop);
    this.#send(nodeId, drop);
  }

  dropped(from: NodeId, dropId: number, next: Bytes | null): void {
    const drop = this.#byNode.get(from);
    if (drop === undefined || drop.dropId !== dropId) return; // late, duplicated, or abandoned
    if (next !== null) {
      drop.after = next;
      return this.#send(from, drop);
    }
    this.#byNode.delete(from);
    drop.then();
  }

  nodeDown(nodeId: NodeId): void {
    this.#byNode.delete(nodeId);
  }

  tick(): void {
    const { clock, config } = this.context;
    for (const [node, drop] of this.#byNode) if (clock.now - drop.sentTick >= config.readTimeoutTicks) this.#send(node, drop);
  }

  #send(nodeId: NodeId, drop: NodeDrop): void {
    drop.dropId = this.#nextDropId;
    this.#nextDropId += 1;
    drop.sentTick = this.context.clock.now;
    this.context.membership.send(nodeId, {
      type: "drop", dropId: drop.dropId, partitions: drop.partitions, partitionCount: this.context.membership.placement.partitions, after: drop.after,
    });
  }
}
