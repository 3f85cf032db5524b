// Protocol edges as Redis handles them: an absurd bulk or multibulk length is refused as soon as
// its length line arrives; after an error that desyncs the stream (or QUIT) the connection is
// closed for good, even by a client that never closes its side; "*-10" is ignored; before AUTH
// only small requests are read.
import { afterEach, test } from "node:test";
import assert from "node:assert/strict";
import { testResources } from "../../test/support/server.js";

const resources = testResources();
afterEach(() => resources.closeAll());
const server = resources.server;
const client = resources.client;

async function waitUntil(ready: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!ready()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

test("$2000000000 is refused as soon as its length line arrives, with Redis's words, and the connection closed", async () => {
  const ts = await server();
  const c = await client(ts.port);
  c.send("*2\r\n$3\r\nGET\r\n$2000000000\r\n");
  await c.waitClosed(2000);
  assert.equal(c.pending(), "-ERR Protocol error: invalid bulk length: 2000000000 bytes exceeds the limit of 1049600 bytes\r\n");
});

test("a multibulk length over the limit is refused at once, and the connection closed", async () => {
  const ts = await server();
  const c = await client(ts.port);
  c.send("*2000000000\r\n");
  await c.waitClosed(2000);
  assert.equal(c.pending(), "-ERR Protocol error: invalid multibulk length: 2000000000 exceeds the limit of 1048576 elements\r\n");
});

test("*-10 is ignored without a reply, as Redis ignores it", async () => {
  const ts = await server();
  const c = await client(ts.port);
  c.send("*-10\r\n*-1\r\nPING\r\n");
  assert.equal(await c.expect("+PONG\r\n"), "+PONG\r\n");
  assert.equal(c.closed, false);
});

test("a client that keeps its side open after a protocol error is dropped within closeLingerMs", async () => {
  const ts = await server({ limits: { closeLingerMs: 200 } });
  const c = await client(ts.port, { allowHalfOpen: true });
  c.send("*1\r\n$abc\r\n");
  await waitUntil(() => c.ended, "the server to end its side");
  assert.match(c.pending(), /^-ERR Protocol error: invalid bulk length: 'abc'\r\n$/);
  // The client goes on sending and never ends: the server drops the connection all the same.
  const sender = setInterval(() => c.send("*1\r\n$4\r\nPING\r\n"), 20);
  try {
    await c.waitClosed(3000);
  } finally {
    clearInterval(sender);
  }
  await waitUntil(() => ts.server.stats.connectedClients === 0, "the server to forget the connection");
});

test("after QUIT a client that keeps its side open is dropped too", async () => {
  const ts = await server({ limits: { closeLingerMs: 200 } });
  const c = await client(ts.port, { allowHalfOpen: true });
  c.sendCommands(["QUIT"]);
  await waitUntil(() => c.ended, "the server to end its side");
  assert.equal(c.pending(), "+OK\r\n");
  await waitUntil(() => ts.server.stats.connectedClients === 0, "the server to drop the connection");
});

test("before AUTH a request may have 10 elements and bulk strings of 16 KiB; after AUTH the usual limits apply", async () => {
  const ts = await server({ password: "pw" });
  const tooMany = await client(ts.port);
  tooMany.send("*11\r\n");
  await tooMany.waitClosed(2000);
  assert.equal(tooMany.pending(), "-ERR Protocol error: unauthenticated multibulk length: 11 elements; until AUTH a request may have at most 10\r\n");

  const tooLong = await client(ts.port);
  tooLong.send("*2\r\n$4\r\nAUTH\r\n$16385\r\n");
  await tooLong.waitClosed(2000);
  assert.equal(tooLong.pending(), "-ERR Protocol error: unauthenticated bulk length: 16385 bytes; until AUTH a bulk string may have at most 16384\r\n");

  const small = await client(ts.port);
  small.sendCommands(["SET", "k", "v"], ["AUTH", "pw"], ["SET", "big", "x".repeat(100_000)], ["MSET", ..."abcdefghijkl".split("")]);
  const expected = "-NOAUTH Authentication required.\r\n+OK\r\n+OK\r\n+OK\r\n";
  assert.equal(await small.expect(expected), expected);
  assert.equal(ts.backend.data.get("big")?.length, 100_000);
});
