// Commits for learners (PROTOCOL.md, In-sync replicas): a replica catching up on a partition gets
// the writes of every transaction decided on it from the moment it became a learner, as `apply`,
// re-sent until `applied`. They hold no key lock and no transaction waits for them; a learner
// rejoins the in-sync set only once none is outstanding for the partition (catch-up.ts, the fence).

import type { CoordinatorContext } from "./coordinator-context.js";
import { TickTimers } from "./tick-timers.js";
import type { NodeId, TxnId, TxnWrite } from "./types.js";

interface PendingApply {
  readonly txid: TxnId;
  readonly node: NodeId;
  readonly writes: TxnWrite[];
  readonly partitions: ReadonlySet<number>;
}

export class LearnerApplies {
  readonly #pending = new Map<string, PendingApply>();
  readonly #timers = new TickTimers<string>();

  constructor(private readonly context: CoordinatorContext) {}

  get size(): number {
    return this.#pending.size;
  }

  /**
   * A transaction is decided: each learner of a partition it writes (or only `onlyNode`, a learner
   * just starting) gets its writes in the partitions it learns. `keyPartitions` aligns with `writes`.
   */
  feed(txid: TxnId, writes: readonly TxnWrite[], keyPartitions: readonly number[], onlyNode?: NodeId): void {
    const byNode = new Map<NodeId, { writes: TxnWrite[]; partitions: Set<number> }>();
    writes.forEach((write, index) => {
      const partition = keyPartitions[index]!;
      for (const node of this.context.inSync.learners(partition)) {
        if (onlyNode !== undefined && node !== onlyNode) continue;
        let share = byNode.get(node);
        if (share === undefined) byNode.set(node, (share = { writes: [], partitions: new Set() }));
        share.writes.push(write);
        share.partitions.add(partition);
      }
    });
    for (const [node, share] of byNode) {
      const name = nameOf(txid, node);
      this.#pending.set(name, { txid, node, ...share });
      this.#send(name);
    }
  }

  applied(from: NodeId, txid: TxnId): void {
    const name = nameOf(txid, from);
    this.#pending.delete(name);
    this.#timers.cancel(name);
  }

  /** A learner went down: it stops learning, and its outstanding applies go with it. */
  dropNode(nodeId: NodeId): void {
    for (const [name, apply] of this.#pending) {
      if (apply.node !== nodeId) continue;
      this.#pending.delete(name);
      this.#timers.cancel(name);
    }
  }

  /** Applies the learner has not confirmed for the partition. */
  outstanding(nodeId: NodeId, partition: number): boolean {
    for (const apply of this.#pending.values()) if (apply.node === nodeId && apply.partitions.has(partition)) return true;
    return false;
  }

  /** Applies outstanding for one learner. */
  countFor(nodeId: NodeId): number {
    let count = 0;
    for (const apply of this.#pending.values()) if (apply.node === nodeId) count += 1;
    return count;
  }

  tick(): void {
    for (const name of this.#timers.due(this.context.clock.now)) if (this.#pending.has(name)) this.#send(name);
  }

  #send(name: string): void {
    const apply = this.#pending.get(name)!;
    this.context.membership.send(apply.node, { type: "apply", txid: apply.txid, writes: apply.writes });
    this.#timers.set(name, this.context.clock.now + this.context.config.resendTicks);
  }
}

function nameOf(txid: TxnId, node: NodeId): string {
  return `${txid}@${node}`;
}
