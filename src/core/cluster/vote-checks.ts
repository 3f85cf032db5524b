// Checks on what participants report in their votes. A vote is a peer's message, so a malformed
// one is an expected failure (the write aborts), not a crash; replicas that disagree about a key
// are a sign of divergence worth an error in the log.

import { describeKey } from "./key-string.js";
import type { NodeId, PreviousValue, TxnWrite } from "./types.js";

/** Why `previous` is not a valid answer to a prepare of `share`, or null when it is. */
export function checkVote(share: readonly TxnWrite[], previous: readonly PreviousValue[], wantValues: boolean): string | null {
  if (!Array.isArray(previous) || previous.length !== share.length) {
    return `${share.length} previous values expected, got ${Array.isArray(previous) ? previous.length : typeof previous}`;
  }
  for (const [index, seen] of previous.entries()) {
    if (typeof seen?.exists !== "boolean") return `previous value ${index} has no "exists" flag`;
    if (wantValues && seen.exists && !(seen.value instanceof Uint8Array)) return `previous value ${index} exists but has no value`;
  }
  return null;
}

/** The first key whose existence the replicas' votes disagree on, or null. */
export function findDisagreement(
  shares: ReadonlyMap<NodeId, readonly TxnWrite[]>,
  votes: ReadonlyMap<NodeId, readonly PreviousValue[]>,
): { key: string; existsOn: NodeId[]; absentOn: NodeId[] } | null {
  // Replicas of one key share the same write object, so it identifies the key.
  const byWrite = new Map<TxnWrite, { existsOn: NodeId[]; absentOn: NodeId[] }>();
  for (const [node, share] of shares) {
    share.forEach((write, index) => {
      let seen = byWrite.get(write);
      if (seen === undefined) byWrite.set(write, (seen = { existsOn: [], absentOn: [] }));
      (votes.get(node)![index]!.exists ? seen.existsOn : seen.absentOn).push(node);
    });
  }
  for (const [write, seen] of byWrite) {
    if (seen.existsOn.length > 0 && seen.absentOn.length > 0) return { key: describeKey(write.key), ...seen };
  }
  return null;
}
