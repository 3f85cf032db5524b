// ClientConnection over a fake socket: how many socket writes a batch of requests costs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import type { Socket } from "node:net";
import { makeLimits } from "../shared/limits.js";
import { encodeCommand } from "../codec/resp-encoder.js";
import { buildCommandTable } from "./commands.js";
import { ClientConnection } from "./connection.js";
import type { ServerContext } from "./context.js";
import { ClientMemory } from "./client-memory.js";
import { ServerStats } from "./stats.js";
import { Diagnostics } from "../observability/diagnostics.js";
import { MemoryBackend } from "../../test/support/server.js";

/** Records writes; always writable at once, like an idle loopback socket. */
class FakeSocket extends EventEmitter {
  readonly writes: Buffer[] = [];
  writableLength = 0;
  remoteAddress = "127.0.0.1";
  remotePort = 1;
  localAddress = "127.0.0.1";
  localPort = 2;
  write(chunk: Buffer): boolean {
    this.writes.push(Buffer.from(chunk));
    return true;
  }
  pause(): void {}
  resume(): void {}
  end(): void {}
  destroy(): void {}
}

function connectionOver(backend: MemoryBackend): FakeSocket {
  const context: ServerContext = {
    backend,
    limits: makeLimits(),
    serverInfo: { mode: "standalone", version: "test" },
    stats: new ServerStats(),
    commands: buildCommandTable(backend),
    diagnostics: new Diagnostics(),
    logger: undefined,
    startedAtMs: Date.now(),
    passwordRequired: false,
    passwordMatches: () => false,
    port: () => 0,
    sessions: () => [],
    clientMemory: new ClientMemory(Number.MAX_SAFE_INTEGER, () => []),
  };
  const socket = new FakeSocket();
  new ClientConnection(socket as unknown as Socket, context, 1);
  return socket;
}

const batchOf = (count: number): Buffer =>
  Buffer.concat(Array.from({ length: count }, (_, i) => encodeCommand(["SET", `k${i}`, `v${i}`])));

test("the replies of one read leave in one socket write (synchronous backend)", () => {
  const socket = connectionOver(new MemoryBackend());
  socket.emit("data", batchOf(100));
  assert.equal(socket.writes.length, 1);
  assert.equal(socket.writes[0]?.toString(), "+OK\r\n".repeat(100));
});

test("the replies of one read leave in one socket write (asynchronous backend)", async () => {
  const backend = new MemoryBackend();
  backend.answerAsync = true;
  const socket = connectionOver(backend);
  socket.emit("data", batchOf(100));
  assert.equal(socket.writes.length, 0); // nothing is answered yet
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(socket.writes.length, 1);
  assert.equal(socket.writes[0]?.toString(), "+OK\r\n".repeat(100));
});
