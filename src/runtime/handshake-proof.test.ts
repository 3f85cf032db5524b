import { test } from "node:test";
import assert from "node:assert/strict";
import { challengeProves, coordinatorChallenge, coordinatorProof, helloProves, newNonce, nodeProof } from "./handshake-proof.js";

const secret = "a cluster secret of some length";
const claim = { nodeId: "node-1", incarnation: "ab".repeat(16), address: "127.0.0.1:7001" };

test("a node accepts a challenge only when it proves the secret over the node's own nonce", () => {
  const nodeNonce = newNonce();
  const challenge = coordinatorChallenge(secret, nodeNonce);
  assert.equal(challengeProves(secret, nodeNonce, challenge), true);
  assert.equal(challengeProves("another secret", nodeNonce, challenge), false, "a coordinator without the secret");
  assert.equal(challengeProves(secret, newNonce(), challenge), false, "a challenge made for another connection (replayed or relayed)");
  assert.equal(challengeProves(secret, nodeNonce, { ...challenge, nonce: newNonce() }), false, "another nonce");
  assert.equal(challengeProves(secret, nodeNonce, { nonce: challenge.nonce }), false, "no proof");
  assert.equal(challengeProves(secret, nodeNonce, { nonce: "x", proof: challenge.proof }), false, "a nonce that is not bytes");
});

test("the coordinator accepts a hello only with the proof for this connection's nonces and the claim it carries", () => {
  const nodeNonce = newNonce();
  const coordinatorNonce = newNonce();
  const hello = { type: "hello", ...claim, proof: nodeProof(secret, nodeNonce, coordinatorNonce, claim) };
  assert.equal(helloProves(secret, nodeNonce, coordinatorNonce, hello), true);
  assert.equal(helloProves("another secret", nodeNonce, coordinatorNonce, hello), false);
  assert.equal(helloProves(secret, newNonce(), coordinatorNonce, hello), false, "relayed from another connection");
  assert.equal(helloProves(secret, nodeNonce, newNonce(), hello), false, "answering another challenge");
  for (const field of ["nodeId", "incarnation", "address"] as const) {
    assert.equal(helloProves(secret, nodeNonce, coordinatorNonce, { ...hello, [field]: `${hello[field]}x` }), false, field);
  }
  assert.equal(helloProves(secret, nodeNonce, coordinatorNonce, { ...hello, proof: hello.proof.toString("hex") }), false);
  assert.equal(helloProves(secret, nodeNonce, coordinatorNonce, { ...hello, proof: hello.proof.subarray(1) }), false);
  assert.equal(helloProves(secret, nodeNonce, coordinatorNonce, null), false);
});

test("a proof cannot be reflected: the coordinator's proof over two nonces is no node proof over them, nor the reverse", () => {
  const first = newNonce();
  const second = newNonce();
  const asCoordinator = coordinatorProof(secret, first, second);
  const emptyClaim = { nodeId: "", incarnation: "", address: "" };
  assert.notDeepEqual(asCoordinator, nodeProof(secret, first, second, emptyClaim));
  assert.equal(helloProves(secret, first, second, { ...emptyClaim, proof: asCoordinator }), false);
  assert.equal(challengeProves(secret, first, { nonce: second, proof: nodeProof(secret, first, second, claim) }), false);
});

test("the claimed id, incarnation and address cannot trade characters", () => {
  const nodeNonce = newNonce();
  const coordinatorNonce = newNonce();
  const proof = nodeProof(secret, nodeNonce, coordinatorNonce, { nodeId: "node-1a", incarnation: "b", address: "c" });
  assert.equal(helloProves(secret, nodeNonce, coordinatorNonce, { nodeId: "node-1", incarnation: "ab", address: "c", proof }), false);
});
