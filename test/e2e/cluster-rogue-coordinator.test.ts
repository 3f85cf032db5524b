// A process that takes the coordinator's address while the coordinator is down and speaks the
// internal protocol without knowing the cluster secret: every storage node finds its proof
// wrong and obeys nothing it sends (prepares and commits that would overwrite a key, a prepare
// with a 3,000-byte key, a refusal meant to stop the node); a challenge replayed from the real
// coordinator does not pass either. And a peer that does know the secret but sends a malformed
// message (a prepare with a 3,000-byte key) only loses its link. Every node stays up, and the
// data is untouched once the real coordinator is back.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { connect, createServer, type Server, type Socket } from "node:net";
import type { Redis } from "ioredis";
import { encodeFrame, FrameDecoder } from "../../src/codec/frame-codec.js";
import { encodeOpening, LINK_OPENING_BYTES } from "../../src/codec/link-opening.js";
import { coordinatorChallenge } from "../../src/runtime/handshake-proof.js";
import { TestCluster, waitUntil } from "../support/cluster.js";

const WAIT_MS = 15_000;

let cluster: TestCluster;
let redis: Redis;

before(async () => {
  cluster = await TestCluster.start({ nodes: 3, replicas: 2 });
  redis = cluster.client();
  await redis.connect();
  assert.equal(await redis.set("target", "original"), "OK");
});

after(async () => {
  redis?.disconnect();
  await cluster?.stop();
});

/** What the rogue saw on one node's connection. */
interface RogueConnection {
  messages: unknown[];
  closed: boolean;
}

const OVERWRITE = [
  { type: "prepare", txid: "999.1", writes: [{ key: Buffer.from("target"), value: Buffer.from("overwritten") }], wantValues: false },
  { type: "commit", txid: "999.1" },
];
const LONG_KEY = [
  { type: "prepare", txid: "999.2", writes: [{ key: Buffer.alloc(3000, 0x6b), value: Buffer.from("x") }], wantValues: false },
  { type: "commit", txid: "999.2" },
];
const STOP = [{ type: "refused", reason: "the rogue says: stop" }];

/** Listens where the coordinator was; answers every node's opening with `challenge`, a welcome and `orders`. */
function startRogue(port: number, challenge: (nodeNonce: Buffer) => object, orders: object[]): Promise<{ server: Server; seen: RogueConnection[] }> {
  const seen: RogueConnection[] = [];
  const server = createServer((socket: Socket) => {
    const connection: RogueConnection = { messages: [], closed: false };
    seen.push(connection);
    const decoder = new FrameDecoder(1 << 20, (message) => connection.messages.push(message));
    let opening = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      if (opening.length < LINK_OPENING_BYTES) {
        opening = Buffer.concat([opening, chunk]);
        if (opening.length < LINK_OPENING_BYTES) return;
        const nodeNonce = opening.subarray(LINK_OPENING_BYTES - 32, LINK_OPENING_BYTES);
        socket.write(Buffer.concat([challenge(nodeNonce), { type: "welcome" }, ...orders].map(encodeFrame)));
        chunk = opening.subarray(LINK_OPENING_BYTES);
      }
      try {
        decoder.write(chunk);
      } catch {
        socket.destroy();
      }
    });
    socket.on("error", () => undefined);
    socket.on("close", () => (connection.closed = true));
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve({ server, seen }));
  });
}

/** The real coordinator's challenge for a connection with nonce `nodeNonce` (a recording to replay). */
function recordChallenge(port: number, nodeNonce: Buffer): Promise<object> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(encodeOpening(nodeNonce)));
    const decoder = new FrameDecoder(4096, (message) => {
      socket.destroy();
      resolve(message as object);
    });
    socket.on("data", (chunk: Buffer) => decoder.write(chunk));
    socket.on("error", reject);
  });
}

interface Rogue {
  challenge: (nodeNonce: Buffer) => object;
  orders: object[];
  /** The log line each node writes when it turns the rogue away. */
  refusal: string;
  /** Whether the nodes send their hello and facts (only to a rogue that proved the secret). */
  hears: boolean;
}

async function withRogue(rogue: Rogue): Promise<void> {
  const refusedBefore = new Map(cluster.nodeIds().map((id) => [id, logCount(id, rogue.refusal)]));
  await cluster.killCoordinator();
  const listening = await startRogue(cluster.port, rogue.challenge, rogue.orders);
  try {
    await waitUntil("every node to have turned the rogue away", () =>
      cluster.nodeIds().every((id) => logCount(id, rogue.refusal) > (refusedBefore.get(id) ?? 0)), WAIT_MS);
    await waitUntil("the rogue's connections to be closed by the nodes", () =>
      listening.seen.length >= 3 && listening.seen.every((c) => c.closed), WAIT_MS);
    for (const connection of listening.seen) {
      const sent = connection.messages.map((message) => (message as { type: string }).type);
      // To a peer that proved the secret a node says hello and, once joined, reports its facts
      // (node-facts.ts); it never votes on what the peer sent.
      assert.deepEqual(sent, rogue.hears ? ["hello", "facts"] : [], "what a node sent the rogue");
    }
  } finally {
    await new Promise((resolve) => listening.server.close(resolve));
  }
  for (const id of cluster.nodeIds()) assert.equal(cluster.nodeProcess(id).child.exitCode, null, `${id} is still running`);
  await cluster.restartCoordinator();
  await cluster.waitForNodesUp();
  redis.disconnect();
  redis = cluster.client();
  await redis.connect();
  assert.equal(await redis.get("target"), "original");
  assert.equal(await redis.dbsize(), 1, "no key was added: 'target' is the only one");
}

function logCount(id: string, text: string): number {
  return cluster.nodeProcess(id).logs.filter((line) => line.includes(text)).length;
}

const NOT_PROVED = "did not prove the cluster secret";

test("a rogue at the join address with a made-up proof is refused by every node and changes nothing", async () => {
  const challenge = () => ({ type: "challenge", nonce: randomBytes(32), proof: randomBytes(32) });
  await withRogue({ challenge, orders: [...OVERWRITE, ...LONG_KEY, ...STOP], refusal: NOT_PROVED, hears: false });
});

test("a challenge recorded from the real coordinator and replayed is refused by every node", async () => {
  const recorded = await recordChallenge(cluster.port, randomBytes(32));
  await withRogue({ challenge: () => recorded, orders: [...OVERWRITE, ...STOP], refusal: NOT_PROVED, hears: false });
});

test("a peer with the secret that sends a prepare with a 3,000-byte key only loses its link; no node goes down", async () => {
  const challenge = (nodeNonce: Buffer) => coordinatorChallenge(cluster.secret, nodeNonce);
  const refusal = "prepare: writes [0] key is 3000 bytes, the limit is 1024";
  await withRogue({ challenge, orders: LONG_KEY, refusal, hears: true });
});
