// A simulated disk for one process. A `persist` effect is a batch of records written as ONE atomic
// commit (as LMDB commits are); it becomes durable when its sync completes, in the order the batches
// were written (a later commit is never on disk without the earlier ones). A crash takes every batch
// not yet synced, except that the disk may have written some of them anyway: a prefix of the
// unsynced batches may survive, each whole (never half-applied: "torn" means lost).
//
// The durable state is what a restarted process recovers from, and what a participant's DataView
// reads. It is kept in maps; what each record changes in it is the core's to say (durable.ts).

import { writeCoordinatorRecords, writeParticipantRecords } from "../core/cluster/durable.js";
import { keyString } from "../core/cluster/key-string.js";
import { deepCopy } from "./copy.js";
import { DAMAGED } from "../core/cluster/types.js";
import type {
  Bytes, CoordinatorDurableState, CoordinatorRecord, DataView, InSyncRecord, LayoutRecord, MemberInfo, NodeId, ParticipantDurableState, ParticipantRecord, Placement,
  TxnId, TxnWrite, VersionedEntry,
} from "../core/cluster/types.js";

interface PendingBatch<DiskRecord> {
  token: number;
  records: DiskRecord[];
  syncAtUs: number;
}

export class SimDisk<DiskRecord, State> {
  readonly durable: State;
  readonly #pending: Array<PendingBatch<DiskRecord>> = [];
  #lastSyncAtUs = 0;
  readonly #apply: (state: State, records: readonly DiskRecord[]) => void;
  readonly #pendingBatchesMax: number;

  constructor(state: State, apply: (state: State, records: readonly DiskRecord[]) => void, pendingBatchesMax: number) {
    this.durable = state;
    this.#apply = apply;
    this.#pendingBatchesMax = pendingBatchesMax;
  }

  /** Queues a batch; returns when its sync completes (never before an earlier batch's). */
  write(token: number, records: DiskRecord[], nowUs: number, syncLatencyUs: number): number {
    if (this.#pending.length >= this.#pendingBatchesMax) {
      throw new Error(`sim disk: more than ${this.#pendingBatchesMax} batches waiting for sync`);
    }
    const syncAtUs = Math.max(this.#lastSyncAtUs, nowUs + Math.ceil(syncLatencyUs));
    this.#lastSyncAtUs = syncAtUs;
    this.#pending.push({ token, records, syncAtUs });
    return syncAtUs;
  }

  /** Completes the sync of the oldest batch, which must be `token`; false if a crash took it. */
  sync(token: number): boolean {
    const oldest = this.#pending[0];
    if (oldest === undefined || oldest.token !== token) return false;
    this.#pending.shift();
    this.#apply(this.durable, oldest.records);
    return true;
  }

  /** Batches written but not yet synced. */
  get pendingBatches(): number {
    return this.#pending.length;
  }

  /**
   * A crash: `survives()` is asked for each unsynced batch in order, until the first that is lost;
   * those before it are applied whole, the rest dropped. Returns how many survived and were lost.
   */
  crash(survives: () => boolean): { survived: number; lost: number } {
    let survived = 0;
    while (this.#pending.length > 0 && survives()) {
      this.#apply(this.durable, this.#pending.shift()!.records);
      survived += 1;
    }
    const lost = this.#pending.length;
    this.#pending.length = 0;
    return { survived, lost };
  }
}

// ---------------------------------------------------------------- a storage node's disk

export interface ParticipantDurable {
  /** The data, by keyString(key). */
  data: Map<string, Bytes>;
  /** Every key's latest version, by keyString(key): a key with a version and no data is a tombstone. */
  versions: Map<string, TxnId>;
  /** Prepared transactions not yet committed or aborted, in the order they were prepared. */
  prepared: Map<TxnId, TxnWrite[]>;
  /** Each key's value before its latest committed write (absent: it did not exist); plants read it. */
  overwritten: Map<string, Bytes | undefined>;
  /** Keys whose value record fails its checksum (rot.ts): a read gives DAMAGED until a write replaces it. */
  unreadable: Set<string>;
}

export function emptyParticipantDurable(): ParticipantDurable {
  return { data: new Map(), versions: new Map(), prepared: new Map(), overwritten: new Map(), unreadable: new Set() };
}

export function applyParticipantRecords(state: ParticipantDurable, records: readonly ParticipantRecord[]): void {
  writeParticipantRecords(records, {
    putEntry: (keyBytes, version, value) => {
      const key = keyString(keyBytes);
      state.overwritten.set(key, state.data.get(key));
      state.unreadable.delete(key);
      if (value === null) state.data.delete(key);
      else state.data.set(key, value);
      state.versions.set(key, version);
    },
    deleteKey: (keyBytes) => {
      const key = keyString(keyBytes);
      state.versions.delete(key);
      if (state.data.has(key)) throw new Error(`sim disk: a key with a value was collected as a tombstone`);
    },
    dropKey: (keyBytes) => {
      const key = keyString(keyBytes);
      state.overwritten.set(key, state.data.get(key));
      state.unreadable.delete(key);
      state.versions.delete(key);
      state.data.delete(key);
    },
    putPrepared: (txid, writes) => state.prepared.set(txid, writes),
    deletePrepared: (txid) => state.prepared.delete(txid),
  });
}

/** A participant's synchronous view of its simulated disk's durable state. */
export function participantDataView(state: ParticipantDurable): DataView {
  return {
    get: (key) => (state.unreadable.has(keyString(key)) ? DAMAGED : state.data.get(keyString(key))),
    count: () => state.data.size,
    version: (key) => state.versions.get(keyString(key)),
    scan: (after, wanted, bytesMax) => {
      const from = after === null ? undefined : keyString(after);
      const names = [...state.versions.keys()].filter((name) => from === undefined || name > from).sort();
      const entries: VersionedEntry[] = [];
      let bytes = 0;
      for (const name of names) {
        const key = keyBytes(name);
        if (!wanted(key)) continue;
        const value = state.unreadable.has(name) ? null : state.data.get(name) ?? null;
        entries.push(state.unreadable.has(name) ? { key, version: state.versions.get(name)!, value, damaged: true } : { key, version: state.versions.get(name)!, value });
        bytes += key.length + (value?.length ?? 0);
        if (bytes >= bytesMax) return { entries, next: key };
      }
      return { entries, next: null };
    },
  };
}

/** The bytes a keyString() came from (one byte per code unit). */
function keyBytes(name: string): Bytes {
  return Uint8Array.from(name, (char) => char.charCodeAt(0));
}

/** What a participant starts from after a crash (copied: the machine may keep what it is given). */
export function recoveredParticipantState(state: ParticipantDurable): ParticipantDurableState {
  return { prepared: [...state.prepared].map(([txid, writes]) => ({ txid, writes: deepCopy(writes) })) };
}

// ---------------------------------------------------------------- the coordinator's disk

export interface CoordinatorDurable {
  /** 0 on a fresh data directory. */
  epoch: number;
  members: MemberInfo[];
  sealed: boolean;
  placement?: Placement;
  /** The ring's members and the change in progress (absent: every member, nothing changes). */
  layout?: LayoutRecord;
  /** Commit decisions not yet forgotten, in the order they were logged. */
  decisions: Map<TxnId, { participants: NodeId[]; writes: TxnWrite[] }>;
  /** Partitions' in-sync records, by partition. */
  inSync: Map<number, InSyncRecord>;
}

export function emptyCoordinatorDurable(): CoordinatorDurable {
  return { epoch: 0, members: [], sealed: false, decisions: new Map(), inSync: new Map() };
}

export function applyCoordinatorRecords(state: CoordinatorDurable, records: readonly CoordinatorRecord[]): void {
  writeCoordinatorRecords(records, {
    setEpoch: (epoch) => {
      state.epoch = epoch;
    },
    setMembership: ({ members, sealed, placement, layout }) => Object.assign(state, { members, sealed, placement, layout }),
    putDecision: (txid, decision) => state.decisions.set(txid, decision),
    deleteDecision: (txid) => state.decisions.delete(txid),
    setInSync: (record) => state.inSync.set(record.partition, record),
  });
}

/** What a coordinator starts from after a crash (copied: the machine may keep what it is given). */
export function recoveredCoordinatorState(state: CoordinatorDurable): CoordinatorDurableState {
  const decisions = [...state.decisions].map(([txid, decision]) => ({ txid, ...deepCopy(decision) }));
  const inSync = deepCopy([...state.inSync.values()]);
  const recovered: CoordinatorDurableState = { epoch: state.epoch, members: deepCopy(state.members), sealed: state.sealed, decisions, inSync };
  if (state.placement !== undefined) recovered.placement = { ...state.placement };
  if (state.layout !== undefined) recovered.layout = deepCopy(state.layout);
  return recovered;
}
