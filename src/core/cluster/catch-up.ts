// Catch-up (PROTOCOL.md, In-sync replicas): a replica that is up but out of sync for some partitions
// learns what it missed, then rejoins their in-sync sets.
//
// 1. It becomes a learner of those partitions: from then on every decided transaction on them
//    reaches it as `apply` (learner-applies.ts), including those decided but not yet acknowledged.
// 2. An in-sync replica (the source) is scanned for the partitions' entries, chunk by chunk, and
//    each chunk goes to the learner as `catchUp`; the learner keeps only entries newer than its own,
//    so the stream and the applies may cross in any order. One chunk is in flight per source, and
//    the bytes forwarded are throttled (catchUpBytesPerSecond).
// 3. Once a partition is streamed it is fenced: its new transactions wait, queued, until every
//    transaction already started on it is decided and every apply to the learner is acknowledged.
//    Then the learner is added to the in-sync set by a durable record, and the fence lifts.
// A learner or a source that goes down ends or restarts its part; learners are not durable: after
// a coordinator restart catch-up starts again from the scan. A partition a node gains in a
// membership change is learned the same way, from nothing: the node first drops what it holds of it.

import type { CoordinatorContext } from "./coordinator-context.js";
import type { WriteCoordinator } from "./coordinator-writes.js";
import type { PartitionDrops } from "./partition-drops.js";
import type { Bytes, NodeId, VersionedEntry } from "./types.js";

/** One source's share of a learner's partitions, scanned in key order. */
interface Stream {
  /** Changes only when a stream without a source splits by the sources now up. */
  readonly partitions: number[];
  source: NodeId | null;
  /** The last key scanned (null: from the start). */
  after: Bytes | null;
  /** What it waits for: a scan's chunk, the learner's caughtUp, budget, or a source. */
  state: "scan" | "catchUp" | "throttled" | "noSource" | "done";
  requestId: number;
  sentTick: number;
  /** The chunk being written by the learner (kept to resend it). */
  entries: VersionedEntry[];
  /** The scan had no more keys after this chunk. */
  last: boolean;
}

interface Learning {
  readonly node: NodeId;
  readonly streams: Stream[];
  /** Partitions fully streamed, waiting for their fence to let the learner in. */
  readonly streamed: Set<number>;
  readonly partitions: number;
  keys: number;
  bytes: number;
}

export interface CatchUpView {
  node: NodeId;
  /** Partitions it is learning, and how many of them are streamed (waiting to rejoin). */
  partitions: number;
  streamed: number;
  keys: number;
  bytes: number;
}

/** A partition's fence for its learner to join: raised at `sinceTick`, the tries it took so far, when it may be raised again. */
interface Fence {
  sinceTick: number;
  tries: number;
  retryTick: number;
}

/** A fence's try is allowed at most fenceTicks × 2^this. */
const FENCE_TRIES_DOUBLED = 5;

/** Request ids are unique across runs too: each epoch starts its own range. */
const REQUEST_IDS_PER_EPOCH = 2 ** 32;

export class CatchUpCoordinator {
  readonly #learning = new Map<NodeId, Learning>();
  /** Which stream each request in flight belongs to. */
  readonly #requests = new Map<number, { node: NodeId; stream: Stream }>();
  readonly #fences = new Map<number, Fence>();
  #nextRequestId: number;
  #budgetBytes: number;
  #nextLookTick = 0;

  /** Partitions each node has dropped this run before learning them from nothing (still in its replicas since). */
  readonly #cleared = new Map<NodeId, Set<number>>();

  constructor(
    private readonly context: CoordinatorContext,
    private readonly writes: WriteCoordinator,
    private readonly drops: PartitionDrops,
  ) {
    this.#nextRequestId = context.epoch * REQUEST_IDS_PER_EPOCH;
    this.#budgetBytes = this.#budgetMax;
  }

  /**
   * A member is up: it learns every partition it replicates but is not in sync for. A partition it
   * gains in a membership change it learns from nothing: it first drops whatever it still holds of
   * it (from an earlier time it replicated it), once per coordinator run.
   */
  nodeUp(nodeId: NodeId): void {
    if (this.#learning.has(nodeId) || this.drops.busy(nodeId)) return;
    const { inSync, membership } = this.context;
    const partitions = new Set<number>();
    for (let partition = 0; partition < membership.placement.partitions; partition += 1) {
      if (!membership.ring.replicasOfPartition(partition).includes(nodeId) || inSync.has(partition, nodeId)) continue;
      if (inSync.isChanging(partition)) continue; // its in-sync record is being written: look again later
      partitions.add(partition);
    }
    if (partitions.size === 0) return;
    const cleared = this.#cleared.get(nodeId);
    const toClear = [...partitions].filter((partition) => membership.ring.gains(nodeId, partition) && cleared?.has(partition) !== true);
    if (toClear.length > 0) {
      this.context.outbox.log("info", "a node drops what it held of the partitions it is about to learn", { nodeId, partitions: toClear.length });
      return this.drops.start(nodeId, toClear, () => {
        let marks = this.#cleared.get(nodeId);
        if (marks === undefined) this.#cleared.set(nodeId, (marks = new Set()));
        for (const partition of toClear) marks.add(partition);
        this.nodeUp(nodeId);
      });
    }
    for (const partition of partitions) inSync.addLearner(partition, nodeId);
    this.writes.feedNewLearner(nodeId, partitions);
    const learning: Learning = { node: nodeId, streams: [], streamed: new Set(), partitions: partitions.size, keys: 0, bytes: 0 };
    for (const [source, group] of this.#bySource(nodeId, [...partitions])) learning.streams.push(this.#newStream(group, source));
    this.#learning.set(nodeId, learning);
    this.context.outbox.log("info", "a replica is catching up on the partitions it missed", { nodeId, partitions: partitions.size });
    for (const stream of learning.streams) this.#advance(learning, stream);
  }

  /** A node went down: as a learner it stops (its partitions stay out of sync); as a source its streams start over elsewhere. */
  nodeDown(nodeId: NodeId): void {
    const learning = this.#learning.get(nodeId);
    if (learning !== undefined) this.#stop(learning, "it went down");
    for (const other of this.#learning.values()) {
      for (const stream of other.streams) {
        if (stream.source !== nodeId || stream.state === "done") continue;
        this.#restart(stream);
        this.#advance(other, stream);
      }
    }
  }

  scanChunk(from: NodeId, requestId: number, entries: VersionedEntry[], next: Bytes | null): void {
    const request = this.#requests.get(requestId);
    if (request === undefined || request.stream.state !== "scan" || request.stream.source !== from) return;
    this.#requests.delete(requestId);
    const learning = this.#learning.get(request.node)!;
    const { stream } = request;
    stream.after = next;
    stream.last = next === null;
    if (entries.length === 0) return this.#chunkTaken(learning, stream);
    const bytes = entries.reduce((sum, entry) => sum + entry.key.length + (entry.value?.length ?? 0), 0);
    this.#budgetBytes -= bytes;
    learning.keys += entries.length;
    learning.bytes += bytes;
    stream.entries = entries;
    stream.state = "catchUp";
    this.#sendCatchUp(learning, stream);
  }

  caughtUp(from: NodeId, requestId: number): void {
    const request = this.#requests.get(requestId);
    if (request === undefined || request.node !== from || request.stream.state !== "catchUp") return;
    this.#requests.delete(requestId);
    request.stream.entries = [];
    this.#chunkTaken(this.#learning.get(from)!, request.stream);
  }

  tick(): void {
    const { config, clock, membership } = this.context;
    // Every heartbeat, a member that is up and not learning is looked at again: a partition skipped
    // when it came up (its in-sync record was being written) or left out of sync since then.
    if (clock.now >= this.#nextLookTick) {
      this.#nextLookTick = clock.now + config.heartbeatTicks;
      for (const member of membership.members()) if (member.up && member.joined) this.nodeUp(member.id);
    }
    this.#budgetBytes = Math.min(this.#budgetMax, this.#budgetBytes + Math.ceil(config.catchUpBytesPerSecond / config.ticksPerSecond));
    for (const learning of [...this.#learning.values()]) {
      if (this.writes.learners.countFor(learning.node) > config.transactionsInFlightMax) {
        this.#stop(learning, "it fell too far behind the new writes");
        continue;
      }
      for (const stream of learning.streams) {
        const lost = (stream.state === "scan" || stream.state === "catchUp") && this.context.clock.now - stream.sentTick >= config.readTimeoutTicks;
        // A request not answered in time is sent again under its own id: the answer to either
        // counts, so a busy node's late answer is not thrown away and its work done twice.
        if (lost) this.#send(learning, stream);
        else if (stream.state === "throttled" || stream.state === "noSource") this.#advance(learning, stream);
      }
      this.#tryRejoin(learning);
    }
  }

  /**
   * The layout changed (a membership change started or was switched to): every catch-up starts over
   * with the new replicas and sources (at the next heartbeat), and a node keeps its drop marks only
   * for partitions it still replicates.
   */
  layoutChanged(): void {
    for (const learning of [...this.#learning.values()]) this.#stop(learning, "the ring changed");
    const { ring } = this.context.membership;
    for (const [node, marks] of this.#cleared) {
      for (const partition of marks) if (!ring.replicasOfPartition(partition).includes(node)) marks.delete(partition);
    }
  }

  views(): CatchUpView[] {
    return [...this.#learning.values()].map((learning) => ({
      node: learning.node, partitions: learning.partitions, streamed: learning.streamed.size, keys: learning.keys, bytes: learning.bytes,
    }));
  }

  // ------------------------------------------------------------ streaming

  get #budgetMax(): number {
    return this.context.config.catchUpBytesPerSecond;
  }

  /** Groups partitions by the in-sync replica to stream them from (null: none is up now). */
  #bySource(learner: NodeId, partitions: number[]): Map<NodeId | null, number[]> {
    const groups = new Map<NodeId | null, number[]>();
    for (const partition of partitions) {
      const source = this.context.inSync.members(partition).find((node) => node !== learner && this.context.membership.isUp(node)) ?? null;
      let group = groups.get(source);
      if (group === undefined) groups.set(source, (group = []));
      group.push(partition);
    }
    return groups;
  }

  #newStream(partitions: number[], source: NodeId | null): Stream {
    return { partitions, source, after: null, state: source === null ? "noSource" : "throttled", requestId: 0, sentTick: 0, entries: [], last: false };
  }

  /**
   * Gives a stream without a source one that is up and in sync for its partitions. When no one
   * node serves them all any more, the stream splits: one stream per source (and one for the
   * partitions none serves now, which waits). False when this stream still has no source.
   */
  #findSource(learning: Learning, stream: Stream): boolean {
    const groups = [...this.#bySource(learning.node, stream.partitions)];
    const [first, ...others] = groups.sort(([a], [b]) => (a === null ? 1 : b === null ? -1 : 0));
    stream.partitions.splice(0, stream.partitions.length, ...first![1]);
    stream.source = first![0];
    for (const [source, partitions] of others) {
      const split = this.#newStream(partitions, source);
      learning.streams.push(split);
      if (source !== null) this.#advance(learning, split);
    }
    if (stream.source === null) return false;
    stream.state = "throttled";
    return true;
  }

  /** The stream's source went down: it starts over, from another source when one is up. */
  #restart(stream: Stream): void {
    stream.source = null;
    stream.after = null;
    stream.entries = [];
    stream.state = "noSource";
  }

  /** Sends the stream's next request, as its state and the budget allow. */
  #advance(learning: Learning, stream: Stream): void {
    if (stream.state === "noSource" && !this.#findSource(learning, stream)) return;
    if (stream.state === "catchUp") return this.#sendCatchUp(learning, stream);
    if (stream.state === "done" || this.#budgetBytes <= 0) {
      if (stream.state !== "done") stream.state = "throttled";
      return;
    }
    stream.state = "scan";
    stream.requestId = this.#newRequest(learning.node, stream);
    this.#send(learning, stream);
  }

  #sendCatchUp(learning: Learning, stream: Stream): void {
    stream.requestId = this.#newRequest(learning.node, stream);
    this.#send(learning, stream);
  }

  /** Sends the stream's request in flight (a scan to its source, or its chunk to the learner). */
  #send(learning: Learning, stream: Stream): void {
    stream.sentTick = this.context.clock.now;
    const { membership, config } = this.context;
    if (stream.state === "catchUp") return membership.send(learning.node, { type: "catchUp", catchUpId: stream.requestId, entries: stream.entries });
    membership.send(stream.source!, {
      type: "scan", scanId: stream.requestId, partitions: stream.partitions, partitionCount: membership.placement.partitions,
      after: stream.after, bytesMax: config.catchUpChunkBytes,
    });
  }

  #newRequest(node: NodeId, stream: Stream): number {
    this.#requests.delete(stream.requestId);
    const requestId = this.#nextRequestId;
    this.#nextRequestId += 1;
    this.#requests.set(requestId, { node, stream });
    return requestId;
  }

  /** The learner holds the chunk: scan on, or the stream is done and its partitions wait to rejoin. */
  #chunkTaken(learning: Learning, stream: Stream): void {
    if (!stream.last) {
      stream.state = "throttled";
      return this.#advance(learning, stream);
    }
    stream.state = "done";
    for (const partition of stream.partitions) learning.streamed.add(partition);
    this.#tryRejoin(learning);
  }

  // ------------------------------------------------------------ rejoining

  /**
   * Streamed partitions are fenced; each whose started transactions are all decided and whose
   * applies to the learner are all acknowledged joins the in-sync set by one durable record. A
   * fence holds writes to its partition only for a moment: one that has not drained within its
   * try's time is lifted (the waiting writes go on) and raised again later, each try allowed twice
   * as long as the last, so that a busy partition still gets its learner in.
   */
  #tryRejoin(learning: Learning): void {
    const { inSync, clock } = this.context;
    const now = clock.now;
    const candidates = [...learning.streamed].filter((partition) => !inSync.isChanging(partition) && (this.#fences.get(partition)?.retryTick ?? 0) <= now);
    if (candidates.length === 0) return;
    const undecided = this.writes.undecidedPartitions();
    const outstanding = this.writes.learners.outstandingPartitions(learning.node);
    const ready = new Map<number, NodeId[]>();
    let lifted = false;
    for (const partition of candidates) {
      const fence = this.#raiseFence(partition, now);
      if (!undecided.has(partition) && !outstanding.has(partition)) ready.set(partition, [...inSync.members(partition), learning.node]);
      else if (now - fence.sinceTick >= this.#fenceTicks(fence.tries)) {
        this.#liftFence(partition, now, fence);
        lifted = true;
      }
    }
    if (lifted) this.writes.startQueued();
    if (ready.size === 0) return;
    inSync.change(ready, () => {
      for (const partition of ready.keys()) {
        inSync.removeLearner(partition, learning.node);
        inSync.unfence(partition);
        this.#fences.delete(partition);
        learning.streamed.delete(partition);
      }
      if (learning.streamed.size === 0 && learning.streams.every((stream) => stream.state === "done") && this.#learning.get(learning.node) === learning) {
        this.#learning.delete(learning.node);
        this.context.outbox.log("info", "a replica caught up and is in sync again", {
          nodeId: learning.node, partitions: learning.partitions, keys: learning.keys, bytes: learning.bytes,
        });
      }
      this.writes.startQueued();
    });
  }

  /** Fences the partition (new transactions on it wait) unless it is already; returns its fence. */
  #raiseFence(partition: number, now: number): Fence {
    const { inSync } = this.context;
    let fence = this.#fences.get(partition);
    if (fence === undefined) this.#fences.set(partition, (fence = { sinceTick: now, tries: 0, retryTick: 0 }));
    if (!inSync.isFenced(partition)) {
      inSync.fence(partition);
      fence.sinceTick = now;
    }
    return fence;
  }

  /** The fence did not drain in time: writes go on, and it is raised again after a pause as long as its try. */
  #liftFence(partition: number, now: number, fence: Fence): void {
    this.context.inSync.unfence(partition);
    fence.retryTick = now + this.#fenceTicks(fence.tries);
    fence.tries = Math.min(fence.tries + 1, FENCE_TRIES_DOUBLED);
  }

  #fenceTicks(tries: number): number {
    return this.context.config.fenceTicks * 2 ** tries;
  }

  /** Ends a learner's catch-up: it leaves its partitions' learners and fences; it starts again when it is next up. */
  #stop(learning: Learning, why: string): void {
    const { inSync } = this.context;
    for (let partition = 0; partition < this.context.membership.placement.partitions; partition += 1) {
      if (!inSync.learners(partition).has(learning.node)) continue;
      inSync.removeLearner(partition, learning.node);
      if (learning.streamed.has(partition) && !inSync.isChanging(partition)) {
        inSync.unfence(partition);
        this.#fences.delete(partition);
      }
    }
    for (const stream of learning.streams) this.#requests.delete(stream.requestId);
    this.writes.learners.dropNode(learning.node);
    this.#learning.delete(learning.node);
    this.context.outbox.log("warn", "a replica's catch-up stopped", { nodeId: learning.node, why });
    this.writes.startQueued();
  }
}
