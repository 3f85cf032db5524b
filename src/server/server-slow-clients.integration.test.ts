// Bounded cost of slow and unauthenticated clients: idle connections, connections that never
// authenticate and requests that stay half-sent are closed after their timeouts; past
// clientBuffersBytesMax the connections holding the most are disconnected, the others go on.
import { afterEach, test } from "node:test";
import assert from "node:assert/strict";
import { testResources } from "../../test/support/server.js";

const resources = testResources();
afterEach(() => resources.closeAll());
const server = resources.server;
const client = resources.client;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test("an idle connection is closed after idleTimeoutMs; one that keeps talking is not", async () => {
  const ts = await server({ limits: { idleTimeoutMs: 300 } });
  const idle = await client(ts.port);
  const busy = await client(ts.port);
  const started = performance.now();
  for (let i = 0; i < 8; i++) {
    busy.sendCommands(["PING"]);
    assert.equal(await busy.expect("+PONG\r\n"), "+PONG\r\n");
    await sleep(100);
  }
  await idle.waitClosed(2000);
  assert.ok(performance.now() - started >= 290, "not before its time");
  assert.equal(busy.closed, false);
});

test("a MONITOR client, which only listens, is not closed as idle (as in Redis)", async () => {
  const ts = await server({ limits: { idleTimeoutMs: 200 } });
  const monitor = await client(ts.port);
  monitor.sendCommands(["MONITOR"]);
  assert.equal(await monitor.expect("+OK\r\n"), "+OK\r\n");
  await sleep(700);
  assert.equal(monitor.closed, false);
});

test("idleTimeoutMs 0 closes no idle connection", async () => {
  const ts = await server({ limits: { idleTimeoutMs: 0, halfSentRequestTimeoutMs: 100, unauthenticatedTimeoutMs: 100 } });
  const idle = await client(ts.port);
  await sleep(400);
  assert.equal(idle.closed, false);
});

test("with a password, a connection that has not authenticated within unauthenticatedTimeoutMs is closed", async () => {
  const ts = await server({ password: "pw", limits: { unauthenticatedTimeoutMs: 300 } });
  const stranger = await client(ts.port);
  const member = await client(ts.port);
  member.sendCommands(["AUTH", "pw"]);
  assert.equal(await member.expect("+OK\r\n"), "+OK\r\n");
  stranger.sendCommands(["PING"]);
  assert.equal(await stranger.expect("-NOAUTH Authentication required.\r\n"), "-NOAUTH Authentication required.\r\n");
  await stranger.waitClosed(2000);
  await sleep(200);
  assert.equal(member.closed, false);
});

test("a request still half-sent after halfSentRequestTimeoutMs closes its connection; a slow but steady pipeline does not", async () => {
  const ts = await server({ limits: { halfSentRequestTimeoutMs: 300 } });
  const stalled = await client(ts.port);
  stalled.send("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$10\r\nabc");
  const steady = await client(ts.port);
  const started = performance.now();
  // Each request completes, the next one begins half-sent: never one request for 300 ms.
  for (let i = 0; i < 8; i++) {
    steady.send(`GET k\r\n*2\r\n$3\r\nGET\r\n$1\r\n`);
    await sleep(80);
    steady.send("k\r\n");
  }
  await stalled.waitClosed(2000);
  assert.ok(performance.now() - started >= 290);
  assert.equal(steady.closed, false);
  assert.equal(ts.backend.data.has("k"), false);
});

test("past clientBuffersBytesMax the connection holding the most is disconnected; the others are served", async () => {
  const ts = await server({ limits: { clientBuffersBytesMax: 3_000_000 } });
  const small = await client(ts.port);
  const large = await client(ts.port);
  // Half-sent bulk strings of about 1 MB: small holds one (1 MB), large one whole and one begun (2 MB).
  small.send("*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1048000\r\nxx");
  await sleep(50);
  const observer = await client(ts.port);
  observer.sendCommands(["INFO", "memory"]);
  const holding = Number(/\r\nmem_clients_normal:(\d+)\r\n/.exec(await observer.bulkPayload())?.[1]);
  assert.ok(holding >= 1_048_000, `INFO counts the half-sent megabyte (${holding} bytes held)`);
  large.send("*4\r\n$4\r\nMSET\r\n$1\r\nb\r\n$1048000\r\n");
  large.send(Buffer.alloc(1048000, 0x62));
  large.send("\r\n$1048000\r\nyy");
  await large.waitClosed(2000);
  assert.equal(small.closed, false);
  small.send(Buffer.concat([Buffer.alloc(1048000 - 2, 0x78), Buffer.from("\r\n")]));
  assert.equal(await small.expect("+OK\r\n"), "+OK\r\n");
  assert.equal(ts.backend.data.get("a")?.length, 1048000);
  assert.equal(ts.server.stats.connectedClients, 2);
  // INFO tells, as Redis 7 does: one client evicted, and what client buffers hold against the bound.
  small.sendCommands(["INFO", "stats"]);
  assert.match(await small.bulkPayload(), /\r\nevicted_clients:1\r\n/);
  small.sendCommands(["INFO", "memory"]);
  const memory = await small.bulkPayload();
  assert.match(memory, /\r\nmaxmemory_clients:3000000\r\n/);
  const held = Number(/\r\nmem_clients_normal:(\d+)\r\n/.exec(memory)?.[1]);
  assert.ok(held < 100_000, `the evicted client's megabytes are no longer counted (${held} bytes held)`);
  assert.equal(ts.server.clientMemory.evictedClients, 1);
});
