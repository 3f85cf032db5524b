import { test } from "node:test";
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import type { Socket } from "node:net";
import { FrameDecoder } from "../codec/frame-codec.js";
import { encodeFrame } from "../codec/frame-codec.js";
import { makeLimits } from "../shared/limits.js";
import { FramedLink, nodeLinkChecks, type LinkChecks } from "./cluster-link.js";

/** What FramedLink uses of a socket, recording every write. */
class FakeSocket extends EventEmitter {
  readonly writes: Buffer[] = [];
  destroyed = false;
  setNoDelay(): this {
    return this;
  }
  write(chunk: Buffer): boolean {
    if (this.destroyed) throw new Error("write after destroy");
    this.writes.push(chunk);
    return true;
  }
  destroy(): this {
    this.destroyed = true;
    return this;
  }
}

const ANYTHING: LinkChecks = { frameBytesMax: () => 1 << 20, problem: () => undefined };

function linkOver(socket: FakeSocket, sendBatchBytesMax?: number, checks = ANYTHING): FramedLink {
  return new FramedLink(socket as unknown as Socket, checks, sendBatchBytesMax);
}

function decode(chunks: Buffer[]): unknown[] {
  const messages: unknown[] = [];
  const decoder = new FrameDecoder(1 << 20, (message) => messages.push(message));
  for (const chunk of chunks) decoder.write(chunk);
  return messages;
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

test("the sends of one turn leave in one socket write, in order", async () => {
  const socket = new FakeSocket();
  const link = linkOver(socket);
  const sent = [{ type: "prepare", txid: "1.1" }, { type: "commit", txid: "1.0" }, { type: "ping", tick: 3 }];
  for (const message of sent) link.send(message);
  assert.equal(socket.writes.length, 0, "nothing is written before the end of the turn");
  await nextTurn();
  assert.equal(socket.writes.length, 1);
  assert.deepEqual(decode(socket.writes), sent);
  link.send({ type: "ack", txid: "1.1" });
  await nextTurn();
  assert.equal(socket.writes.length, 2, "a later turn writes again");
  assert.deepEqual(decode(socket.writes).at(-1), { type: "ack", txid: "1.1" });
});

test("a batch that reaches sendBatchBytesMax is written at once", () => {
  const socket = new FakeSocket();
  const link = linkOver(socket, 100);
  link.send({ value: Buffer.alloc(40) });
  assert.equal(socket.writes.length, 0);
  link.send({ value: Buffer.alloc(80) });
  assert.equal(socket.writes.length, 1, "over the bound: written without waiting for the turn to end");
  assert.equal(decode(socket.writes).length, 2);
});

test("close writes what was sent before it, then nothing more", async () => {
  const socket = new FakeSocket();
  const link = linkOver(socket);
  const reasons: string[] = [];
  link.onClose = (reason) => reasons.push(reason);
  link.send({ type: "refused", reason: "wrong cluster secret" });
  link.close("failed handshake");
  assert.deepEqual(decode(socket.writes), [{ type: "refused", reason: "wrong cluster secret" }]);
  assert.ok(socket.destroyed);
  link.send({ type: "late" });
  await nextTurn();
  assert.equal(socket.writes.length, 1);
  assert.deepEqual(reasons, ["failed handshake"]);
});

test("frames queued when the socket closes under the link are dropped, not written", async () => {
  const socket = new FakeSocket();
  const link = linkOver(socket);
  link.send({ type: "commit", txid: "2.7" });
  socket.destroyed = true;
  socket.emit("close");
  await nextTurn();
  assert.equal(socket.writes.length, 0);
  assert.ok(link.isClosed);
});

/** A node's link as the coordinator sees it, with what it handed on and why it closed. */
function nodeLink(): { socket: FakeSocket; received: unknown[]; closed: string[] } {
  const socket = new FakeSocket();
  const link = linkOver(socket, undefined, nodeLinkChecks(makeLimits()));
  const received: unknown[] = [];
  const closed: string[] = [];
  link.onMessage = (message) => received.push(message);
  link.onClose = (reason) => closed.push(reason);
  return { socket, received, closed };
}

const hello = { type: "hello", nodeId: "node-1", incarnation: "ab".repeat(16), address: "127.0.0.1:7001", proof: Buffer.alloc(32) };

test("a vote carrying a value over the limit closes the link and reaches nobody; the messages after it are dropped", () => {
  const { socket, received, closed } = nodeLink();
  const vote = { type: "vote", txid: "1.1", yes: true, previous: [] };
  const badVote = { type: "vote", txid: "1.2", yes: true, previous: [{ exists: true, value: Buffer.alloc(2 * 1024 * 1024) }] };
  socket.emit("data", Buffer.concat([encodeFrame(hello), encodeFrame(vote), encodeFrame(badVote), encodeFrame(vote)]));
  assert.deepEqual(received, [hello, vote]);
  assert.equal(closed.length, 1);
  assert.match(closed[0]!, /^bad message from peer: vote: previous \[0\] value is 2097152 bytes, the limit is 1048576$/);
  assert.ok(socket.destroyed);
});

test("before its hello a node's link reads only small frames", () => {
  const { socket, received, closed } = nodeLink();
  socket.emit("data", encodeFrame({ ...hello, address: "x".repeat(5000) }));
  assert.deepEqual(received, []);
  assert.match(closed[0]!, /^bad frame from peer: frame of \d+ bytes exceeds the limit of 4096 bytes$/);
});

test("a message of an unknown type or a malformed field closes the link", () => {
  for (const bad of [{ type: "takeover" }, { type: "ack" }, { type: "readReply", readId: -1, values: [] }, [1, 2], "vote"]) {
    const { socket, received, closed } = nodeLink();
    socket.emit("data", Buffer.concat([encodeFrame(hello), encodeFrame(bad)]));
    assert.deepEqual(received, [hello], JSON.stringify(bad));
    assert.match(closed[0] ?? "", /^bad message from peer: /, JSON.stringify(bad));
  }
});
