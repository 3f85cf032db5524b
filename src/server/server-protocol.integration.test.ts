// Exact bytes on the wire: the replies Redis 7 gives (captured from redis-server 7.0.15),
// RESP2 vs RESP3 encodings, inline commands, pipelining, QUIT, protocol errors.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { RawClient, bulk, encodeCommand, startTestServer, type TestServer } from "../../test/support/server.js";

let ts: TestServer;
const clients: RawClient[] = [];

async function client(): Promise<RawClient> {
  const opened = await RawClient.open(ts.port);
  clients.push(opened);
  return opened;
}

/** Sends one command and returns exactly `expected.length` bytes of reply. */
async function roundTrip(c: RawClient, command: string[], expected: string): Promise<void> {
  c.sendCommands(command);
  assert.equal(await c.expect(expected), expected, command.join(" "));
}

before(async () => {
  ts = await startTestServer(0);
});

after(async () => {
  for (const c of clients) c.close();
  await ts.server.close();
});

describe("replies worded as Redis words them", () => {
  const cases: Array<[string[], string]> = [
    [["PING"], "+PONG\r\n"],
    [["ping", "hi"], bulk("hi")],
    [["PING", "a", "b"], "-ERR wrong number of arguments for 'ping' command\r\n"],
    [["ECHO", "x y"], bulk("x y")],
    [["ECHO"], "-ERR wrong number of arguments for 'echo' command\r\n"],
    [["GET"], "-ERR wrong number of arguments for 'get' command\r\n"],
    [["get", "a", "b"], "-ERR wrong number of arguments for 'get' command\r\n"],
    [["SET", "a"], "-ERR wrong number of arguments for 'set' command\r\n"],
    [["SET", "a", "b", "NX", "XX"], "-ERR syntax error\r\n"],
    [["SET", "a", "b", "EX", "0"], "-ERR invalid expire time in 'set' command\r\n"],
    [["SET", "a", "b", "EX", "x"], "-ERR value is not an integer or out of range\r\n"],
    [["MSET", "a"], "-ERR wrong number of arguments for 'mset' command\r\n"],
    [["MSET", "a", "b", "c"], "-ERR wrong number of arguments for 'mset' command\r\n"],
    [["DEL"], "-ERR wrong number of arguments for 'del' command\r\n"],
    [["EXISTS"], "-ERR wrong number of arguments for 'exists' command\r\n"],
    [["MGET"], "-ERR wrong number of arguments for 'mget' command\r\n"],
    [["DBSIZE", "x"], "-ERR wrong number of arguments for 'dbsize' command\r\n"],
    [["foo", "a", "b"], "-ERR unknown command 'foo', with args beginning with: 'a' 'b' \r\n"],
    [["foo"], "-ERR unknown command 'foo', with args beginning with: \r\n"],
    [["foo", "a\nb"], "-ERR unknown command 'foo', with args beginning with: 'a b' \r\n"],
    [["CLIENT", "foo"], "-ERR unknown subcommand 'foo'. Try CLIENT HELP.\r\n"],
    [["CLIENT"], "-ERR wrong number of arguments for 'client' command\r\n"],
    [["CLIENT", "GETNAME", "x"], "-ERR wrong number of arguments for 'client|getname' command\r\n"],
    [["CLIENT", "SETNAME", "a b"], "-ERR Client names cannot contain spaces, newlines or special characters.\r\n"],
    [["CLIENT", "SETINFO", "foo", "x"], "-ERR Unrecognized option 'foo'\r\n"],
    [["CLIENT", "SETINFO", "lib-name", "a b"], "-ERR lib-name cannot contain spaces, newlines or special characters.\r\n"],
    [["CONFIG", "GET"], "-ERR wrong number of arguments for 'config|get' command\r\n"],
    [["COMMAND", "foo"], "-ERR unknown subcommand 'foo'. Try COMMAND HELP.\r\n"],
    [["COMMAND", "COUNT", "x"], "-ERR wrong number of arguments for 'command|count' command\r\n"],
    [["SELECT", "0"], "+OK\r\n"],
    [["SELECT", "1"], "-ERR DB index is out of range\r\n"],
    [["SELECT", "x"], "-ERR value is not an integer or out of range\r\n"],
    [["SELECT", "0", "1"], "-ERR wrong number of arguments for 'select' command\r\n"],
    [["HELLO", "4"], "-NOPROTO unsupported protocol version\r\n"],
    [["HELLO", "x"], "-ERR Protocol version is not an integer or out of range\r\n"],
    [["HELLO", "2", "foo"], "-ERR Syntax error in HELLO option 'foo'\r\n"],
    [["HELLO", "2", "AUTH", "default"], "-ERR Syntax error in HELLO option 'AUTH'\r\n"],
    [["AUTH", "x"], "-ERR AUTH <password> called without any password configured for the default user. "
      + "Are you sure your configuration is correct?\r\n"],
    [["AUTH", "a", "b", "c"], "-ERR syntax error\r\n"],
    [["AUTH", "bob", "x"], "-WRONGPASS invalid username-password pair or user is disabled.\r\n"],
    [["QUIT", "x"], "+OK\r\n"],
  ];
  for (const [command, expected] of cases) {
    test(command.join(" ").replace("\n", "\\n"), async () => {
      await roundTrip(await client(), command, expected);
    });
  }
});

test("GET, SET, DEL, EXISTS, MGET, MSET round trip", async () => {
  const c = await client();
  await roundTrip(c, ["SET", "k1", "v1"], "+OK\r\n");
  await roundTrip(c, ["GET", "k1"], bulk("v1"));
  await roundTrip(c, ["SET", "k1", "v2", "NX"], "$-1\r\n");
  await roundTrip(c, ["SET", "k1", "v2", "XX", "GET"], bulk("v1"));
  await roundTrip(c, ["SET", "k9", "v", "XX"], "$-1\r\n");
  await roundTrip(c, ["MSET", "k2", "a", "k3", "b"], "+OK\r\n");
  await roundTrip(c, ["MGET", "k1", "nope", "k3"], `*3\r\n${bulk("v2")}$-1\r\n${bulk("b")}`);
  await roundTrip(c, ["EXISTS", "k1", "k1", "nope"], ":2\r\n");
  await roundTrip(c, ["DEL", "k1", "k2", "nope"], ":2\r\n");
  await roundTrip(c, ["GET", "k1"], "$-1\r\n");
  await roundTrip(c, ["DBSIZE"], `:${ts.backend.data.size}\r\n`);
});

test("binary keys and values pass through unchanged", async () => {
  const c = await client();
  const key = Buffer.from([0, 255, 13, 10, 1]);
  const value = Buffer.from([10, 13, 0, 200, 36]);
  c.sendCommands(["SET", key, value], ["GET", key]);
  const expected = Buffer.concat([Buffer.from("+OK\r\n$5\r\n"), value, Buffer.from("\r\n")]).toString("latin1");
  assert.equal(await c.expect(expected), expected);
});

test("inline commands (telnet style) work", async () => {
  const c = await client();
  c.send("PING\r\nSET inline-key hello\r\nGET inline-key\r\n");
  const expected = `+PONG\r\n+OK\r\n${bulk("hello")}`;
  assert.equal(await c.expect(expected), expected);
});

test("1000 pipelined commands in one write are answered in order", async () => {
  const c = await client();
  const commands: string[][] = [];
  let expected = "";
  for (let i = 0; i < 500; i++) {
    commands.push(["SET", `p:${i}`, `value-${i}`], ["GET", `p:${i}`]);
    expected += `+OK\r\n${bulk(`value-${i}`)}`;
  }
  c.sendCommands(...commands);
  assert.equal(await c.expect(expected), expected);
});

test("pipelined replies stay in order when the backend answers asynchronously", async () => {
  ts.backend.answerAsync = true;
  try {
    const c = await client();
    const commands: string[][] = [];
    let expected = "";
    for (let i = 0; i < 300; i++) {
      commands.push(["SET", `q:${i}`, `v${i}`], ["PING"], ["GET", `q:${i}`], ["ECHO", `${i}`]);
      expected += `+OK\r\n+PONG\r\n${bulk(`v${i}`)}${bulk(String(i))}`;
    }
    c.sendCommands(...commands);
    assert.equal(await c.expect(expected), expected);
  } finally {
    ts.backend.answerAsync = false;
  }
});

async function clientId(c: RawClient): Promise<string> {
  c.sendCommands(["CLIENT", "ID"]);
  return (await c.line()).slice(1, -2);
}

/** HELLO's reply: a RESP3 map, or in RESP2 the same pairs as a flat array. */
function helloReply(proto: 2 | 3, id: string): string {
  return (proto === 3 ? "%7\r\n" : "*14\r\n") + bulk("server") + bulk("ringkv") + bulk("version") + bulk("7.0.0")
    + bulk("proto") + `:${proto}\r\n` + bulk("id") + `:${id}\r\n` + bulk("mode") + bulk("standalone")
    + bulk("role") + bulk("master") + bulk("modules") + "*0\r\n";
}

test("RESP2 and RESP3 encode null and maps differently", async () => {
  const c = await client();
  await roundTrip(c, ["GET", "missing"], "$-1\r\n");
  await roundTrip(c, ["CONFIG", "GET", "save"], `*2\r\n${bulk("save")}${bulk("")}`);
  const id = await clientId(c);
  await roundTrip(c, ["HELLO", "3"], helloReply(3, id));
  await roundTrip(c, ["GET", "missing"], "_\r\n");
  await roundTrip(c, ["MGET", "missing"], "*1\r\n_\r\n");
  await roundTrip(c, ["CONFIG", "GET", "save"], `%1\r\n${bulk("save")}${bulk("")}`);
  await roundTrip(c, ["HELLO"], helloReply(3, id));
  await roundTrip(c, ["HELLO", "2"], helloReply(2, id));
  await roundTrip(c, ["GET", "missing"], "$-1\r\n");
});

test("a reply keeps the protocol its request ran under, even when HELLO overtakes it", async () => {
  ts.backend.answerAsync = true;
  try {
    const c = await client();
    const id = await clientId(c);
    c.sendCommands(["GET", "missing"], ["HELLO", "3"], ["GET", "missing"]);
    const expected = `$-1\r\n${helloReply(3, id)}_\r\n`;
    assert.equal(await c.expect(expected), expected);
  } finally {
    ts.backend.answerAsync = false;
  }
});

test("HELLO SETNAME names the connection", async () => {
  const c = await client();
  const id = await clientId(c);
  await roundTrip(c, ["HELLO", "3", "SETNAME", "n1"], helloReply(3, id));
  await roundTrip(c, ["CLIENT", "GETNAME"], bulk("n1"));
  await roundTrip(c, ["HELLO", "3", "SETNAME", "a b"], "-ERR Client names cannot contain spaces, newlines or special characters.\r\n");
});

test("CLIENT SETNAME, GETNAME, SETINFO and INFO", async () => {
  const c = await client();
  await roundTrip(c, ["CLIENT", "GETNAME"], "$-1\r\n");
  await roundTrip(c, ["CLIENT", "SETNAME", "app-1"], "+OK\r\n");
  await roundTrip(c, ["CLIENT", "GETNAME"], bulk("app-1"));
  await roundTrip(c, ["CLIENT", "SETINFO", "LIB-NAME", "mylib"], "+OK\r\n");
  await roundTrip(c, ["CLIENT", "SETINFO", "lib-ver", "1.2.3"], "+OK\r\n");
  c.sendCommands(["CLIENT", "INFO"]);
  const info = await c.bulkPayload();
  assert.match(info, new RegExp(`^id=\\d+ addr=127\\.0\\.0\\.1:\\d+ laddr=127\\.0\\.0\\.1:${ts.port} fd=-1 name=app-1 .* resp=2 lib-name=mylib lib-ver=1\\.2\\.3 pipeline=\\d+\\n$`));
});

test("QUIT answers +OK, closes, and runs nothing sent after it", async () => {
  const c = await client();
  c.sendCommands(["SET", "before-quit", "1"], ["QUIT"], ["SET", "after-quit", "1"]);
  assert.equal(await c.expect("+OK\r\n+OK\r\n"), "+OK\r\n+OK\r\n");
  await c.waitClosed();
  assert.equal(c.pending(), "");
  assert.equal(ts.backend.data.has("before-quit"), true);
  assert.equal(ts.backend.data.has("after-quit"), false);
});

test("garbage bytes get an error, then the connection is closed", async () => {
  const c = await client();
  c.sendCommands(["PING"]);
  c.send("*1\r\n$abc\r\n");
  await c.waitClosed();
  const received = c.pending();
  assert.ok(received.startsWith("+PONG\r\n-ERR "), received);
  assert.ok(received.endsWith("\r\n"));
});

test("a 5 MiB value is refused at its length line, and the connection closed", async () => {
  const c = await client();
  const big = Buffer.alloc(5 * 1024 * 1024, 120);
  c.send(Buffer.concat([encodeCommand(["PING"]), encodeCommand(["SET", "big", big]), encodeCommand(["SET", "after", "x"])]));
  await c.waitClosed();
  assert.equal(c.pending(), "+PONG\r\n-ERR Protocol error: invalid bulk length: 5242880 bytes exceeds the limit of 1049600 bytes\r\n");
  assert.equal(ts.backend.data.has("big"), false);
  assert.equal(ts.backend.data.has("after"), false);
});

test("keys and values over the limits are refused and nothing is written", async () => {
  const c = await client();
  const longKey = "k".repeat(2000);
  await roundTrip(c, ["SET", longKey, "v"], "-ERR key is 2000 bytes, the limit is 1024 bytes\r\n");
  await roundTrip(c, ["GET", longKey], "-ERR key is 2000 bytes, the limit is 1024 bytes\r\n");
  const bigValue = "v".repeat(1024 * 1024 + 1);
  await roundTrip(c, ["SET", "limit-a", bigValue], "-ERR value is 1048577 bytes, the limit is 1048576 bytes\r\n");
  await roundTrip(c, ["MSET", "limit-b", "ok", "limit-c", bigValue],
    "-ERR value is 1048577 bytes, the limit is 1048576 bytes\r\n");
  await roundTrip(c, ["MSET", "limit-d", "ok", longKey, "v"], "-ERR key is 2000 bytes, the limit is 1024 bytes\r\n");
  for (const key of ["limit-a", "limit-b", "limit-c", "limit-d"]) assert.equal(ts.backend.data.has(key), false, key);
});

test("INFO has Redis's layout, loading:0 and the keyspace line", async () => {
  const c = await client();
  await roundTrip(c, ["SET", "info-key", "1"], "+OK\r\n");
  c.sendCommands(["INFO"]);
  const text = await c.bulkPayload();
  for (const section of ["# Server", "# Clients", "# Memory", "# Persistence", "# Stats", "# Replication", "# Keyspace", "# Storage"]) {
    assert.ok(text.includes(`${section}\r\n`), section);
  }
  assert.match(text, /\r\nloading:0\r\n/);
  assert.match(text, /\r\nredis_version:7\.0\.0\r\n/);
  assert.match(text, /\r\nringkv_mode:standalone\r\n/);
  assert.match(text, new RegExp(`\\r\\ndb0:keys=${ts.backend.data.size},expires=0,avg_ttl=0\\r\\n`));
  assert.match(text, /\r\nkeyspace_hits:\d+\r\nkeyspace_misses:\d+\r\n/);
  assert.match(text, /\r\ntotal_commands_processed:\d+\r\n/);

  c.sendCommands(["INFO", "persistence", "CLIENTS"]);
  const text2 = await c.bulkPayload();
  assert.match(text2, /^# Persistence\r\nloading:0\r\nasync_loading:0\r\n(?:[a-z_]+:\w+\r\n)*\r\n# Clients\r\nconnected_clients:\d+\r\n/);
  assert.match(text2, /\r\naof_enabled:0\r\n/);
  c.sendCommands(["INFO", "cpu"]);
  assert.match(await c.bulkPayload(), /^# Cpu\r\nused_cpu_sys:\d+\.\d{6}\r\nused_cpu_user:\d+\.\d{6}\r\n/);
  await roundTrip(c, ["INFO", "nosuchsection"], "$0\r\n\r\n");
});

test("CONFIG GET answers glob patterns; CONFIG SET of a start-up setting is refused clearly", async () => {
  const c = await client();
  await roundTrip(c, ["CONFIG", "GET", "appendonly"], `*2\r\n${bulk("appendonly")}${bulk("no")}`);
  await roundTrip(c, ["CONFIG", "GET", "maxc*"], `*2\r\n${bulk("maxclients")}${bulk("10000")}`);
  await roundTrip(c, ["CONFIG", "GET", "SAVE", "nothing*"], `*2\r\n${bulk("save")}${bulk("")}`);
  await roundTrip(c, ["CONFIG", "SET", "save", ""],
    "-ERR CONFIG SET of 'save' is not supported by ringkv: it is given on the command line when the process starts "
    + "(only slowlog-log-slower-than, slowlog-max-len, latency-monitor-threshold change at run time)\r\n");
});

test("COMMAND COUNT, INFO and DOCS describe the command table", async () => {
  const c = await client();
  c.sendCommands(["COMMAND", "COUNT"]);
  const count = Number((await c.line()).slice(1, -2));
  assert.ok(count >= 17, String(count));
  const getInfo = `*2\r\n*10\r\n${bulk("get")}:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n`;
  c.sendCommands(["COMMAND", "INFO", "get", "nosuch"]);
  assert.equal(await c.expect(getInfo), getInfo);
  await c.until((pending) => pending.endsWith("$-1\r\n"));
  await c.take(c.pending().length);
  c.sendCommands(["COMMAND", "DOCS", "get"]);
  const docs = `*2\r\n${bulk("get")}*10\r\n${bulk("summary")}${bulk("Get the value of a key")}${bulk("since")}${bulk("1.0.0")}`;
  assert.equal(await c.expect(docs), docs);
});
