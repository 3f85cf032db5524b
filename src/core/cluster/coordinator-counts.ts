// DBSIZE in a cluster: the coordinator asks every storage node how many keys it holds, over the
// cluster link, and answers the sum over R (each key lives on R nodes). Exact once every replica
// has applied every commit; it needs every node, since a node's keys are not counted elsewhere.

import { deadlinePassed, tryAgain } from "./client-errors.js";
import type { CoordinatorContext } from "./coordinator-context.js";
import { TickTimers } from "./tick-timers.js";
import type { ClientError, NodeId } from "./types.js";

interface CountRequest {
  readonly requestId: number;
  readonly waiting: Set<NodeId>;
  readonly timeoutTick: number;
  readonly deadlineTick: number;
  keys: number;
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
    const timeoutTick = Math.min(deadlineTick, clock.now + config.readTimeoutTicks);
    this.#requests.set(countId, { requestId, waiting: new Set(members.map((member) => member.id)), timeoutTick, deadlineTick, keys: 0 });
    this.#timers.set(countId, timeoutTick);
    for (const member of members) membership.send(member.id, { type: "count", countId });
  }

  countReply(from: NodeId, countId: number, keys: unknown): void {
    const request = this.#requests.get(countId);
    if (request === undefined || !request.waiting.has(from)) return;
    if (typeof keys !== "number" || !Number.isSafeInteger(keys) || keys < 0) {
      return this.context.outbox.log("warn", "a malformed key count", { from, countId });
    }
    request.waiting.delete(from);
    request.keys += keys;
    if (request.waiting.size > 0) return;
    this.#end(countId);
    const count = Math.round(request.keys / this.context.membership.placement.replicas);
    this.context.outbox.push({ kind: "reply", requestId: request.requestId, result: { kind: "count", count } });
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

  #end(countId: number): void {
    this.#requests.delete(countId);
    this.#timers.cancel(countId);
  }

  #fail(requestId: number, error: ClientError): void {
    this.context.outbox.push({ kind: "fail", requestId, error });
  }
}
