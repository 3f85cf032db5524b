import { test } from "node:test";
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import type { Socket } from "node:net";
import { FrameDecoder } from "../codec/frame-codec.js";
import { FramedLink } from "./cluster-link.js";

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

function linkOver(socket: FakeSocket, sendBatchBytesMax?: number): FramedLink {
  return new FramedLink(socket as unknown as Socket, 1 << 20, sendBatchBytesMax);
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
