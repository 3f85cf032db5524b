// DBSIZE in a cluster: the coordinator asks every storage node how many keys it holds, over the
// cluster link, and answers the sum over R (each key lives on R nodes). Exact once every replica
// has applied every commit; it needs every node, since a node's keys are not counted elsewhere.
// While some partition has other copies than its R in-sync replicas (a move copies it to its new
// replica before the old one drops it; a learner holds part of it), the sum over R would count its
// keys more than R times: then each partition is counted on one in-sync replica only, every node
// scanning the partitions it counts chunk by chunk, and the answer is the sum.

import { deadlinePassed, tryAgain } from "./client-errors.js";
import type { CoordinatorContext } from "./coordinator-context.js";
import { TickTimers } from "./tick-timers.js";
import type { Bytes, ClientError, NodeId } from "./types.js";

interface CountRequest {
  readonly requestId: number;
  readonly waiting: Set<NodeId>;
  readonly deadlineTick: number;
  keys: number;
  /** Counted per partition: the partitions each node counts (null: every node counts all it holds). */
  readonly shares: ReadonlyMap<NodeId, number[]> | null;
}

/** Count ids are unique across runs too: each epoch starts its own range. */
const COUNT_IDS_PER_EPOCH = 2 ** 32;

export class KeyCounter {
  readonly #requests = new Map<number, CountRequest>();
  readonly #timers = new TickTimers<number>();
  #nextCountId: number;

  constructor(private readonly context: CoordinatorContext) {
    this.#nextCountId = context.epoch * COUNT_IDS_PER_EPOCH;
  }

  get inFlight(): number {
    return this.#requests.size;
  }

  request(requestId: number, deadlineTick: number): void {
    const { membership, config, clock } = this.context;
    const members = membership.members();
    const down = members.filter((member) => !member.up);
    if (down.length > 0) {
      const names = down.map((member) => membership.describe(member.id)).join(", ");
      return this.#fail(requestId, tryAgain(`DBSIZE needs every storage node; ${down.length} of ${members.length} are down: ${names}`));
    }
    if (this.#requests.size >= config.readsInFlightMax) {
      return this.#fail(requestId, tryAgain(`too many DBSIZE requests in flight: ${this.#requests.size} (limit readsInFlightMax ${config.readsInFlightMax})`));
    }
    const countId = this.#nextCountId;
    this.#nextCountId += 1;
    const shares = this.#extraCopies() ? this.#shares() : null;
    const waiting = new Set(shares === null ? members.map((member) => member.id) : shares.keys());
    this.#requests.set(countId, { requestId, waiting, deadlineTick, keys: 0, shares });
    this.#timers.set(countId, Math.min(deadlineTick, clock.now + config.readTimeoutTicks));
    if (shares === null) for (const member of members) membership.send(member.id, { type: "count", countId });
    for (const node of shares?.keys() ?? []) this.#countPartitions(countId, node, null);
    if (waiting.size === 0) this.#answer(countId, 0);
  }

  countReply(from: NodeId, countId: number, keys: unknown): void {
    const request = this.#requests.get(countId);
    if (request === undefined || request.shares !== null || !request.waiting.has(from)) return;
    if (typeof keys !== "number" || !Number.isSafeInteger(keys) || keys < 0) {
      return this.context.outbox.log("warn", "a malformed key count", { from, countId });
    }
    request.waiting.delete(from);
    request.keys += keys;
    if (request.waiting.size === 0) this.#answer(countId, Math.round(request.keys / this.context.membership.placement.replicas));
  }

  /** A chunk of a node's count of its partitions: the next is asked for, or the node is done. */
  partitionsCounted(from: NodeId, countId: number, keys: unknown, next: Bytes | null): void {
    const request = this.#requests.get(countId);
    if (request === undefined || request.shares === null || !request.waiting.has(from)) return;
    if (typeof keys !== "number" || !Number.isSafeInteger(keys) || keys < 0) {
      return this.context.outbox.log("warn", "a malformed key count", { from, countId });
    }
    request.keys += keys;
    if (next !== null) return this.#countPartitions(countId, from, next);
    request.waiting.delete(from);
    if (request.waiting.size === 0) this.#answer(countId, request.keys);
  }

  /** A node went down: the counts waiting for it cannot finish. */
  nodeDown(nodeId: NodeId): void {
    for (const [countId, request] of this.#requests) {
      if (!request.waiting.has(nodeId)) continue;
      this.#end(countId);
      this.#fail(request.requestId, tryAgain(`storage node ${this.context.membership.describe(nodeId)} went down while DBSIZE counted its keys`));
    }
  }

  tick(): void {
    for (const countId of this.#timers.due(this.context.clock.now)) {
      const request = this.#requests.get(countId)!;
      this.#end(countId);
      const silent = [...request.waiting].join(", ");
      const error = this.context.clock.now >= request.deadlineTick
        ? deadlinePassed(`DBSIZE: no key count from ${silent} before the deadline`, false)
        : tryAgain(`DBSIZE: no key count from ${silent} in time`);
      this.#fail(request.requestId, error);
    }
  }

  /**
   * True while some partition may be held by other nodes than its in-sync replicas, or by fewer: a
   * membership change in progress or cleaning up, a learner, or a replica out of sync.
   */
  #extraCopies(): boolean {
    const { membership, inSync } = this.context;
    const layout = membership.layout();
    if (layout.target !== null || layout.cleanup.length > 0) return true;
    return inSync.states().some((state) => state.learners.length > 0 || state.inSync.length !== state.replicas.length);
  }

  /** Each partition counted once, on its first in-sync replica: the partitions each node counts. */
  #shares(): Map<NodeId, number[]> {
    const { membership, inSync } = this.context;
    const shares = new Map<NodeId, number[]>();
    for (let partition = 0; partition < membership.placement.partitions; partition += 1) {
      const counter = inSync.members(partition)[0];
      if (counter === undefined) continue;
      const share = shares.get(counter) ?? [];
      share.push(partition);
      shares.set(counter, share);
    }
    return shares;
  }

  /** Asks `node` for the next chunk of its count, and gives the request another read timeout. */
  #countPartitions(countId: number, node: NodeId, after: Bytes | null): void {
    const request = this.#requests.get(countId)!;
    const { membership, config, clock } = this.context;
    this.#timers.set(countId, Math.min(request.deadlineTick, clock.now + config.readTimeoutTicks));
    membership.send(node, { type: "countPartitions", countId, partitions: request.shares!.get(node)!, partitionCount: membership.placement.partitions, after });
  }

  #answer(countId: number, count: number): void {
    const request = this.#requests.get(countId)!;
    this.#end(countId);
    this.context.outbox.push({ kind: "reply", requestId: request.requestId, result: { kind: "count", count } });
  }

  #end(countId: number): void {
    this.#requests.delete(countId);
    this.#timers.cancel(countId);
  }

  #fail(requestId: number, error: ClientError): void {
    this.context.outbox.push({ kind: "fail", requestId, error });
  }
}
