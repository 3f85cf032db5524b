// AUTH and HELLO AUTH against a server with a password, worded as Redis 7 words them.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { RawClient, bulk, startTestServer, type TestServer } from "../../test/support/server.js";

const PASSWORD = "s3cret pass";
let ts: TestServer;
const clients: RawClient[] = [];

async function client(): Promise<RawClient> {
  const opened = await RawClient.open(ts.port);
  clients.push(opened);
  return opened;
}

async function roundTrip(c: RawClient, command: string[], expected: string): Promise<void> {
  c.sendCommands(command);
  assert.equal(await c.expect(expected), expected, command.join(" "));
}

const NOAUTH = "-NOAUTH Authentication required.\r\n";
const WRONGPASS = "-WRONGPASS invalid username-password pair or user is disabled.\r\n";

before(async () => {
  ts = await startTestServer(0, { password: PASSWORD });
});

after(async () => {
  for (const c of clients) c.close();
  await ts.server.close();
});

test("before AUTH: NOAUTH, except for AUTH/HELLO/QUIT; unknown commands and arity are checked first", async () => {
  const c = await client();
  await roundTrip(c, ["GET", "a"], NOAUTH);
  await roundTrip(c, ["PING"], NOAUTH);
  await roundTrip(c, ["CLIENT", "SETINFO", "LIB-NAME", "x"], NOAUTH);
  await roundTrip(c, ["foo"], "-ERR unknown command 'foo', with args beginning with: \r\n");
  await roundTrip(c, ["GET"], "-ERR wrong number of arguments for 'get' command\r\n");
  await roundTrip(c, ["AUTH"], "-ERR wrong number of arguments for 'auth' command\r\n");
  await roundTrip(c, ["HELLO", "3"], "-NOAUTH HELLO must be called with the client already authenticated, otherwise the "
    + "HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version "
    + "at the same time\r\n");
  assert.deepEqual(ts.backend.calls, []);
  await roundTrip(c, ["QUIT"], "+OK\r\n");
  await c.waitClosed();
});

test("a wrong password or user is refused; the right one opens the connection", async () => {
  const c = await client();
  await roundTrip(c, ["AUTH", "wrong"], WRONGPASS);
  await roundTrip(c, ["AUTH", "default", "wrong"], WRONGPASS);
  await roundTrip(c, ["AUTH", "alice", PASSWORD], WRONGPASS);
  await roundTrip(c, ["AUTH", PASSWORD.slice(0, -1)], WRONGPASS);
  await roundTrip(c, ["GET", "a"], NOAUTH);
  await roundTrip(c, ["AUTH", PASSWORD], "+OK\r\n");
  await roundTrip(c, ["SET", "a", "1"], "+OK\r\n");
  await roundTrip(c, ["GET", "a"], bulk("1"));
});

test("AUTH default <password> works, and each connection authenticates on its own", async () => {
  const first = await client();
  await roundTrip(first, ["AUTH", "default", PASSWORD], "+OK\r\n");
  await roundTrip(first, ["PING"], "+PONG\r\n");
  const second = await client();
  await roundTrip(second, ["PING"], NOAUTH);
});

test("HELLO 3 AUTH authenticates and switches protocol in one step", async () => {
  const c = await client();
  await roundTrip(c, ["HELLO", "3", "AUTH", "default", "nope"], WRONGPASS);
  c.sendCommands(["HELLO", "3", "AUTH", "default", PASSWORD, "SETNAME", "svc"]);
  assert.equal(await c.expect("%7\r\n"), "%7\r\n");
  c.sendCommands(["CLIENT", "GETNAME"]);
  await c.until((pending) => pending.endsWith(bulk("svc")));
  await c.take(c.pending().length);
  await roundTrip(c, ["GET", "never-set"], "_\r\n");
});

test("a pipeline that authenticates first runs the rest", async () => {
  const c = await client();
  c.sendCommands(["GET", "x"], ["AUTH", PASSWORD], ["SET", "x", "2"], ["GET", "x"]);
  const expected = `${NOAUTH}+OK\r\n+OK\r\n${bulk("2")}`;
  assert.equal(await c.expect(expected), expected);
});
