// What a write means, apart from how it is carried out: the writes a client operation becomes,
// and, from what the replicas saw when they prepared, whether it commits and what the client is
// told. Pure functions; coordinator-writes.ts runs the transaction around them.

import { planCommand } from "../commands/index.js";
import { keyString } from "./key-string.js";
import type { ClientOp, ClientResult, PreviousValue, TxnWrite } from "./types.js";

export type WriteOp = Extract<ClientOp, { kind: "set" | "mset" | "del" | "command" }>;
export type CommandOp = Extract<ClientOp, { kind: "command" }>;
/** SET, MSET and DEL: writes known before anything is read, decided on what the prepares saw. */
export type SimpleWriteOp = Exclude<WriteOp, CommandOp>;
export type ReadOp = Extract<ClientOp, { kind: "get" | "exists" }>;

export interface WritePlan {
  /** One write per distinct key, in order of first appearance. */
  writes: TxnWrite[];
  /** keyString() of each write's key, aligned with `writes`. */
  keyStrings: string[];
  /** The participants must return previous values, not just existence (SET ... GET). */
  wantValues: boolean;
}

export interface Outcome {
  commit: boolean;
  result: ClientResult;
}

export function isWriteOp(op: ClientOp): op is WriteOp {
  return op.kind === "set" || op.kind === "mset" || op.kind === "del" || op.kind === "command";
}

/**
 * The transaction's writes. MSET naming a key twice writes the last value; DEL naming one twice
 * deletes it once. A command's writes are known only once its keys are read: until then its plan
 * names every key it may touch (with null values), which is what it locks.
 */
export function planWrite(op: WriteOp): WritePlan {
  const byKey = new Map<string, TxnWrite>();
  const add = (key: Uint8Array, value: Uint8Array | null) => byKey.set(keyString(key), { key, value });
  if (op.kind === "command") for (const key of planCommand(op.command).keys) add(key, null);
  else if (op.kind === "set") add(op.key, op.value);
  else if (op.kind === "mset") for (const [key, value] of op.pairs) add(key, value);
  else for (const key of op.keys) add(key, null);
  if (byKey.size === 0) throw new Error(`a ${op.kind} with no keys reached the coordinator`);
  return {
    writes: [...byKey.values()],
    keyStrings: [...byKey.keys()],
    wantValues: op.kind === "set" && op.returnPrevious === true,
  };
}

/**
 * Whether the write happens and the client's answer, from `previous` (aligned with the plan's
 * writes): a false NX/XX condition, or a DEL of keys none of which exist, changes nothing, so it
 * aborts (nothing to log) and still answers the client.
 */
export function decideOutcome(op: SimpleWriteOp, previous: readonly PreviousValue[]): Outcome {
  if (op.kind === "mset") return { commit: true, result: { kind: "ok" } };
  if (op.kind === "del") {
    const count = previous.filter((seen) => seen.exists).length;
    return { commit: count > 0, result: { kind: "count", count } };
  }
  const seen = previous[0]!;
  const written = op.condition === "NX" ? !seen.exists : op.condition === "XX" ? seen.exists : true;
  if (op.returnPrevious !== true) return { commit: written, result: { kind: "set", written } };
  const before = seen.exists ? seen.value! : null;
  return { commit: written, result: { kind: "set", written, previous: before } };
}
