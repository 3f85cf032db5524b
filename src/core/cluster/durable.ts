// The meaning of the machines' durable records, stated once: how each record changes the state a
// process recovers from. A driver's port stores records in whatever layout suits it (LMDB tables in
// a real process, maps on a simulated disk) through a DurableWriter, and reads that state back as a
// CoordinatorDurableState / ParticipantDurableState for the `recovered` event. Nothing outside the
// core decides what a record does.

import type {
  Bytes, CoordinatorDurableState, CoordinatorRecord, InSyncRecord, LayoutRecord, MemberInfo, NodeId, ParticipantRecord, Placement, TxnId, TxnWrite,
} from "./types.js";

/** The primitive changes a coordinator's records make; one persist's changes are applied atomically. */
export interface CoordinatorDurableWriter {
  setEpoch(epoch: number): void;
  /** `layout` absent: the ring is every member, and nothing changes. */
  setMembership(membership: { members: MemberInfo[]; sealed: boolean; placement: Placement; layout?: LayoutRecord }): void;
  putDecision(txid: TxnId, decision: { participants: NodeId[]; writes: TxnWrite[] }): void;
  deleteDecision(txid: TxnId): void;
  setInSync(record: InSyncRecord): void;
}

/** The primitive changes a participant's records make; one persist's changes are applied atomically. */
export interface ParticipantDurableWriter {
  /** The key's value and version; a null value deletes the value and keeps the version (a tombstone). */
  putEntry(key: Bytes, version: TxnId, value: Bytes | null): void;
  /** A tombstone leaves no trace: no version (it has no value). */
  deleteKey(key: Bytes): void;
  /** A key of a dropped partition leaves no trace: no value, no version. */
  dropKey(key: Bytes): void;
  putPrepared(txid: TxnId, writes: TxnWrite[]): void;
  deletePrepared(txid: TxnId): void;
}

export function writeCoordinatorRecords(records: readonly CoordinatorRecord[], writer: CoordinatorDurableWriter): void {
  for (const record of records) {
    switch (record.type) {
      case "epoch":
        writer.setEpoch(record.epoch);
        break;
      case "members":
        writer.setMembership(record.layout === undefined
          ? { members: record.members, sealed: record.sealed, placement: record.placement }
          : { members: record.members, sealed: record.sealed, placement: record.placement, layout: record.layout });
        break;
      case "decision":
        writer.putDecision(record.txid, { participants: record.participants, writes: record.writes });
        break;
      case "forget":
        writer.deleteDecision(record.txid);
        break;
      case "inSync":
        for (const partition of record.partitions) writer.setInSync(partition);
        break;
    }
  }
}

export function writeParticipantRecords(records: readonly ParticipantRecord[], writer: ParticipantDurableWriter): void {
  for (const record of records) {
    switch (record.type) {
      case "prepared":
        writer.putPrepared(record.txid, record.writes);
        break;
      case "committed":
        // The writes and the end of the prepared record in one atomic write: never one without the other.
        for (const write of record.writes) writer.putEntry(write.key, record.txid, write.value);
        writer.deletePrepared(record.txid);
        break;
      case "aborted":
        writer.deletePrepared(record.txid);
        break;
      case "entries":
        for (const entry of record.entries) writer.putEntry(entry.key, entry.version, entry.value);
        break;
      case "tombstonesCollected":
        for (const key of record.keys) writer.deleteKey(key);
        break;
      case "keysDropped":
        for (const key of record.keys) writer.dropKey(key);
        break;
    }
  }
}

export function emptyCoordinatorState(): CoordinatorDurableState {
  return { epoch: 0, members: [], sealed: false, decisions: [], inSync: [] };
}
