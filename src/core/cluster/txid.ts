// Transaction ids: `${epoch}.${seq}`. The coordinator persists a new epoch at every start and
// numbers its transactions in arrival order, and writes to one key run one at a time in that
// order, so for every key the order of txids is the order of its commits: a txid is the key's
// version (PROTOCOL.md, In-sync replicas), and "newer" is compareTxids() > 0.

import type { TxnId } from "./types.js";

export function formatTxid(epoch: number, seq: number): TxnId {
  return `${epoch}.${seq}`;
}

/** Orders txids by (epoch, seq): the order in which the coordinator created them. */
export function compareTxids(a: TxnId, b: TxnId): number {
  const [epochA, seqA] = parseTxid(a);
  const [epochB, seqB] = parseTxid(b);
  return epochA - epochB || seqA - seqB;
}

function parseTxid(txid: TxnId): [number, number] {
  const dot = txid.indexOf(".");
  const epoch = Number(txid.slice(0, dot));
  const seq = Number(txid.slice(dot + 1));
  if (dot < 0 || !Number.isSafeInteger(epoch) || !Number.isSafeInteger(seq)) {
    throw new RangeError(`a txid must be "epoch.seq", got ${JSON.stringify(txid)}`);
  }
  return [epoch, seq];
}

/** True when `a` is a later version than `b` (undefined: the key has none, older than any). */
export function isNewer(a: TxnId, b: TxnId | undefined): boolean {
  return b === undefined || compareTxids(a, b) > 0;
}
