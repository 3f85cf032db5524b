// Robustness: bounds on connections, pipelines and reply buffers; deadlines; backend
// failures; clients that leave mid-pipeline; ordering of concurrent requests; close().
import { afterEach, test } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import { RingkvError } from "../shared/errors.js";
import type { ExtraCommand } from "./backend.js";
import type { ServerLogger } from "./context.js";
import { MemoryBackend, RawClient, bulk, encodeCommand, startTestServer, type TestServer } from "../../test/support/server.js";

const cleanups: Array<() => unknown> = [];

async function server(options: Parameters<typeof startTestServer>[1] = {}): Promise<TestServer> {
  const started = await startTestServer(0, options);
  cleanups.push(() => started.server.close());
  return started;
}

async function client(ts: TestServer): Promise<RawClient> {
  const opened = await RawClient.open(ts.port);
  cleanups.push(() => opened.close());
  return opened;
}

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `ready()` holds (a loaded machine makes fixed sleeps flaky). */
async function waitUntil(ready: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!ready()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

async function roundTrip(c: RawClient, command: string[], expected: string): Promise<void> {
  c.sendCommands(command);
  assert.equal(await c.expect(expected), expected, command.join(" "));
}

/** The CLIENT LIST line of the connection named `name`, as field -> value. */
async function clientListEntry(observer: RawClient, name: string): Promise<Record<string, string>> {
  observer.sendCommands(["CLIENT", "LIST"]);
  const list = await observer.bulkPayload();
  const line = list.split("\n").find((entry) => entry.includes(` name=${name} `));
  assert.ok(line, `no client named ${name} in ${list}`);
  return Object.fromEntries(line.split(" ").map((field) => field.split("=", 2) as [string, string]));
}

test("the connection over connectionsMax is told so and closed; others keep working", async () => {
  const ts = await server({ limits: { connectionsMax: 3 } });
  const open = [await client(ts), await client(ts), await client(ts)];
  await roundTrip(open[0] as RawClient, ["PING"], "+PONG\r\n");
  const extra = await client(ts);
  assert.equal(await extra.expect("-ERR max number of clients reached\r\n"), "-ERR max number of clients reached\r\n");
  await extra.waitClosed();
  (open[1] as RawClient).close();
  await waitUntil(() => ts.server.stats.connectedClients === 2, "the closed client to be gone");
  const replacement = await client(ts);
  await roundTrip(replacement, ["PING"], "+PONG\r\n");
  assert.equal(ts.server.stats.rejectedConnections, 1);
  assert.equal(ts.server.stats.connectedClients, 3);
});

test("more keys than keysPerCommandMax in one command are refused and nothing is written", async () => {
  const ts = await server({ limits: { keysPerCommandMax: 3 } });
  const c = await client(ts);
  await roundTrip(c, ["MSET", "a", "1", "b", "2", "c", "3", "d", "4"], "-ERR too many keys: 4 in one command, the limit is 3\r\n");
  await roundTrip(c, ["DEL", "a", "b", "c", "d"], "-ERR too many keys: 4 in one command, the limit is 3\r\n");
  await roundTrip(c, ["MSET", "a", "1", "b", "2", "c", "3"], "+OK\r\n");
  await roundTrip(c, ["MGET", "a", "b", "c", "d"], "-ERR too many keys: 4 in one command, the limit is 3\r\n");
  assert.deepEqual([...ts.backend.data.keys()], ["a", "b", "c"]);
  assert.deepEqual(ts.backend.calls, ["mset a b c"]);
});

test("a slow reader makes the server stop reading: buffered replies and requests stay bounded", async () => {
  const replyBufferBytesMax = 256 * 1024;
  const pipelineDepthMax = 64;
  const ts = await server({ limits: { replyBufferBytesMax, pipelineDepthMax } });
  const key = "b".repeat(1000); // ~1 KiB requests: about 64 per 64 KiB read
  const value = "v".repeat(16 * 1024);
  ts.backend.data.set(key, Buffer.from(value));
  const slow = await client(ts);
  await roundTrip(slow, ["CLIENT", "SETNAME", "slow"], "+OK\r\n");
  slow.socket.pause(); // never reads: the kernel's buffers fill, then the server's
  const requestCount = 2000;
  const request = encodeCommand(["GET", key]);
  for (let i = 0; i < requestCount; i++) slow.send(request);
  await sleep(500);

  const observer = await client(ts);
  const entry = await clientListEntry(observer, "slow");
  // One reply may overshoot the bound (it is encoded whole before the check).
  assert.ok(Number(entry.omem) <= replyBufferBytesMax + value.length + 64, `omem=${entry.omem}`);
  const readBatchMax = Math.ceil((64 * 1024) / request.length) + 1;
  assert.ok(Number(entry.pipeline) <= pipelineDepthMax + readBatchMax, `pipeline=${entry.pipeline}`);
  const executed = ts.server.stats.totalCommandsProcessed;
  assert.ok(executed < requestCount / 2, `${executed} executed`);

  slow.socket.resume();
  const oneReply = bulk(value);
  const all = await slow.takeBytes(oneReply.length * requestCount, 20_000);
  assert.equal(all.toString("latin1"), oneReply.repeat(requestCount));
});

test("past pipelineDepthMax waiting requests the server stops reading; it resumes as they finish", async () => {
  const pipelineDepthMax = 50;
  const ts = await server({ limits: { pipelineDepthMax } });
  const release = ts.backend.hold("writes");
  const c = await client(ts);
  await roundTrip(c, ["CLIENT", "SETNAME", "deep"], "+OK\r\n");
  const requestCount = 2000;
  const keyPrefix = "k".repeat(500); // ~540-byte requests: about 120 per 64 KiB read
  for (let i = 0; i < requestCount; i++) c.sendCommands(["SET", `${keyPrefix}${i}`, "v"]);
  await sleep(300);
  const observer = await client(ts);
  const entry = await clientListEntry(observer, "deep");
  const readBatchMax = Math.ceil((64 * 1024) / 530);
  assert.ok(Number(entry.pipeline) <= pipelineDepthMax + readBatchMax, `pipeline=${entry.pipeline}`);
  assert.ok(ts.backend.calls.length <= pipelineDepthMax + readBatchMax, `${ts.backend.calls.length} started`);
  release();
  assert.equal(await c.expect("+OK\r\n".repeat(requestCount), 10_000), "+OK\r\n".repeat(requestCount));
  assert.equal(ts.backend.data.size, requestCount);
});

test("a request past its deadline answers TIMEOUT; a write says its outcome is unknown", async () => {
  const ts = await server({ limits: { requestTimeoutMs: 200 } });
  const c = await client(ts);
  const releaseWrites = ts.backend.hold("writes");
  const started = performance.now();
  const writeTimeout = "-TIMEOUT SET did not finish within 200 ms; the write may or may not have been applied "
    + "(outcome unknown); read the key to find out\r\n";
  await roundTrip(c, ["SET", "slow-key", "1"], writeTimeout);
  assert.ok(performance.now() - started >= 190);
  await roundTrip(c, ["PING"], "+PONG\r\n");

  const releaseReads = ts.backend.hold("reads");
  await roundTrip(c, ["GET", "other"], "-TIMEOUT GET did not finish within 200 ms; nothing was changed\r\n");
  releaseReads();
  releaseWrites();
  await sleep(20);
  // The late completion is dropped, not sent as an extra reply; the write itself did happen.
  await roundTrip(c, ["GET", "slow-key"], bulk("1"));
  assert.equal(c.pending(), "");
});

test("a client that disconnects mid-pipeline: backend calls complete, the server carries on", async () => {
  // The server cannot tell a client that closed from one that half-closed (it still answers those),
  // so it sees the client gone only once it writes the replies. A request timeout far beyond the
  // test's waits makes those replies the held writes' own, not the timeout's errors (which come at
  // 5 s, as long as the waits: the test raced them under load).
  const ts = await server({ limits: { requestTimeoutMs: 60_000 } });
  const release = ts.backend.hold("writes");
  const leaving = await client(ts);
  const commands: string[][] = [];
  for (let i = 0; i < 100; i++) commands.push(["SET", `left:${i}`, String(i)]);
  leaving.sendCommands(...commands);
  await waitUntil(() => ts.backend.calls.length === 100, "the 100 writes to reach the backend");
  leaving.close();
  release();
  await waitUntil(() => ts.backend.data.size === 100, "the held writes to complete");
  await waitUntil(() => ts.server.stats.connectedClients === 0, "the server to see the client leave");
  for (let i = 0; i < 100; i++) assert.equal(ts.backend.data.get(`left:${i}`)?.toString(), String(i));
  const next = await client(ts);
  await roundTrip(next, ["GET", "left:99"], bulk("99"));
  assert.equal(ts.server.stats.connectedClients, 1);
});

test("a client that half-closes after sending still gets its replies, then the server closes", async () => {
  const ts = await server();
  const release = ts.backend.hold("writes");
  const c = await client(ts);
  c.sendCommands(["SET", "half", "1"], ["GET", "half"]);
  c.socket.end();
  await waitUntil(() => ts.backend.calls.length === 1, "the write to reach the backend");
  await sleep(50);
  release();
  const expected = `+OK\r\n${bulk("1")}`;
  assert.equal(await c.expect(expected), expected);
  await c.waitClosed();
});

test("a read waits for an earlier write on its key; writes on different keys run together", async () => {
  const ts = await server();
  const release = ts.backend.hold("writes");
  const c = await client(ts);
  c.sendCommands(["SET", "a", "1"], ["SET", "b", "2"], ["GET", "a"], ["GET", "c"]);
  await waitUntil(() => ts.backend.calls.length >= 2, "both writes to reach the backend");
  await sleep(50);
  assert.deepEqual(ts.backend.calls, ["set a", "set b"]);
  release();
  const expected = `+OK\r\n+OK\r\n${bulk("1")}$-1\r\n`;
  assert.equal(await c.expect(expected), expected);
  assert.deepEqual(ts.backend.calls, ["set a", "set b", "get a", "get c"]);
});

test("backend failures become error replies; the connection keeps working", async () => {
  const errors: Array<{ fields: object; message?: string }> = [];
  const logger: ServerLogger = {
    info: () => undefined,
    warn: () => undefined,
    error: (fields, message) => errors.push({ fields, message }),
  };
  const ts = await server({ logger });
  const c = await client(ts);
  ts.backend.failNext = new RingkvError("TRYAGAIN", "replica r2 is down, retry");
  await roundTrip(c, ["GET", "a"], "-TRYAGAIN replica r2 is down, retry\r\n");
  ts.backend.failNext = new Error("disk on fire");
  await roundTrip(c, ["SET", "a", "1"], "-ERR internal error: disk on fire\r\n");
  assert.equal(errors.length, 1);
  ts.backend.answerAsync = true;
  ts.backend.failNext = new TypeError("undefined is not a function");
  await roundTrip(c, ["MGET", "a", "b"], "-ERR internal error: undefined is not a function\r\n");
  assert.equal(errors.length, 2);
  await roundTrip(c, ["SET", "a", "2"], "+OK\r\n");
});

test("a backend's extra commands join the table: dispatch, arity, COMMAND INFO", async () => {
  const backend = new (class extends MemoryBackend {
    extraCommands(): ExtraCommand[] {
      return [{ name: "ringkv.members", arity: 1, summary: "List members", write: false, run: () => ["n1", "n2"] }];
    }
  })();
  const ts = await server({ backend });
  const c = await client(ts);
  await roundTrip(c, ["RINGKV.MEMBERS"], `*2\r\n${bulk("n1")}${bulk("n2")}`);
  await roundTrip(c, ["ringkv.members", "x"], "-ERR wrong number of arguments for 'ringkv.members' command\r\n");
  const entry = `*1\r\n*10\r\n${bulk("ringkv.members")}:1\r\n*1\r\n+readonly\r\n`;
  await roundTrip(c, ["COMMAND", "INFO", "ringkv.members"], entry);
});

test("close() lets in-flight requests finish, then closes connections and stops accepting", async () => {
  const ts = await startTestServer(0);
  const release = ts.backend.hold("writes");
  const c = await client(ts);
  const idle = await client(ts);
  c.sendCommands(["SET", "closing", "1"]);
  await waitUntil(() => ts.backend.calls.length === 1, "the write to reach the backend");
  const closed = ts.server.close();
  await sleep(100);
  assert.equal(c.closed, false);
  release();
  await closed;
  assert.equal(await c.expect("+OK\r\n"), "+OK\r\n");
  await c.waitClosed();
  await idle.waitClosed();
  assert.equal(ts.backend.data.get("closing")?.toString(), "1");
  await assert.rejects(new Promise((resolve, reject) => {
    const socket = connect(ts.port, "127.0.0.1", () => resolve(socket));
    socket.once("error", reject);
  }), /ECONNREFUSED/);
});
