// Where the machines' durable state lives in a KVStore, and how it is read back at recovery: the
// layout only. What each record means (which state it changes) is the core's (core/cluster/durable.ts);
// here its primitive changes become store writes. Sub-databases: "data" holds user keys; "txn" holds
// 2PC records keyed by txid (a participant's prepared writes, or the coordinator's commit
// decisions); "meta" holds the coordinator's epoch and membership, and a node's id and incarnation.

import { Packr } from "msgpackr";
import { writeCoordinatorRecords, writeParticipantRecords } from "../core/cluster/durable.js";
import type {
  CoordinatorDurableState, CoordinatorRecord, MemberInfo, NodeId, ParticipantDurableState, ParticipantRecord, Placement, TxnId, TxnWrite,
} from "../core/cluster/types.js";
import type { KVStore, StoreWrite } from "../storage/kv-store.js";
import type { DataWrite } from "../storage/storage-engine.js";

const packr = new Packr({ useRecords: false, moreTypes: false });

const META_EPOCH = Buffer.from("epoch");
const META_MEMBERS = Buffer.from("members");
const META_NODE_ID = Buffer.from("node-id");
const META_INCARNATION = Buffer.from("incarnation");

function txnKey(txid: TxnId): Buffer {
  return Buffer.from(txid, "utf8");
}

/** A participant's records as one atomic write: data changes, plus txn-record changes. */
export function participantStoreWrites(records: readonly ParticipantRecord[]): { data: DataWrite[]; extra: StoreWrite[] } {
  const data: DataWrite[] = [];
  const extra: StoreWrite[] = [];
  writeParticipantRecords(records, {
    putData: (key, value) => data.push({ key: Buffer.from(key), value: value === null ? null : Buffer.from(value) }),
    putPrepared: (txid, writes) => extra.push({ db: "txn", key: txnKey(txid), value: packr.pack(writes) }),
    deletePrepared: (txid) => extra.push({ db: "txn", key: txnKey(txid), value: null }),
  });
  return { data, extra };
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
  });
  return writes;
}

type StoredMember = Omit<MemberInfo, "incarnation"> & { incarnation?: string };

export function readCoordinatorState(store: KVStore): CoordinatorDurableState {
  const epoch = store.get("meta", META_EPOCH);
  const members = store.get("meta", META_MEMBERS);
  const stored = members === undefined
    ? { members: [], sealed: false }
    : (packr.unpack(members) as { members: StoredMember[]; sealed: boolean; placement: Placement });
  // A members record written before incarnations existed lists none: "" (see MemberInfo).
  const membership = { ...stored, members: stored.members.map((member) => ({ ...member, incarnation: member.incarnation ?? "" })) };
  const decisions = [...store.entries("txn")].map(([key, value]) => {
    const decision = packr.unpack(value) as { participants: NodeId[]; writes: TxnWrite[] };
    return { txid: key.toString("utf8"), ...decision };
  });
  return { epoch: epoch === undefined ? 0 : (packr.unpack(epoch) as number), ...membership, decisions };
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
