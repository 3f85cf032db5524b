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
  /** Outstanding applies per learner: checked every tick, so kept rather than counted. */
  readonly #counts = new Map<NodeId, number>();

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
      if (!this.#pending.has(name)) this.#counts.set(node, this.countFor(node) + 1);
      this.#pending.set(name, { txid, node, ...share });
      this.#send(name);
    }
  }

  applied(from: NodeId, txid: TxnId): void {
    this.#forget(nameOf(txid, from));
  }

  /** A learner went down: it stops learning, and its outstanding applies go with it. */
  dropNode(nodeId: NodeId): void {
    for (const [name, apply] of this.#pending) if (apply.node === nodeId) this.#forget(name);
  }

  /** The partitions for which the learner has applies it has not confirmed (one pass for all of them). */
  outstandingPartitions(nodeId: NodeId): Set<number> {
    const partitions = new Set<number>();
    if (this.countFor(nodeId) === 0) return partitions;
    for (const apply of this.#pending.values()) if (apply.node === nodeId) for (const partition of apply.partitions) partitions.add(partition);
    return partitions;
  }

  /** Applies outstanding for one learner. */
  countFor(nodeId: NodeId): number {
    return this.#counts.get(nodeId) ?? 0;
  }

  #forget(name: string): void {
    const apply = this.#pending.get(name);
    if (apply === undefined) return;
    this.#pending.delete(name);
    this.#timers.cancel(name);
    const left = this.countFor(apply.node) - 1;
    if (left === 0) this.#counts.delete(apply.node);
    else this.#counts.set(apply.node, left);
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
