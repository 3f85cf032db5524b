// Where the machines' durable state lives in a KVStore, and how it is read back at recovery: the
// layout only. What each record means (which state it changes) is the core's (core/cluster/durable.ts);
// here its primitive changes become store writes. Sub-databases: "data" holds user keys' values;
// "versions" a cluster node's version of each key it holds or deleted (a tombstone: a version and
// no value); "txn" holds 2PC records keyed by txid (a participant's prepared writes, or the
// coordinator's commit decisions); "meta" holds the coordinator's epoch and membership, and a
// node's id and incarnation.

import { Packr } from "msgpackr";
import { writeCoordinatorRecords, writeParticipantRecords } from "../core/cluster/durable.js";
import { DAMAGED, type Damaged } from "../core/cluster/types.js";
import type {
  CoordinatorDurableState, CoordinatorRecord, InSyncRecord, LayoutRecord, MemberInfo, NodeId, ParticipantDurableState, ParticipantRecord, Placement, TxnId, TxnWrite,
  VersionedEntry,
} from "../core/cluster/types.js";
import type { KVStore, StoreWrite } from "../storage/kv-store.js";
import { CorruptRecordError } from "../storage/record-checksum.js";
import type { DataWrite } from "../storage/storage-engine.js";

const packr = new Packr({ useRecords: false, moreTypes: false });

const META_EPOCH = Buffer.from("epoch");
const META_MEMBERS = Buffer.from("members");
const META_NODE_ID = Buffer.from("node-id");
const META_INCARNATION = Buffer.from("incarnation");

/** Meta keys of the partitions' in-sync records: a prefix, then the partition number. */
const META_IN_SYNC_PREFIX = "in-sync:";

function inSyncKey(partition: number): Buffer {
  return Buffer.from(`${META_IN_SYNC_PREFIX}${partition}`, "utf8");
}

function txnKey(txid: TxnId): Buffer {
  return Buffer.from(txid, "utf8");
}

/** A participant's records as one atomic write: data changes, plus txn-record changes. */
export function participantStoreWrites(records: readonly ParticipantRecord[]): { data: DataWrite[]; extra: StoreWrite[] } {
  const data: DataWrite[] = [];
  const extra: StoreWrite[] = [];
  const removeKey = (key: Uint8Array): void => {
    data.push({ key: Buffer.from(key), value: null });
    extra.push({ db: "versions", key: Buffer.from(key), value: null });
  };
  writeParticipantRecords(records, {
    putEntry: (key, version, value) => {
      data.push({ key: Buffer.from(key), value: value === null ? null : Buffer.from(value) });
      extra.push({ db: "versions", key: Buffer.from(key), value: Buffer.from(version, "utf8") });
    },
    deleteKey: (key) => removeKey(key),
    dropKey: (key) => removeKey(key),
    putPrepared: (txid, writes) => extra.push({ db: "txn", key: txnKey(txid), value: packr.pack(writes) }),
    deletePrepared: (txid) => extra.push({ db: "txn", key: txnKey(txid), value: null }),
  });
  return { data, extra };
}

/** The version of data stored before versions were kept: older than any transaction's. */
const UNVERSIONED = "0.0";

/**
 * The version a node holds of `key` (a tombstone's included). A version record that fails its
 * checksum reads as the oldest version: any write replaces it, and a repair round, which sees this
 * copy as older than the others, brings the right one back (DataView.version).
 */
export function storedVersion(store: KVStore, key: Uint8Array): TxnId | undefined {
  try {
    return store.get("versions", key)?.toString("utf8");
  } catch (error) {
    if (!(error instanceof CorruptRecordError)) throw error;
    return UNVERSIONED;
  }
}

/** Keys examined by one scan at most, whether they are wanted or not: one step stays short. */
const SCAN_KEYS_EXAMINED_MAX = 20_000;

/** A node's entries (tombstones included) in key order after `after`, for catch-up (DataView.scan). */
export function scanEntries(
  store: KVStore, after: Uint8Array | null, wanted: (key: Uint8Array) => boolean, bytesMax: number,
): { entries: VersionedEntry[]; next: Uint8Array | null } {
  const entries: VersionedEntry[] = [];
  let bytes = 0;
  let examined = 0;
  for (const [key, version] of store.entriesOrDamaged("versions", after ?? undefined)) {
    examined += 1;
    if (wanted(key)) {
      // A damaged version record: the oldest version, as storedVersion() reads it.
      const text = version instanceof CorruptRecordError ? UNVERSIONED : version.toString("utf8");
      const entry = entryOf(store, key, text);
      entries.push(entry);
      bytes += key.length + text.length + (entry.value?.length ?? 0);
    }
    if (bytes >= bytesMax || examined >= SCAN_KEYS_EXAMINED_MAX) return { entries, next: key };
  }
  return { entries, next: null };
}

/** A key's entry; a value whose record fails its checksum is marked damaged (repair mends it from another replica). */
function entryOf(store: KVStore, key: Buffer, version: string): VersionedEntry {
  const value = readOrDamaged(() => store.get("data", key));
  return value === DAMAGED ? { key, version, value: null, damaged: true } : { key, version, value: value ?? null };
}

/** A read of the store as a DataView gives it: a record that fails its checksum is DAMAGED, not an exception. */
export function readOrDamaged(read: () => Buffer | undefined): Buffer | undefined | Damaged {
  try {
    return read();
  } catch (error) {
    if (!(error instanceof CorruptRecordError)) throw error;
    return DAMAGED;
  }
}

const BACKFILL_BATCH_KEYS = 10_000;

/**
 * A data directory from before versions were kept holds values without versions: give each one the
 * oldest version, so that catch-up scans see it and any later write replaces it.
 */
export async function backfillVersions(store: KVStore): Promise<number> {
  if (store.count("versions") > 0 || store.count("data") === 0) return 0;
  let batch: StoreWrite[] = [];
  let count = 0;
  for (const [key] of store.entries("data")) {
    batch.push({ db: "versions", key, value: Buffer.from(UNVERSIONED, "utf8") });
    count += 1;
    if (batch.length >= BACKFILL_BATCH_KEYS) {
      await store.write(batch);
      batch = [];
    }
  }
  if (batch.length > 0) await store.write(batch);
  return count;
}

export function readParticipantState(store: KVStore): ParticipantDurableState {
  const prepared = [...store.entries("txn")].map(([key, value]) => ({ txid: key.toString("utf8"), writes: packr.unpack(value) as TxnWrite[] }));
  return { prepared };
}

/** A coordinator's records as one atomic write. */
export function coordinatorStoreWrites(records: readonly CoordinatorRecord[]): StoreWrite[] {
  const writes: StoreWrite[] = [];
  writeCoordinatorRecords(records, {
    setEpoch: (epoch) => writes.push({ db: "meta", key: META_EPOCH, value: packr.pack(epoch) }),
    setMembership: (membership) => writes.push({ db: "meta", key: META_MEMBERS, value: packr.pack(membership) }),
    putDecision: (txid, decision) => writes.push({ db: "txn", key: txnKey(txid), value: packr.pack(decision) }),
    deleteDecision: (txid) => writes.push({ db: "txn", key: txnKey(txid), value: null }),
    setInSync: (record) => writes.push({ db: "meta", key: inSyncKey(record.partition), value: packr.pack(record) }),
  });
  return writes;
}

type StoredMember = Omit<MemberInfo, "incarnation"> & { incarnation?: string };

export function readCoordinatorState(store: KVStore): CoordinatorDurableState {
  const epoch = store.get("meta", META_EPOCH);
  const members = store.get("meta", META_MEMBERS);
  const stored = members === undefined
    ? { members: [], sealed: false }
    : (packr.unpack(members) as { members: StoredMember[]; sealed: boolean; placement: Placement; layout?: LayoutRecord });
  // A members record written before incarnations existed lists none: "" (see MemberInfo).
  const membership = { ...stored, members: stored.members.map((member) => ({ ...member, incarnation: member.incarnation ?? "" })) };
  const decisions = [...store.entries("txn")].map(([key, value]) => {
    const decision = packr.unpack(value) as { participants: NodeId[]; writes: TxnWrite[] };
    return { txid: key.toString("utf8"), ...decision };
  });
  const inSync: InSyncRecord[] = [];
  for (const [key, value] of store.entries("meta", Buffer.from(META_IN_SYNC_PREFIX, "utf8"))) {
    if (!key.toString("utf8").startsWith(META_IN_SYNC_PREFIX)) break;
    inSync.push(packr.unpack(value) as InSyncRecord);
  }
  return { epoch: epoch === undefined ? 0 : (packr.unpack(epoch) as number), ...membership, decisions, inSync };
}

/** A storage node's id and the incarnation of its data directory, as far as they are stored. */
export function storedNodeIdentity(store: KVStore): { nodeId?: string; incarnation?: string } {
  const nodeId = store.get("meta", META_NODE_ID)?.toString("utf8");
  const incarnation = store.get("meta", META_INCARNATION)?.toString("utf8");
  return { ...(nodeId === undefined ? {} : { nodeId }), ...(incarnation === undefined ? {} : { incarnation }) };
}

export function nodeIdWrite(nodeId: string): StoreWrite {
  return { db: "meta", key: META_NODE_ID, value: Buffer.from(nodeId, "utf8") };
}

export function incarnationWrite(incarnation: string): StoreWrite {
  return { db: "meta", key: META_INCARNATION, value: Buffer.from(incarnation, "utf8") };
}
