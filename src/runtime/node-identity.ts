// A storage node's identity: its id, and the incarnation of its data directory, a random token
// made when the id is first written there. The coordinator keeps each member's incarnation; the
// same id on a new, wiped or replaced directory arrives with another one, and once data has been
// written it is refused (PROTOCOL.md, Placement): that directory lacks the data the node held.

import { randomBytes } from "node:crypto";
import { INCARNATION_BYTES, isIncarnation, nodeIdProblem } from "../core/cluster/node-id.js";
import { RingkvError } from "../shared/errors.js";
import type { KVStore } from "../storage/kv-store.js";
import { incarnationWrite, nodeIdWrite, storedNodeIdentity } from "./records.js";

export interface NodeIdentity {
  nodeId: string;
  incarnation: string;
}

/**
 * The node's stable id and its directory's incarnation, both kept in the data directory from the
 * first start on. A directory from before incarnations (an id but no incarnation) gets one now.
 */
export async function settleNodeId(store: KVStore, wanted: string | undefined): Promise<NodeIdentity> {
  const wantedProblem = wanted === undefined ? undefined : nodeIdProblem(wanted);
  if (wantedProblem !== undefined) throw new RingkvError("ERR", `--id: ${wantedProblem}`);
  const stored = storedNodeIdentity(store);
  if (stored.nodeId !== undefined && wanted !== undefined && wanted !== stored.nodeId) {
    throw new RingkvError("ERR", `this data directory belongs to node "${stored.nodeId}", not "${wanted}"; use --id ${stored.nodeId} or another directory`);
  }
  if (stored.nodeId !== undefined && stored.incarnation !== undefined) {
    if (!isIncarnation(stored.incarnation)) {
      throw new RingkvError("ERR", `this data directory's incarnation is damaged: ${JSON.stringify(stored.incarnation)} is not ${INCARNATION_BYTES * 2} hex digits; `
        + "restore the directory from a backup (a new directory under this id is refused once the cluster holds data)");
    }
    return { nodeId: stored.nodeId, incarnation: stored.incarnation };
  }
  const nodeId = stored.nodeId ?? wanted ?? `node-${randomBytes(4).toString("hex")}`;
  const incarnation = randomBytes(INCARNATION_BYTES).toString("hex");
  // One atomic, durable write: no directory ever holds an id without its incarnation.
  await store.write([nodeIdWrite(nodeId), incarnationWrite(incarnation)]);
  return { nodeId, incarnation };
}
