// The vocabulary of the cluster's deterministic machines (DESIGN.md §3): the events a machine
// is fed, the effects it returns, the messages between coordinator and storage nodes, and the
// records it asks to have persisted. Nothing here does I/O; the runtime (real processes) and the
// simulator (src/sim) both carry effects out and feed events in.
//
// Conventions:
// - Keys and values are raw bytes (Uint8Array; Buffers at runtime). Map keys use keyString().
// - Time is a tick counter; a machine never reads a clock. One tick is 1/ticksPerSecond of real
//   time (config.ts), and every timeout is counted in ticks (`...Ticks`).
// - A transaction id is `${epoch}.${seq}`: the coordinator's epoch is persisted and bumped on
//   every start, so ids never repeat across restarts.

import type { CommandReply } from "../commands/reply.js";
import type { Command } from "../commands/types.js";

export type Bytes = Uint8Array;
export type NodeId = string;
export type TxnId = string;

// ---------------------------------------------------------------- client operations

/** What a client asks the coordinator for (already parsed and validated by the front end). */
export type ClientOp =
  | { kind: "get"; keys: Bytes[] } // GET is a one-key MGET
  | { kind: "exists"; keys: Bytes[] }
  | { kind: "set"; key: Bytes; value: Bytes; condition?: "NX" | "XX"; returnPrevious?: boolean }
  | { kind: "mset"; pairs: Array<[Bytes, Bytes]> }
  | { kind: "del"; keys: Bytes[] }
  // Any command of src/core/commands that may write (INCR, APPEND, HSET, EXPIRE, EXEC ...): its keys
  // are locked, read from in-sync replicas, executed at `nowMs` (the client's wall clock, ms since the
  // Unix epoch) and the writes it decides committed by 2PC (PROTOCOL.md, Read-modify-write).
  // `valueBytesMax`: the largest string or encoded hash a key may hold (the server's value limit);
  // `writeBytesMax`: the most bytes of keys and values its writes may add up to (its records must fit them).
  | { kind: "command"; command: Command; nowMs: number; valueBytesMax?: number; writeBytesMax?: number }
  | { kind: "dbsize" } // the cluster's key count, asked of every storage node
  | { kind: "repair" } // start a repair round (repair.ts) unless one is running
  // SCAN/KEYS/RANDOMKEY (coordinator-key-scans.ts): a chunk of about `bytesMax` of one partition's keys after `after`.
  | { kind: "scanKeys"; partition: number; after: Bytes | null; bytesMax: number }
  // Membership (PROTOCOL.md, Membership changes): take a node out of the ring. `dead`: its disk is
  // gone, re-replicate from the others; else its partitions move off it first.
  | { kind: "removeNode"; nodeId: NodeId; dead: boolean };

export type ClientResult =
  | { kind: "values"; values: Array<Bytes | null> } // get
  | { kind: "count"; count: number } // exists, del
  | { kind: "set"; written: boolean; previous?: Bytes | null }
  | { kind: "ok" } // mset
  | { kind: "reply"; reply: CommandReply } // command
  | { kind: "repair"; round: number; started: boolean } // the round started, or the one already running
  // scanKeys: the partition's live keys (with their values) after `after` up to `next`, the last key
  // looked at (null: the partition is done), in byte order; `partitions`: how many the ring has.
  | { kind: "keys"; partitions: number; entries: Array<{ key: Bytes; value: Bytes }>; next: Bytes | null };

/** An expected failure, with the RESP error code it maps to (see src/shared/errors.ts). */
export interface ClientError {
  code: "TRYAGAIN" | "TIMEOUT" | "CLUSTERDOWN" | "ERR";
  message: string;
  /** True when a write may or may not have been applied (e.g. the deadline passed after send). */
  outcomeUnknown?: boolean;
}

// ---------------------------------------------------------------- wire messages

/** One write of a transaction at one participant: a put, or a delete when value is null. */
export interface TxnWrite {
  key: Bytes;
  value: Bytes | null;
}

/**
 * A key's state on a replica with its version, the txid that wrote it (txid.ts): what catch-up
 * carries. A null value is a deletion kept as a tombstone, so that an older value cannot come back.
 */
export interface VersionedEntry {
  key: Bytes;
  version: TxnId;
  value: Bytes | null;
  /**
   * Only in a node's own scans (DataView.scan): its value's record fails its checksum, so the value
   * is unknown (value null). Never sent to a learner; repair counts it as a copy that differs.
   */
  damaged?: boolean;
}

/** What a participant saw of a key when it prepared: for NX/XX, SET ... GET and DEL counts. */
export interface PreviousValue {
  exists: boolean;
  /** Only when the coordinator asked for values (SET ... GET). */
  value?: Bytes;
}

export type CoordinatorToNode =
  | { type: "prepare"; txid: TxnId; writes: TxnWrite[]; wantValues: boolean }
  | { type: "commit"; txid: TxnId }
  // One-phase commit: the transaction's only participant applies `writes` at version txid, durably,
  // and answers with a vote (yes: applied; no: nothing was applied). PROTOCOL.md, One-phase commit.
  | { type: "commitOne"; txid: TxnId; writes: TxnWrite[] }
  | { type: "abort"; txid: TxnId }
  // `forUpdate`: a read-modify-write reads the keys it holds the locks of (the answer decides its writes).
  | { type: "read"; readId: number; keys: Bytes[]; forUpdate?: boolean }
  | { type: "count"; countId: number } // how many keys the node holds
  // While partitions have more copies than replicas (a move, a learner): how many keys the node holds
  // of `partitions`, from key `after` on, a chunk at a time (coordinator-counts.ts).
  | { type: "countPartitions"; countId: number; partitions: number[]; partitionCount: number; after: Bytes | null }
  // Catch-up (PROTOCOL.md, In-sync replicas). To a learner: a committed transaction's writes.
  | { type: "apply"; txid: TxnId; writes: TxnWrite[] }
  // To an in-sync replica: its entries of `partitions` (of `partitionCount`) after key `after`, in key order.
  | { type: "scan"; scanId: number; partitions: number[]; partitionCount: number; after: Bytes | null; bytesMax: number }
  // To a learner: entries another replica holds.
  | { type: "catchUp"; catchUpId: number; entries: VersionedEntry[] }
  // To every replica of fully in-sync partitions: drop their tombstones older than `before`, from key `after` on.
  | { type: "collect"; collectId: number; partitions: number[]; partitionCount: number; before: TxnId; after: Bytes | null }
  // Repair (PROTOCOL.md, Repair; repair.ts). The range digests of `partitions`, from key `after` on:
  | { type: "digest"; digestId: number; partitions: number[]; partitionCount: number; after: Bytes | null; bytesMax: number }
  // What it holds of each key in `ranges` (range-digest.ts rangeCode), without values:
  | { type: "summarize"; summaryId: number; ranges: number[]; partitionCount: number; after: Bytes | null; bytesMax: number }
  // Its entries of `keys` (keys it holds no version of are left out):
  | { type: "fetch"; fetchId: number; keys: Bytes[] }
  // Take each entry where the key still holds what the fix expects:
  | { type: "fix"; fixId: number; fixes: RepairFix[] }
  // To a node: delete everything it holds of `partitions`, from key `after` on, chunk by chunk (a
  // partition it is about to learn from nothing, or one it no longer replicates).
  | { type: "drop"; dropId: number; partitions: number[]; partitionCount: number; after: Bytes | null }
  | { type: "ping"; tick: number };

export type NodeToCoordinator =
  | { type: "vote"; txid: TxnId; yes: true; previous: PreviousValue[] }
  | { type: "vote"; txid: TxnId; yes: false; reason: string }
  | { type: "ack"; txid: TxnId } // a commit or abort is applied (or was never needed)
  | { type: "inquire"; txid: TxnId } // an in-doubt participant asks for the outcome
  // `damaged`: positions of keys whose record fails its checksum here (their value is null, and means nothing).
  | { type: "readReply"; readId: number; values: Array<Bytes | null>; damaged?: number[] }
  | { type: "countReply"; countId: number; keys: number }
  // `next`: the last key looked at, to count on from; null when every key was.
  | { type: "partitionsCounted"; countId: number; keys: number; next: Bytes | null }
  | { type: "applied"; txid: TxnId } // a learner's apply is durable
  // `next`: the last key looked at, to scan on from; null when the scan is complete.
  | { type: "scanChunk"; scanId: number; entries: VersionedEntry[]; next: Bytes | null }
  | { type: "caughtUp"; catchUpId: number } // a learner's catchUp entries are durable
  // A chunk of a collect is done (durable); `next`: scan on from there, null when every key was looked at.
  | { type: "collected"; collectId: number; next: Bytes | null }
  // Repair: `bytes`, what the chunk read from disk, is what the coordinator's throttle charges.
  | { type: "digestChunk"; digestId: number; ranges: RangeDigest[]; next: Bytes | null; bytes: number }
  | { type: "summaryChunk"; summaryId: number; keys: KeySummary[]; next: Bytes | null; bytes: number }
  // The entries of the first `looked` keys asked for (those it holds a version of); it asks again for the rest.
  | { type: "fetched"; fetchId: number; entries: VersionedEntry[]; looked: number }
  // The fixes are durable; `fixed` of them were taken (the others found the key changed meanwhile).
  | { type: "fixed"; fixId: number; fixed: number }
  // A chunk of a drop is done (durable); `next` as for collected.
  | { type: "dropped"; dropId: number; next: Bytes | null }
  | { type: "pong"; tick: number }
  // Keys whose deadline has passed by the node's clock: a hint, the coordinator deletes those that
  // have expired by its own clock (PROTOCOL.md, Read-modify-write, Expiry).
  | { type: "expired"; keys: Bytes[] };

/** One range's digest on one replica (range-digest.ts): its key count and two sums of entry hashes. */
export interface RangeDigest {
  partition: number;
  range: number;
  keys: number;
  hashA: number;
  hashB: number;
}

/** What a replica holds of a key, without its value: enough to compare replicas. */
export interface KeySummary {
  key: Bytes;
  version: TxnId;
  /** A hash of the value (range-digest.ts valueHash); null for a tombstone or a damaged record. */
  valueHash: number | null;
  /** The value's record fails its checksum: this copy is never the right one. */
  damaged?: boolean;
}

/**
 * A repair's write of one key on a divergent replica: the entry to hold, taken only if the key
 * still holds the version and value the replica reported (null: nothing) and nothing newer is on
 * its way to disk, so that a write committed meanwhile is never undone.
 */
export interface RepairFix {
  entry: VersionedEntry;
  expectVersion: TxnId | null;
  expectHash: number | null;
  /** The replica listed the key's record as damaged: it must still be. */
  expectDamaged?: boolean;
}

// ---------------------------------------------------------------- durable records

/** What the coordinator keeps on disk. Presumed abort: only commit decisions are logged. */
export type CoordinatorRecord =
  | { type: "epoch"; epoch: number }
  // The whole membership each time (the latest record wins), with the placement parameters the
  // ring was built with: once sealed, data sits where they put it, so a restart keeps them.
  // `layout`: which members the ring is built from, and the target of a change in progress
  // (absent: the ring is every member and nothing changes).
  | { type: "members"; members: MemberInfo[]; sealed: boolean; placement: Placement; layout?: LayoutRecord }
  | { type: "decision"; txid: TxnId; participants: NodeId[]; writes: TxnWrite[] }
  | { type: "forget"; txid: TxnId } // every participant acknowledged the decision
  // Partitions whose in-sync set changed, with their new epoch and members (the latest record of a partition wins).
  | { type: "inSync"; partitions: InSyncRecord[] };

/** A partition's in-sync set as the coordinator keeps it. */
export interface InSyncRecord {
  partition: number;
  epoch: number;
  members: NodeId[];
}

/**
 * The ring's members and the change in progress (PROTOCOL.md, Membership changes). Every replica of
 * a partition in `ring` or `target` holds it or learns it; once every target replica is in sync the
 * coordinator switches to the target ring. `cleanup`: members that may still hold data of
 * partitions they no longer replicate (it is dropped, then they leave this list).
 */
export interface LayoutRecord {
  ring: NodeId[];
  target: NodeId[] | null;
  cleanup: NodeId[];
  /** Nodes removed from the cluster, on the data directory they had: refused if they come back on it (newest last, bounded). */
  removed?: Array<{ id: NodeId; incarnation: string }>;
}

/** The ring's parameters (src/core/ring.ts): with the member ids, all that data placement depends on. */
export interface Placement {
  partitions: number;
  vnodesPerNode: number;
  replicas: number;
}

export interface MemberInfo {
  id: NodeId;
  /** host:port where clients can reach the node's own RESP port (for views and logs). */
  address: string;
  /**
   * Names the node's data directory: a random token the node makes when it first writes its id
   * there. The same id with another incarnation is a new, wiped or replaced directory, which holds
   * none of the data the old one held. "" in a members record written before incarnations existed.
   */
  incarnation: string;
}

/** What a storage node keeps on disk besides its data. */
export type ParticipantRecord =
  | { type: "prepared"; txid: TxnId; writes: TxnWrite[] }
  // Applies the writes (at version txid; only those newer than the node held) and drops the prepared
  // record in ONE atomic write. A deletion leaves a tombstone (its version, no value): a replica that
  // missed it learns it by catch-up, which carries only what the in-sync replicas hold.
  | { type: "committed"; txid: TxnId; writes: TxnWrite[] }
  | { type: "aborted"; txid: TxnId }
  // Entries a learner takes (an apply or a catchUp), each newer than what it held; null values are tombstones.
  | { type: "entries"; entries: VersionedEntry[] }
  // Tombstones that every replica of their partition has: the keys leave no trace.
  | { type: "tombstonesCollected"; keys: Bytes[] }
  // Keys of partitions the node drops (it no longer replicates them, or learns them from nothing): no trace either.
  | { type: "keysDropped"; keys: Bytes[] };

// ---------------------------------------------------------------- machine I/O

/**
 * A connection from a storage node, numbered by the driver's port (never reused within a run).
 * Admission decides which connection speaks for a node: only a member's current connection does.
 */
export type ConnectionId = number;

/** What a storage node says about itself when it connects (src/core/cluster/hello-check.ts checks it). */
export interface Hello {
  nodeId: NodeId;
  incarnation: string;
  address: string;
}

export type CoordinatorEvent =
  // Always the first event: the durable state as the driver read it (durable.ts). The machine
  // persists the next epoch before it serves anything, so no txid of this run repeats an old one.
  | ({ kind: "recovered" } & CoordinatorDurableState)
  | { kind: "client"; requestId: number; op: ClientOp; deadlineTick: number }
  // A connection's first message. `proofValid`: the port checked the node's proof of the cluster
  // secret against the challenge it sent on this connection (crypto stays out of the core).
  | { kind: "hello"; connection: ConnectionId; hello: unknown; proofValid: boolean }
  // Any connection closed (the machine ignores those that do not speak for a node).
  | { kind: "connectionClosed"; connection: ConnectionId }
  | { kind: "message"; connection: ConnectionId; message: NodeToCoordinator }
  | { kind: "persisted"; token: number }
  | { kind: "tick"; tick: number };

/** What the coordinator recovers from: its durable records' meaning (durable.ts) applied in order. */
export interface CoordinatorDurableState {
  /** 0 on a fresh data directory. */
  epoch: number;
  members: MemberInfo[];
  sealed: boolean;
  /** Absent on a fresh data directory. */
  placement?: Placement;
  /** Absent: the ring is every member, and nothing changes. */
  layout?: LayoutRecord;
  /** Commit decisions not yet forgotten, oldest first. */
  decisions: Array<{ txid: TxnId; participants: NodeId[]; writes: TxnWrite[] }>;
  /** Partitions whose in-sync set is not simply their replicas (absent: every replica is in sync). */
  inSync: InSyncRecord[];
}

export type LogLevel = "debug" | "info" | "warn" | "error";
export interface LogEffect {
  kind: "log";
  level: LogLevel;
  message: string;
  fields?: Record<string, unknown>;
}

export type CoordinatorEffect =
  // To a node's current connection (a closed one: dropped; every message is retried or answered by a resend).
  | { kind: "send"; to: NodeId; connection: ConnectionId; message: CoordinatorToNode }
  | { kind: "persist"; token: number; records: CoordinatorRecord[] }
  | { kind: "reply"; requestId: number; result: ClientResult }
  | { kind: "fail"; requestId: number; error: ClientError }
  // Admission: the node on `connection` is taken in (or welcomed back) ...
  | { kind: "welcome"; connection: ConnectionId; nodeId: NodeId }
  // ... or refused: the port tells it why and closes the connection.
  | { kind: "refuse"; connection: ConnectionId; reason: string }
  // An older connection of a node that has just connected again: the port closes it.
  | { kind: "closeConnection"; connection: ConnectionId; reason: string }
  | LogEffect;

/**
 * A participant reads the data it holds through this view: synchronous, of durable state only.
 * The driver feeds `persisted` for a `committed` record only once get() returns its writes.
 */
/**
 * What a DataView read gives for a record the store finds damaged (it fails its checksum): no
 * value. A replica answers the read "damaged here", and the coordinator reads another replica.
 */
export const DAMAGED: unique symbol = Symbol("damaged");
export type Damaged = typeof DAMAGED;

export interface DataView {
  /** The key's value; DAMAGED when its record fails its checksum. */
  get(key: Bytes): Bytes | undefined | Damaged;
  /**
   * Like get(), for a read that says nothing about which keys are hot — a prepare's look at the
   * keys it is about to replace — so the runtime may leave its cache alone. Defaults to get().
   */
  peek?(key: Bytes): Bytes | undefined | Damaged;
  /** How many keys the node holds (for the cluster's DBSIZE); tombstones are not keys. */
  count(): number;
  /**
   * The version the node holds of `key`, a tombstone's included; undefined when it has none. A
   * version record that fails its checksum reads as the oldest version (any write or repair replaces it).
   */
  version(key: Bytes): TxnId | undefined;
  /**
   * Entries (tombstones included) of keys that `wanted` accepts, in key order after `after`, up to
   * about `bytesMax` bytes; `next` is the last key looked at (null once every key was), so that a
   * scan of a large store that returns nothing yet still moves on.
   */
  scan(after: Bytes | null, wanted: (key: Bytes) => boolean, bytesMax: number): { entries: VersionedEntry[]; next: Bytes | null };
}

/** What a participant recovers from besides its data: prepared transactions still in doubt, oldest first. */
export interface ParticipantDurableState {
  prepared: Array<{ txid: TxnId; writes: TxnWrite[] }>;
}

export type ParticipantEvent =
  | ({ kind: "recovered" } & ParticipantDurableState)
  | { kind: "connected" } // the link to the coordinator is (re)established
  | { kind: "message"; message: CoordinatorToNode }
  | { kind: "persisted"; token: number }
  | { kind: "tick"; tick: number };

export type ParticipantEffect =
  | { kind: "send"; message: NodeToCoordinator }
  | { kind: "persist"; token: number; records: ParticipantRecord[] }
  | LogEffect;

// ---------------------------------------------------------------- in-sync replicas

/**
 * One partition's replicas (PROTOCOL.md, In-sync replicas). Writes prepare on the in-sync members
 * only and reads go only to them; a learner is a replica catching up: it receives every new commit
 * but is never counted and never read.
 */
export interface PartitionState {
  partition: number;
  /** From the ring: the nodes that should hold it, primary first. */
  replicas: NodeId[];
  /** The replicas that hold every acknowledged write of the partition. */
  inSync: NodeId[];
  /** Bumped at every change of inSync. */
  epoch: number;
  /** Replicas catching up. */
  learners: NodeId[];
}

// ---------------------------------------------------------------- what the coordinator shows

/** CoordinatorMachine.view(): for INFO cluster and the nodes command. */
export interface CoordinatorView {
  /** "starting" until `recovered`; clients get CLUSTERDOWN until "serving". */
  state: "starting" | "waiting-for-nodes" | "serving";
  epoch: number;
  sealed: boolean;
  placement: Placement;
  minNodes: number;
  members: MemberView[];
  transactionsInFlight: number;
  /** Decided transactions whose commit some replica has not acknowledged yet. */
  decisionsUnacknowledged: number;
  readsInFlight: number;
  lockedKeys: number;
  /** W: the fewest in-sync replicas a partition keeps. */
  minInSync: number;
  /** Partitions with a replica out of sync. */
  underReplicatedPartitions: number;
  /** Replicas catching up, with their progress. */
  catchUps: Array<{ node: NodeId; partitions: number; streamed: number; keys: number; bytes: number }>;
  /** Repair: the round running, the last one, and totals since the coordinator started. */
  repair: RepairView;
  /** The membership change in progress, if any. */
  move: MoveView | null;
  /** (transaction, key) pairs queued behind the key's holder: the depth of the lock queues. */
  lockWaiters: number;
  /** The coordinator's read cache (KVCache.stats()). */
  cache: { hits: number; misses: number; evictions: number; entries: number; bytes: number; bytesMax: number };
}

/** A membership change: the ring it goes to, and how many partitions have their target replicas in sync. */
export interface MoveView {
  /** Members of the ring now, and of the ring the change goes to. */
  ring: NodeId[];
  target: NodeId[];
  /** Partitions whose replicas change, and how many of them have every target replica in sync. */
  partitions: number;
  partitionsDone: number;
  /** Members that may still hold data of partitions they no longer replicate. */
  cleanup: NodeId[];
}

export interface MemberView extends MemberInfo {
  up: boolean;
  /**
   * active: in the ring; joining: the ring a change goes to adds it; leaving: that ring drops it
   * (its partitions move off first); standby: a member in neither ring.
   */
  role: "active" | "joining" | "leaving" | "standby";
  /** False while its members record is being persisted. */
  joined: boolean;
  primaryPartitions: number;
  replicaPartitions: number;
  /** Partitions it replicates and is in sync for, and those it is catching up on. */
  inSyncPartitions: number;
  learningPartitions: number;
}

/** Repair (repair.ts): what a round compared, found different and fixed. Ticks: config.ticksPerSecond. */
export interface RepairRoundView {
  id: number;
  trigger: "manual" | "background";
  phase: "digests" | "summaries" | "fetch" | "fix" | "done";
  startedTick: number;
  finishedTick: number | null;
  /** From its start to its end, or to now while it runs. */
  elapsedTicks: number;
  /** Partitions whose in-sync replicas were compared, and those skipped (fewer than two up, or changing). */
  partitionsCompared: number;
  partitionsSkipped: number;
  /** Partitions, and ranges of them, whose digests differed. */
  partitionsDiverged: number;
  rangesDiverged: number;
  /** Keys of the differing ranges, those the replicas held differently, fixed, left alone for a tie, or changed meanwhile. */
  keysCompared: number;
  keysDiverged: number;
  keysFixed: number;
  keysUnresolved: number;
  keysChanged: number;
  /** Bytes the replicas read for this round's scans. */
  bytesScanned: number;
  /** More keys differed than a round lists (repairKeysMax): the next round goes on. */
  keysLeftForNextRound: boolean;
}

export interface RepairView {
  current: RepairRoundView | null;
  last: RepairRoundView | null;
  /** Rounds finished, keys found different and fixed, since the coordinator started. */
  rounds: number;
  keysDiverged: number;
  keysFixed: number;
  /** Ticks until the next background round (once the current one, if any, is done). */
  nextBackgroundInTicks: number;
  bytesPerSecond: number;
}
