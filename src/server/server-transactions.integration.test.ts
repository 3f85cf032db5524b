// MULTI/EXEC/DISCARD/WATCH on the wire, in both protocols, with Redis 7.0's replies and errors.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { bulk, testResources, type RawClient, type TestServer } from "../../test/support/server.js";

const resources = testResources();
let ts: TestServer;
before(async () => {
  ts = await resources.server();
});
after(() => resources.closeAll());

const client = () => resources.client(ts.port);

async function roundTrip(c: RawClient, command: string[], expected: string): Promise<void> {
  c.sendCommands(command);
  assert.equal(await c.expect(expected), expected, command.join(" "));
}

test("EXEC answers each queued command in order; run-time errors are per command", async () => {
  const c = await client();
  await roundTrip(c, ["MULTI"], "+OK\r\n");
  await roundTrip(c, ["SET", "t1", "1"], "+QUEUED\r\n");
  await roundTrip(c, ["INCR", "t1"], "+QUEUED\r\n");
  await roundTrip(c, ["HSET", "t1", "f", "v"], "+QUEUED\r\n");
  await roundTrip(c, ["PING"], "+QUEUED\r\n");
  await roundTrip(c, ["SET", "t1", "x", "FOO"], "+QUEUED\r\n");
  await roundTrip(c, ["EXEC"],
    "*5\r\n+OK\r\n:2\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n+PONG\r\n-ERR syntax error\r\n");
  await roundTrip(c, ["GET", "t1"], bulk("2"));
});

test("queue-time errors abort EXEC; nesting and misplaced commands are refused as Redis refuses them", async () => {
  const c = await client();
  await roundTrip(c, ["EXEC"], "-ERR EXEC without MULTI\r\n");
  await roundTrip(c, ["DISCARD"], "-ERR DISCARD without MULTI\r\n");
  await roundTrip(c, ["MULTI"], "+OK\r\n");
  await roundTrip(c, ["MULTI"], "-ERR MULTI calls can not be nested\r\n");
  await roundTrip(c, ["WATCH", "x"], "-ERR WATCH inside MULTI is not allowed\r\n");
  await roundTrip(c, ["SET", "t2", "1"], "+QUEUED\r\n");
  await roundTrip(c, ["GET"], "-ERR wrong number of arguments for 'get' command\r\n");
  await roundTrip(c, ["EXEC"], "-EXECABORT Transaction discarded because of previous errors.\r\n");
  await roundTrip(c, ["GET", "t2"], "$-1\r\n");
  await roundTrip(c, ["MULTI"], "+OK\r\n");
  await roundTrip(c, ["KEYS", "*"], "-ERR KEYS inside MULTI is not supported by ringkv\r\n");
  await roundTrip(c, ["EXEC"], "-EXECABORT Transaction discarded because of previous errors.\r\n");
  await roundTrip(c, ["MULTI"], "+OK\r\n");
  await roundTrip(c, ["SET", "t2", "1"], "+QUEUED\r\n");
  await roundTrip(c, ["DISCARD"], "+OK\r\n");
  await roundTrip(c, ["GET", "t2"], "$-1\r\n");
});

test("WATCH: a write by another client makes EXEC answer nil (*-1 in RESP2, _ in RESP3); UNWATCH forgets", async () => {
  const c = await client();
  const other = await client();
  for (const [protocol, nil] of [["2", "*-1\r\n"], ["3", "_\r\n"]] as const) {
    c.sendCommands(["HELLO", protocol]);
    await c.until((pending) => pending.includes("modules"));
    await c.take(c.pending().length);
    await roundTrip(c, ["WATCH", "w"], "+OK\r\n");
    await roundTrip(other, ["SET", "w", protocol], "+OK\r\n");
    await roundTrip(c, ["MULTI"], "+OK\r\n");
    await roundTrip(c, ["SET", "w", "mine"], "+QUEUED\r\n");
    await roundTrip(c, ["EXEC"], nil);
    await roundTrip(c, ["GET", "w"], bulk(protocol));
  }
  await roundTrip(c, ["WATCH", "w"], "+OK\r\n");
  await roundTrip(c, ["UNWATCH"], "+OK\r\n");
  await roundTrip(other, ["SET", "w", "again"], "+OK\r\n");
  await roundTrip(c, ["MULTI"], "+OK\r\n");
  await roundTrip(c, ["SET", "w", "mine"], "+QUEUED\r\n");
  await roundTrip(c, ["EXEC"], "*1\r\n+OK\r\n");
  assert.equal(ts.backend.watchers.size, 0, "EXEC and UNWATCH drop their marks");
});

test("EXEC is ordered after the connection's earlier requests and before its later ones", async () => {
  const c = await client();
  const release = ts.backend.hold("writes");
  c.sendCommands(["SET", "o", "1"], ["MULTI"], ["INCR", "o"], ["EXEC"], ["GET", "o"]);
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(c.pending(), "", "nothing answered while the first write is held");
  release();
  const expected = `+OK\r\n+OK\r\n+QUEUED\r\n*1\r\n:2\r\n${bulk("2")}`;
  assert.equal(await c.expect(expected), expected);
});
