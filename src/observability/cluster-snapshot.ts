// The cluster as observability shows it (status, health, metrics, dashboard), built from the
// coordinator machine (view() and partitionStates(): members, in-sync sets, catch-ups) plus what
// storage nodes report about themselves (node-facts.ts).
//
// Made to grow with the cluster: moves are an optional field that stays absent until the
// coordinator keeps them; everything that shows a snapshot shows them once they are there.

import type { CoordinatorView, MemberView, PartitionState } from "../core/cluster/types.js";
import type { NodeFacts } from "./node-facts.js";

export type NodeState = "up" | "down" | "joining";

export interface NodeSnapshot {
  id: string;
  /** host:port of the node's own RESP port. */
  address: string;
  state: NodeState;
  primaryPartitions: number;
  replicaPartitions: number;
  /** Partitions whose in-sync set holds the node, and those it is catching up on. */
  inSyncPartitions: number;
  learningPartitions: number;
  /** What the node last reported about itself (absent until it has). */
  facts?: NodeFacts;
}

/** A partition changing hands (issue: grow and shrink the cluster). */
export interface MoveSnapshot {
  partition: number;
  /** The replica leaving (null when a replica is added). */
  from: string | null;
  to: string;
  doneKeys: number;
  totalKeys?: number;
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
  moves?: MoveSnapshot[];
  catchUps: CatchUpSnapshot[];
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
    catchUps: [...view.catchUps].sort((a, b) => byId(a.node, b.node)).map((catchUp) => ({
      node: catchUp.node, partitions: catchUp.partitions, streamedPartitions: catchUp.streamed, keys: catchUp.keys, bytes: catchUp.bytes,
    })),
    transactionsInFlight: view.transactionsInFlight,
    decisionsUnacknowledged: view.decisionsUnacknowledged,
    readsInFlight: view.readsInFlight,
    lockedKeys: view.lockedKeys,
    lockWaiters: view.lockWaiters,
    cache: view.cache,
  };
}

function nodeSnapshot(member: MemberView, facts: NodeFacts | undefined): NodeSnapshot {
  const state: NodeState = !member.joined ? "joining" : member.up ? "up" : "down";
  const node: NodeSnapshot = {
    id: member.id,
    address: member.address,
    state,
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
