// How the machines' durable records (src/core/cluster/types.ts) are laid out in a KVStore, and
// read back at recovery. Sub-databases: "data" holds user keys; "txn" holds 2PC records keyed by
// txid (a participant's prepared writes, or the coordinator's commit decisions); "meta" holds the
// coordinator's epoch and membership, and a node's id and incarnation.

import { Packr } from "msgpackr";
import type {
  CoordinatorRecord, MemberInfo, NodeId, ParticipantRecord, Placement, TxnId, TxnWrite,
} from "../core/cluster/types.js";
import type { KVStore, StoreWrite } from "../storage/kv-store.js";
import type { DataWrite } from "./storage-engine.js";

const packr = new Packr({ useRecords: false, moreTypes: false });

const META_EPOCH = Buffer.from("epoch");
const META_MEMBERS = Buffer.from("members");
const META_NODE_ID = Buffer.from("node-id");
const META_INCARNATION = Buffer.from("incarnation");

function txnKey(txid: TxnId): Buffer {
  return Buffer.from(txid, "utf8");
}

/** A participant's records as one atomic write: data changes, plus txn-record changes. */
export function participantWrites(records: ParticipantRecord[]): { data: DataWrite[]; extra: StoreWrite[] } {
  const data: DataWrite[] = [];
  const extra: StoreWrite[] = [];
  for (const record of records) {
    if (record.type === "prepared") {
      extra.push({ db: "txn", key: txnKey(record.txid), value: packr.pack(record.writes) });
      continue;
    }
    if (record.type === "committed") {
      for (const write of record.writes) data.push({ key: Buffer.from(write.key), value: write.value === null ? null : Buffer.from(write.value) });
    }
    extra.push({ db: "txn", key: txnKey(record.txid), value: null });
  }
  return { data, extra };
}

export function recoverPrepared(store: KVStore): Array<{ txid: TxnId; writes: TxnWrite[] }> {
  return [...store.entries("txn")].map(([key, value]) => ({ txid: key.toString("utf8"), writes: packr.unpack(value) as TxnWrite[] }));
}

export function coordinatorWrites(records: CoordinatorRecord[]): StoreWrite[] {
  return records.map((record): StoreWrite => {
    switch (record.type) {
      case "epoch":
        return { db: "meta", key: META_EPOCH, value: packr.pack(record.epoch) };
      case "members":
        return { db: "meta", key: META_MEMBERS, value: packr.pack({ members: record.members, sealed: record.sealed, placement: record.placement }) };
      case "decision":
        return { db: "txn", key: txnKey(record.txid), value: packr.pack({ participants: record.participants, writes: record.writes }) };
      case "forget":
        return { db: "txn", key: txnKey(record.txid), value: null };
    }
  });
}

export interface CoordinatorState {
  epoch: number;
  members: MemberInfo[];
  sealed: boolean;
  /** Absent on a fresh data directory. */
  placement?: Placement;
  decisions: Array<{ txid: TxnId; participants: NodeId[]; writes: TxnWrite[] }>;
}

type StoredMember = Omit<MemberInfo, "incarnation"> & { incarnation?: string };

export function recoverCoordinator(store: KVStore): CoordinatorState {
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
