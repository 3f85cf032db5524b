// Known bugs, planted on purpose behind `--plant NAME`, to prove the checkers catch what they
// claim to. Each perturbs only what the simulator feeds the machines or carries between them, so
// src/core stays clean: the machines are the real ones, the world around them lies.

import { isKeyScanId } from "../core/cluster/coordinator-key-scans.js";
import { keyString } from "../core/cluster/key-string.js";
import { partitionOf } from "../core/ring.js";
import { RingLayout } from "../core/cluster/ring-layout.js";
import type { CoordinatorOptions } from "../core/cluster/config.js";
import type { Bytes, CoordinatorRecord, CoordinatorToNode, NodeId, NodeToCoordinator, ParticipantRecord } from "../core/cluster/types.js";
import type { Prng } from "./prng.js";
import type { ParticipantDurable } from "./sim-disk.js";

type ReadReplyLie = (keys: readonly Bytes[], values: Array<Bytes | null>, durable: ParticipantDurable, prng: Prng) => Array<Bytes | null>;

/** Answers some keys with the value they held before their latest commit, as a replica that missed it would. */
const staleValues: ReadReplyLie = (keys, values, durable, prng) => keys.map((key, index) => {
  const stale = keyString(key);
  if (!durable.overwritten.has(stale) || !prng.chance(0.5)) return values[index] ?? null;
  return durable.overwritten.get(stale) ?? null;
});

export interface PlantHooks {
  /** True: feed `persisted` for this batch at once, before it is durable (a lying fsync). */
  persistedBeforeSync?(records: ReadonlyArray<CoordinatorRecord | ParticipantRecord>): boolean;
  /**
   * Over 0: feed `persisted` for this batch at once and write it to the disk only this many µs later,
   * behind the batches written meanwhile (a disk cache that lies about fsync and reorders); a crash
   * before then loses it.
   */
  heldBackUs?(records: ReadonlyArray<CoordinatorRecord | ParticipantRecord>): number;
  /** Rewrites what a replica answers a read with; `keys` are the keys it was asked. */
  readReply?: ReadReplyLie;
  /** Rewrites what a replica answers a read-modify-write's read with (default: readReply). */
  readForUpdateReply?: ReadReplyLie;
  /** Changes a storage node's durable state as it restarts, before it recovers from it. */
  participantRestart?(durable: ParticipantDurable): void;
  /** True: the coordinator's port reports every proof of the secret right (it skips the check). */
  skipProofCheck?: boolean;
  /** An answer a storage node sends as soon as `message` arrives, before its machine has looked at it (undefined: none). */
  answerOnArrival?(message: CoordinatorToNode): NodeToCoordinator | undefined;
  /** Rewrites what a storage node sends the coordinator, on its way there. */
  towardCoordinator?(message: NodeToCoordinator, prng: Prng): NodeToCoordinator;
  /** Rewrites what the coordinator sends a storage node, on its way there. */
  towardNode?(message: CoordinatorToNode): CoordinatorToNode;
  /**
   * The coordinator's records reached its disk: the world may act on storage nodes' disks (`layout`:
   * how every partition's replicas are before and after the change these records start).
   */
  coordinatorDurable?(records: readonly CoordinatorRecord[], nodes: ReadonlyMap<NodeId, ParticipantDurable>): void;
  /** True: this message to a node is sent to it again, once, after the coordinator's next restart. */
  resentAfterRestart?(message: CoordinatorToNode): boolean;
  /** Settings the coordinator's machine is given over the simulator's. */
  coordinatorOptions?: CoordinatorOptions;
}

export interface Plant {
  name: string;
  description: string;
  /** What should catch it. */
  caughtBy: string;
  hooks: PlantHooks;
  /** The cluster it needs, when not the default one (give these flags with --plant). */
  shape?: { nodes: number; replicas: number };
}

export const PLANTS: readonly Plant[] = [
  {
    name: "vote-before-sync",
    description: "a participant's prepared record is reported durable before its sync, so it votes yes on a record a crash can still take",
    caughtBy: "placement (a write acknowledged before it is on W disks), convergence (replicas differ) or linearizability (an acknowledged write is lost)",
    hooks: { persistedBeforeSync: (records) => records.some((record) => record.type === "prepared") },
  },
  {
    name: "ack-before-decision-sync",
    description: "the coordinator's commit decision is reported durable before its sync, so it answers OK and sends commit before the decision is on disk",
    caughtBy: "linearizability (an acknowledged write is lost) or convergence",
    hooks: { persistedBeforeSync: (records) => records.some((record) => record.type === "decision") },
  },
  {
    name: "stale-replica-read",
    description: "a replica answers reads with the value a key had before its latest commit, as one that missed the commit would",
    caughtBy: "linearizability (a read returns an overwritten value)",
    hooks: { readReply: staleValues },
  },
  {
    name: "stale-read-for-update",
    // What a coordinator that read a command's keys before taking their locks (or from a replica
    // outside the in-sync set) would see: the value from before the latest commit. Plain reads are
    // left alone, so only the read-modify-write rule is under test.
    description: "a replica answers a read-modify-write's read (INCR's) with the value a key had before its latest commit, as a read outside the keys' locks would",
    caughtBy: "linearizability (two acknowledged INCRs set the same count: a lost update)",
    hooks: { readForUpdateReply: staleValues },
  },
  {
    name: "damaged-read-as-absent",
    // The rule under test is the coordinator's: a "damaged here" answer is no answer, and the key is
    // read from another replica. Dropping the positions on the way is what a coordinator that took
    // the answer's null for the key's absence would do.
    description: "a replica's read answer loses its 'damaged here' positions on the way, so the coordinator takes a damaged record for an absent key",
    caughtBy: "linearizability (a read of a key with a value returns nil)",
    hooks: {
      towardCoordinator: (message) => {
        if (message.type !== "readReply" || message.damaged === undefined) return message;
        const { damaged: _dropped, ...answer } = message;
        return answer;
      },
    },
  },
  {
    name: "forget-prepared",
    description: "a restarting storage node loses its prepared records, so an in-doubt transaction it voted yes on is never applied there",
    caughtBy: "convergence (replicas differ) or linearizability",
    hooks: { participantRestart: (durable) => durable.prepared.clear() },
  },
  {
    name: "lossy-catch-up",
    description: "the network silently drops one entry from half the scanChunk messages on their way to the coordinator, so a learner rejoins the in-sync set missing a write",
    caughtBy: "convergence (replicas differ) or linearizability (a rejoined replica answers with an old value)",
    hooks: {
      towardCoordinator: (message, prng) => {
        if (message.type !== "scanChunk" || message.entries.length === 0 || !prng.chance(0.5)) return message;
        return withoutOneEntry(message, prng);
      },
    },
  },
  {
    name: "scan-misses-keys",
    description: "half the chunks a replica answers a key scan (SCAN) with leave out one of their keys on the way to the coordinator, "
      + "as a cursor that skipped writes not yet applied there would",
    caughtBy: "scan (a key present for the whole scan is not returned)",
    hooks: {
      towardCoordinator: (message, prng) => {
        if (message.type !== "scanChunk" || !isKeyScanId(message.scanId) || message.entries.length === 0 || !prng.chance(0.5)) return message;
        return withoutOneEntry(message, prng);
      },
    },
  },
  {
    name: "shrink-before-durable",
    // Reported durable early but written in order, an inSync record would be harmless: every record
    // that counts on the smaller set (a decision, a forget) is written after it, and no crash keeps
    // one without the other. The danger the rule guards against is writes counted on a set that a
    // crash takes back while keeping them, so the record is also held back behind later writes.
    description: "the coordinator's inSync record is reported durable at once and reaches the disk 15 s later, behind the decisions written meanwhile, "
      + "so after a crash a replica it had counted out of sync is in sync again, without the writes it missed",
    caughtBy: "convergence (replicas differ), linearizability (the replica answers reads with old values) or atomicity (an MSET seen in part)",
    hooks: { heldBackUs: (records) => (records.some((record) => record.type === "inSync") ? 15_000_000 : 0) },
  },
  {
    name: "one-phase-vote-before-sync",
    description: "a storage node answers a one-phase commit with yes as it arrives, before its committed record is durable, so a crash takes back an acknowledged write "
      + "(needs a transaction with one participant: --replicas 1)",
    caughtBy: "placement (an acknowledged write on no disk) or linearizability (an acknowledged write is lost)",
    hooks: { answerOnArrival: (message) => (message.type === "commitOne" ? { type: "vote", txid: message.txid, yes: true, previous: [] } : undefined) },
    shape: { nodes: 3, replicas: 1 },
  },
  {
    name: "repair-skips-tombstones",
    description: "repair's fixes lose every deletion on their way to the replica, so a replica whose copy of a deleted key came back keeps serving it",
    caughtBy: "convergence (replicas differ after the repair) or linearizability (the final read returns a deleted value)",
    hooks: {
      towardNode: (message) => (message.type === "fix" ? { ...message, fixes: message.fixes.filter((fix) => fix.entry.value !== null) } : message),
    },
  },
  {
    name: "learner-in-sync-early",
    description: "half the scanChunks of a catch-up claim the scan is complete (next: null) and carry nothing, so a learner — a node a membership "
      + "change adds, or a returning replica — is counted in sync before it caught up",
    caughtBy: "convergence (replicas differ) or linearizability (the new replica answers reads without the writes it never got)",
    hooks: {
      towardCoordinator: (message, prng) => (message.type === "scanChunk" && message.entries.length > 0 && prng.chance(0.5) ? { ...message, entries: [], next: null } : message),
    },
  },
  {
    name: "drop-before-in-sync",
    description: "as soon as a membership change that moves partitions off a node starts, the node drops its data of them, "
      + "before their new replicas are in sync (while it is still an in-sync replica that answers reads and is streamed from)",
    caughtBy: "linearizability (a read finds nothing where a write was acknowledged) or convergence",
    hooks: {
      coordinatorDurable: (records, nodes) => {
        for (const record of records) {
          if (record.type !== "members" || record.layout?.target === undefined || record.layout.target === null) continue;
          const change = new RingLayout(record.placement, record.layout.ring, record.layout.target);
          for (const [id, durable] of nodes) dropLeaving(id, durable, change);
        }
      },
    },
  },
  {
    name: "move-resumed-twice",
    description: "after a coordinator restart, the drops of the membership changes it ran before are sent again, as a coordinator resuming a move "
      + "from its first step would: a node that learned a partition since, and is in sync for it, loses it",
    caughtBy: "linearizability (an acknowledged write is gone) or convergence",
    hooks: { resentAfterRestart: (message) => message.type === "drop" },
  },
  {
    name: "fence-never-lifted",
    // The rejoin's fence as it was before it was bounded: it holds until the partition drains. A
    // learner slow to confirm its applies then holds every write to its partitions for that long.
    description: "a fence raised for a learner to join its partition's in-sync set is lifted only once the partition drains, never after fenceTicks, "
      + "so writes to the partition wait for as long as the learner is slow to confirm its applies",
    caughtBy: "availability (writes to a partition whose in-sync replicas are healthy held beyond the stall bound while a learner rejoins)",
    hooks: { coordinatorOptions: { fenceTicks: Number.MAX_SAFE_INTEGER } },
  },
  {
    name: "skip-proof-check",
    description: "the coordinator's runtime does not check a node's proof of the cluster secret, so an impostor that knows a member's id and incarnation is taken for it",
    caughtBy: "admission (an impostor is welcomed), then convergence or linearizability (it votes and acks for the member)",
    hooks: { skipProofCheck: true },
  },
];

export function findPlant(name: string): Plant {
  const plant = PLANTS.find((candidate) => candidate.name === name);
  if (plant === undefined) {
    throw new Error(`unknown plant "${name}"; known plants: ${PLANTS.map((known) => known.name).join(", ")}`);
  }
  return plant;
}

/** A scanChunk without one of its entries, drawn at random. */
function withoutOneEntry(message: Extract<NodeToCoordinator, { type: "scanChunk" }>, prng: Prng): NodeToCoordinator {
  const entries = [...message.entries];
  entries.splice(prng.int(0, entries.length - 1), 1);
  return { ...message, entries };
}

/** Deletes what the node holds of partitions the change takes off it (the drop-before-in-sync plant). */
function dropLeaving(id: NodeId, durable: ParticipantDurable, change: RingLayout): void {
  const leaving = (key: string): boolean => {
    const partition = partitionOf(keyBytes(key), change.partitions);
    return change.current.replicasOfPartition(partition).includes(id) && !change.targetReplicasOf(partition).includes(id);
  };
  for (const key of [...durable.data.keys()]) {
    if (!leaving(key)) continue;
    durable.data.delete(key);
    durable.versions.delete(key);
  }
}

/** A keyString() back to its bytes (key strings are latin1, one char per byte). */
function keyBytes(key: string): Bytes {
  return Uint8Array.from(key, (char) => char.charCodeAt(0));
}
