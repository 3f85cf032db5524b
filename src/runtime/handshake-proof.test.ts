import { test } from "node:test";
import assert from "node:assert/strict";
import { handshakeProof, proofMatches } from "./cluster-link.js";

const nonce = Buffer.alloc(32, 7);
const incarnation = "ab".repeat(16);

test("a proof matches only the secret, challenge, id and incarnation it was made for", () => {
  const proof = handshakeProof("secret", nonce, "node-1", incarnation);
  assert.equal(proofMatches("secret", nonce, "node-1", incarnation, proof), true);
  const others: Array<[string, Buffer, string, string]> = [
    ["other-secret", nonce, "node-1", incarnation],
    ["secret", Buffer.alloc(32, 8), "node-1", incarnation],
    ["secret", nonce, "node-2", incarnation],
    ["secret", nonce, "node-1", "cd".repeat(16)],
  ];
  for (const [secret, challenge, nodeId, claimed] of others) {
    assert.equal(proofMatches(secret, challenge, nodeId, claimed, proof), false, `${secret} ${nodeId} ${claimed}`);
  }
});

test("the id and incarnation cannot trade characters, and a proof that is not a Buffer never matches", () => {
  const proof = handshakeProof("secret", nonce, "node-1a", "b");
  assert.equal(proofMatches("secret", nonce, "node-1", "ab", proof), false);
  assert.equal(proofMatches("secret", nonce, "node-1a", "b", proof.toString("hex")), false);
  assert.equal(proofMatches("secret", nonce, "node-1a", "b", proof.subarray(1)), false);
});
