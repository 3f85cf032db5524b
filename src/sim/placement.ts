// Placement and in-sync sets, checked from outside the coordinator (PROTOCOL.md, Placement; issue 9):
// what CoordinatorMachine.partitionStates() shows is compared with a ring rebuilt from the persisted
// membership, and the in-sync sets with the rules they must keep. Sampled all through a run, and at
// every write acknowledgement, where the disks themselves are asked: an acknowledged write must
// already be on at least W disks (a prepared record or the data), whatever the coordinator believes.
//
// Rules, for every partition p of a serving coordinator:
// - replicas(p): min(R, N) distinct members, exactly the ring's replicas of p;
// - ISR(p) ⊆ replicas(p), |ISR(p)| ≥ 1; learners(p) ⊆ replicas(p) \ ISR(p);
// - within one coordinator life, p's epoch never goes back and every change of ISR(p) bumps it;
// - at an acknowledgement, every partition the write touched has |ISR| ≥ W.

import { keyString } from "../core/cluster/key-string.js";
import type { Bytes, NodeId, PartitionState, Placement } from "../core/cluster/types.js";
import { RingLayout } from "../core/cluster/ring-layout.js";
import type { HistoryOp } from "./history.js";
import { textToEntry } from "./entry-text.js";
import { textToBytes } from "./trace.js";

/** What the persisted membership says placement must be (`layout`: the ring's members and a change's target, if any). */
export interface Membership {
  placement: Placement;
  members: readonly NodeId[];
  layout?: { ring: readonly NodeId[]; target: readonly NodeId[] | null };
}

/** Problems with one snapshot of partitionStates(), against the ring of `membership`. */
export function placementProblems(states: readonly PartitionState[], membership: Membership): string[] {
  return placementProblemsOn(states, layoutOf(membership));
}

/** During a membership change a partition's replicas are those of the ring and of the target; else min(R, N) of the ring. */
function placementProblemsOn(states: readonly PartitionState[], ring: RingLayout): string[] {
  const problems: string[] = [];
  if (states.length !== ring.partitions) problems.push(`the coordinator shows ${states.length} partitions, the placement has ${ring.partitions}`);
  const expectedSize = ring.target === null ? Math.min(ring.current.replicas, ring.current.nodes().length) : undefined;
  for (const state of states) {
    const name = `partition ${state.partition}`;
    const { replicas, inSync, learners } = state;
    const expected = state.partition >= 0 && state.partition < ring.partitions ? ring.replicasOfPartition(state.partition) : [];
    if (new Set(replicas).size !== replicas.length) problems.push(`${name} lists a replica twice: ${replicas.join(",")}`);
    if (expectedSize !== undefined && replicas.length !== expectedSize) problems.push(`${name} has ${replicas.length} replicas, not min(R, N) = ${expectedSize}`);
    if (replicas.join(",") !== expected.join(",")) problems.push(`${name} has replicas ${replicas.join(",")}, the ring says ${expected.join(",")}`);
    if (inSync.length === 0) problems.push(`${name} has an empty in-sync set`);
    if (new Set(inSync).size !== inSync.length) problems.push(`${name} lists an in-sync member twice: ${inSync.join(",")}`);
    const outside = inSync.filter((id) => !replicas.includes(id));
    if (outside.length > 0) problems.push(`${name} has in-sync members that are not its replicas: ${outside.join(",")}`);
    const badLearners = learners.filter((id) => !replicas.includes(id) || inSync.includes(id));
    if (badLearners.length > 0) problems.push(`${name} has learners that are not out-of-sync replicas: ${badLearners.join(",")} (in sync ${inSync.join(",")})`);
  }
  return problems;
}

/** Keys a write acknowledged with `op` changed, each with the value it wrote (null: deleted). */
export function writtenPairs(op: HistoryOp): Array<[string, string | null]> {
  if (op.f === "set") return [[op.key, op.value]];
  if (op.f === "mset") return op.pairs;
  if (op.f === "del") return op.keys.map((key) => [key, null]);
  return [];
}

/** A node's durable state as this check reads it: the data, and the writes of its prepared records. */
export interface DurableView {
  data: ReadonlyMap<string, Bytes>;
  prepared: ReadonlyMap<string, ReadonlyArray<{ key: Bytes; value: Bytes | null }>>;
}

/** How many disks hold the write of `value` to `key`: as data, or in a prepared record. */
export function disksHolding(key: string, value: string, nodes: Iterable<DurableView>): number {
  const stored = keyString(textToBytes(key));
  const wanted = keyString(textToEntry(value));
  const isWanted = (bytes: Bytes | null | undefined): boolean => bytes !== null && bytes !== undefined && keyString(bytes) === wanted;
  let count = 0;
  for (const node of nodes) {
    const inPrepared = (): boolean => [...node.prepared.values()].some((writes) => writes.some((write) => keyString(write.key) === stored && isWanted(write.value)));
    if (isWanted(node.data.get(stored)) || inPrepared()) count += 1;
  }
  return count;
}

/**
 * Watches placement over a run: `sample` at any moment, `acknowledged` at the moment the coordinator
 * answers a write with success. Problems are kept once each (by text), up to `problemsMax`.
 */
export class PlacementMonitor {
  readonly problems: Array<{ message: string; keys: string[]; atUs: number }> = [];
  #seen = new Set<string>();
  #ring: { key: string; ring: RingLayout } | undefined;
  /** Per partition, the latest epoch and in-sync set seen in the current coordinator life. */
  #last = new Map<number, { epoch: number; inSync: string }>();
  #life = -1;
  samples = 0;
  acknowledgements = 0;

  constructor(private readonly minInSync: number, private readonly problemsMax = 20) {}

  /** One snapshot of a serving coordinator (`life` changes when it restarts). */
  sample(states: readonly PartitionState[], membership: Membership, life: number, atUs: number): void {
    this.samples += 1;
    if (life !== this.#life) {
      this.#life = life;
      this.#last.clear();
    }
    for (const problem of placementProblemsOn(states, this.#ringOf(membership))) this.#problem(problem, [], atUs);
    for (const state of states) {
      const inSync = [...state.inSync].sort().join(",");
      const last = this.#last.get(state.partition);
      if (last !== undefined && state.epoch < last.epoch) {
        this.#problem(`partition ${state.partition}'s epoch went back from ${last.epoch} to ${state.epoch}`, [], atUs);
      } else if (last !== undefined && inSync !== last.inSync && state.epoch === last.epoch && !(state.epoch === 0 && inSync === [...state.replicas].sort().join(","))) {
        // Epoch 0 with every replica in sync: no record, the set follows the ring (a node joining before the seal).
        this.#problem(`partition ${state.partition}'s in-sync set changed from ${last.inSync} to ${inSync} without a new epoch (${state.epoch})`, [], atUs);
      }
      this.#last.set(state.partition, { epoch: state.epoch, inSync });
    }
  }

  /**
   * A write was acknowledged: every partition it touched had at least W in-sync members, and every
   * key's new value is on at least W disks already.
   */
  acknowledged(op: HistoryOp, states: readonly PartitionState[], membership: Membership, nodes: Iterable<DurableView>, atUs: number): void {
    this.acknowledgements += 1;
    const ring = this.#ringOf(membership);
    const disks = [...nodes];
    for (const [key, value] of writtenPairs(op)) {
      const state = states[ring.partitionOfKey(textToBytes(key))];
      if (state !== undefined && state.inSync.length < this.minInSync) {
        this.#problem(`a write of ${key} was acknowledged while partition ${state.partition} had ${state.inSync.length} in-sync members `
          + `(${state.inSync.join(",")}), fewer than W = ${this.minInSync}`, [key], atUs);
      }
      // Values are unique per write; a delete leaves nothing to find (the key may never have been there).
      const held = value === null ? this.minInSync : disksHolding(key, value, disks);
      if (held < this.minInSync) {
        this.#problem(`a write of ${key}=${JSON.stringify(value)} was acknowledged while on ${held} disks, fewer than W = ${this.minInSync}`, [key], atUs);
      }
    }
  }

  #ringOf(membership: Membership): RingLayout {
    const key = JSON.stringify([membership.placement, membership.members, membership.layout]);
    if (this.#ring?.key !== key) this.#ring = { key, ring: layoutOf(membership) };
    return this.#ring.ring;
  }

  #problem(message: string, keys: string[], atUs: number): void {
    if (this.#seen.has(message) || this.problems.length >= this.problemsMax) return;
    this.#seen.add(message);
    this.problems.push({ message, keys, atUs });
  }
}

function layoutOf(membership: Membership): RingLayout {
  return new RingLayout(membership.placement, membership.layout?.ring ?? membership.members, membership.layout?.target ?? null);
}
