// Mutual proof of the cluster secret on the link between a storage node and the coordinator.
//
//   node -> coordinator   opening: magic, node nonce Nn (link-opening.ts)
//   coordinator -> node   challenge: coordinator nonce Nc, HMAC(secret, "coordinator" | Nn | Nc)
//   node -> coordinator   hello: id, incarnation, address, HMAC(secret, "node" | Nn | Nc | [id, incarnation, address])
//
// The node checks the coordinator's proof before it sends its own, and obeys nothing from a link
// whose coordinator has not proved the secret; the coordinator admits no node whose proof is
// wrong. Each proof covers both fresh nonces, so none is worth anything on another connection
// (replayed or relayed later), and each names its direction, so a proof cannot be reflected back
// to the side that made it. The secret never crosses the wire. What this does not stop, and TLS
// does (--tls): a man in the middle forwarding both directions of one live connection.

import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { LINK_NONCE_BYTES } from "../codec/link-opening.js";

const COORDINATOR_LABEL = "ringkv link v1: coordinator proof";
const NODE_LABEL = "ringkv link v1: node proof";

/** What a node says about itself in its hello, covered by its proof. */
export interface NodeClaim {
  nodeId: string;
  incarnation: string;
  address: string;
}

export function newNonce(): Buffer {
  return randomBytes(LINK_NONCE_BYTES);
}

export function coordinatorProof(secret: string, nodeNonce: Buffer, coordinatorNonce: Buffer): Buffer {
  return createHmac("sha256", secret).update(COORDINATOR_LABEL).update(nodeNonce).update(coordinatorNonce).digest();
}

/** The id, incarnation and address go in as a JSON array, so no other triple of strings hashes the same. */
export function nodeProof(secret: string, nodeNonce: Buffer, coordinatorNonce: Buffer, claim: NodeClaim): Buffer {
  return createHmac("sha256", secret)
    .update(NODE_LABEL)
    .update(nodeNonce)
    .update(coordinatorNonce)
    .update(JSON.stringify([claim.nodeId, claim.incarnation, claim.address]))
    .digest();
}

/** The coordinator's first frame on a link: its nonce and its proof over both nonces. */
export function coordinatorChallenge(secret: string, nodeNonce: Buffer): { type: "challenge"; nonce: Buffer; proof: Buffer } {
  const nonce = newNonce();
  return { type: "challenge", nonce, proof: coordinatorProof(secret, nodeNonce, nonce) };
}

/** True when the challenge a node received proves the secret over the node's own nonce. */
export function challengeProves(secret: string, nodeNonce: Buffer, challenge: { nonce?: unknown; proof?: unknown }): boolean {
  const { nonce, proof } = challenge;
  if (!Buffer.isBuffer(nonce) || nonce.length !== LINK_NONCE_BYTES) return false;
  return sameDigest(proof, coordinatorProof(secret, nodeNonce, nonce));
}

/** True when a hello (any shape, as received) carries the right proof for this connection's nonces. */
export function helloProves(secret: string, nodeNonce: Buffer, coordinatorNonce: Buffer, hello: unknown): boolean {
  if (typeof hello !== "object" || hello === null) return false;
  const { nodeId, incarnation, address, proof } = hello as Record<string, unknown>;
  if (typeof nodeId !== "string" || typeof incarnation !== "string" || typeof address !== "string") return false;
  return sameDigest(proof, nodeProof(secret, nodeNonce, coordinatorNonce, { nodeId, incarnation, address }));
}

function sameDigest(candidate: unknown, expected: Buffer): boolean {
  return Buffer.isBuffer(candidate) && candidate.length === expected.length && timingSafeEqual(candidate, expected);
}
