// The cluster as observability shows it (status, health, metrics, dashboard), built from the
// coordinator machine (view() and partitionStates(): members, in-sync sets, catch-ups) plus what
// storage nodes report about themselves (node-facts.ts).

import type { CoordinatorView, MemberView, PartitionState, RepairView } from "../core/cluster/types.js";
import type { NodeFacts } from "./node-facts.js";

export type NodeState = "up" | "down" | "joining";

export interface NodeSnapshot {
  id: string;
  /** host:port of the node's own RESP port. */
  address: string;
  state: NodeState;
  /** Its place in the membership: active in the ring, or joining / leaving it during a change, or standby. */
  role: MemberView["role"];
  primaryPartitions: number;
  replicaPartitions: number;
  /** Partitions whose in-sync set holds the node, and those it is catching up on. */
  inSyncPartitions: number;
  learningPartitions: number;
  /** What the node last reported about itself (absent until it has). */
  facts?: NodeFacts;
}

/**
 * A membership change in progress: partitions move from the ring of `ring` to that of `target`
 * (their new replicas learn, then the ring switches), then the members that no longer replicate
 * some partitions drop them (cleanup).
 */
export interface MoveSnapshot {
  state: "moving" | "cleanup";
  ring: string[];
  target: string[];
  /** Members the change adds, and those it takes out. */
  joining: string[];
  leaving: string[];
  /** Partitions whose replicas change, and how many of them have every new replica in sync. */
  partitions: number;
  partitionsDone: number;
  /** Members that may still hold data of partitions they no longer replicate. */
  cleanup: string[];
  /** Keys and bytes copied to learning replicas so far (moves and catch-ups alike). */
  keysCopied: number;
  bytesCopied: number;
}

/** A replica learning what it missed before it rejoins the in-sync sets of some partitions. */
export interface CatchUpSnapshot {
  node: string;
  /** Partitions it is catching up on, and how many of them have been streamed to it so far. */
  partitions: number;
  streamedPartitions: number;
  /** Keys and bytes streamed to it so far. */
  keys: number;
  bytes: number;
}

export interface ClusterSnapshot {
  state: CoordinatorView["state"];
  epoch: number;
  sealed: boolean;
  minNodes: number;
  placement: CoordinatorView["placement"];
  /** W: in-sync replicas a partition keeps at least (below it, its writes fail). */
  minInSync: number;
  /** By id, numbers in ids compared as numbers: node-2 before node-10. */
  nodes: NodeSnapshot[];
  /** replicas[p]: partition p's replica set, primary first. */
  replicas: ReadonlyArray<readonly string[]>;
  /** inSync[p]: partition p's in-sync members. */
  inSync: ReadonlyArray<readonly string[]>;
  /** learners[p]: replicas of partition p catching up (a move's new replicas, or a returning node). */
  learners: ReadonlyArray<readonly string[]>;
  /** The membership change in progress, if any. */
  move: MoveSnapshot | null;
  catchUps: CatchUpSnapshot[];
  repair: RepairView;
  transactionsInFlight: number;
  decisionsUnacknowledged: number;
  readsInFlight: number;
  lockedKeys: number;
  /** (transaction, key) pairs queued behind the key's holder: the depth of the lock queues. */
  lockWaiters: number;
  cache: CoordinatorView["cache"];
}

/** What a snapshot is made from: the coordinator machine. */
export interface ClusterMachine {
  view(): CoordinatorView;
  partitionStates(): PartitionState[];
}

/** Where facts about each node come from; answers undefined for a node that has not reported. */
export type FactsOf = (nodeId: string) => NodeFacts | undefined;

const byId = new Intl.Collator("en", { numeric: true }).compare;

export function snapshotOf(machine: ClusterMachine, factsOf: FactsOf = () => undefined): ClusterSnapshot {
  const view = machine.view();
  const partitions = machine.partitionStates();
  return {
    state: view.state,
    epoch: view.epoch,
    sealed: view.sealed,
    minNodes: view.minNodes,
    placement: view.placement,
    minInSync: view.minInSync,
    nodes: [...view.members].sort((a, b) => byId(a.id, b.id)).map((member) => nodeSnapshot(member, factsOf(member.id))),
    replicas: partitions.map((partition) => partition.replicas),
    inSync: partitions.map((partition) => partition.inSync),
    learners: partitions.map((partition) => partition.learners),
    move: moveSnapshot(view),
    catchUps: [...view.catchUps].sort((a, b) => byId(a.node, b.node)).map((catchUp) => ({
      node: catchUp.node, partitions: catchUp.partitions, streamedPartitions: catchUp.streamed, keys: catchUp.keys, bytes: catchUp.bytes,
    })),
    transactionsInFlight: view.transactionsInFlight,
    decisionsUnacknowledged: view.decisionsUnacknowledged,
    readsInFlight: view.readsInFlight,
    lockedKeys: view.lockedKeys,
    lockWaiters: view.lockWaiters,
    cache: view.cache,
    repair: view.repair,
  };
}

/** The view's membership change, with what its copying has done so far; null when none is in progress. */
export function moveSnapshot(view: Pick<CoordinatorView, "move" | "catchUps">): MoveSnapshot | null {
  const { move } = view;
  if (move === null) return null;
  return {
    state: move.partitionsDone < move.partitions ? "moving" : "cleanup",
    ring: move.ring,
    target: move.target,
    joining: move.target.filter((id) => !move.ring.includes(id)),
    leaving: move.ring.filter((id) => !move.target.includes(id)),
    partitions: move.partitions,
    partitionsDone: move.partitionsDone,
    cleanup: move.cleanup,
    keysCopied: view.catchUps.reduce((sum, catchUp) => sum + catchUp.keys, 0),
    bytesCopied: view.catchUps.reduce((sum, catchUp) => sum + catchUp.bytes, 0),
  };
}

function nodeSnapshot(member: MemberView, facts: NodeFacts | undefined): NodeSnapshot {
  const state: NodeState = !member.joined ? "joining" : member.up ? "up" : "down";
  const node: NodeSnapshot = {
    id: member.id,
    address: member.address,
    state,
    role: member.role,
    primaryPartitions: member.primaryPartitions,
    replicaPartitions: member.replicaPartitions,
    inSyncPartitions: member.inSyncPartitions,
    learningPartitions: member.learningPartitions,
  };
  if (facts !== undefined) node.facts = facts;
  return node;
}

/** Per partition: its in-sync members that are up (the replicas that can serve it). */
export function liveReplicaCounts(snapshot: ClusterSnapshot): Uint16Array {
  const up = new Set(snapshot.nodes.filter((node) => node.state === "up").map((node) => node.id));
  const counts = new Uint16Array(snapshot.inSync.length);
  snapshot.inSync.forEach((members, partition) => {
    let live = 0;
    for (const id of members) if (up.has(id)) live++;
    counts[partition] = live;
  });
  return counts;
}
