// SLOWLOG, LATENCY, MONITOR and the CONFIG settings behind them, over a real socket.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { RawClient, bulk, startTestServer, type TestServer } from "../../test/support/server.js";

let ts: TestServer;

before(async () => {
  ts = await startTestServer(0);
  ts.port = ts.server.address().port;
});

after(async () => {
  await ts.server.close();
});

async function open(): Promise<RawClient> {
  return RawClient.open(ts.port);
}

test("CONFIG GET shows the slow log and latency settings with Redis's defaults; CONFIG SET changes them", async () => {
  const client = await open();
  client.sendCommands(["CONFIG", "GET", "slowlog*"]);
  await client.expect(`*4\r\n${bulk("slowlog-log-slower-than")}${bulk("10000")}${bulk("slowlog-max-len")}${bulk("128")}`);
  client.sendCommands(["CONFIG", "SET", "slowlog-max-len", "5", "latency-monitor-threshold", "3"], ["CONFIG", "GET", "latency-monitor-threshold", "slowlog-max-len"]);
  await client.expect(`+OK\r\n*4\r\n${bulk("slowlog-max-len")}${bulk("5")}${bulk("latency-monitor-threshold")}${bulk("3")}`);
  client.sendCommands(["CONFIG", "SET", "slowlog-max-len", "abc"]);
  assert.equal(await client.line(), "-ERR CONFIG SET failed (possibly related to argument 'slowlog-max-len') - argument couldn't be parsed into an integer\r\n");
  client.sendCommands(["CONFIG", "SET", "slowlog-log-slower-than", "-7"]);
  assert.match(await client.line(), /^-ERR CONFIG SET failed \(possibly related to argument 'slowlog-log-slower-than'\) - argument must be between -1 and/);
  client.sendCommands(["CONFIG", "SET", "nosuch", "1"], ["CONFIG", "SET", "port", "1"], ["CONFIG", "SET", "slowlog-max-len", "7", "maxclients"]);
  assert.equal(await client.line(), "-ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'\r\n");
  assert.match(await client.line(), /^-ERR CONFIG SET of 'port' is not supported by ringkv/);
  assert.equal(await client.line(), "-ERR syntax error\r\n");
  // A refused CONFIG SET changes nothing, also of the pairs before the bad one.
  client.sendCommands(["CONFIG", "SET", "slowlog-max-len", "9", "latency-monitor-threshold", "x"], ["CONFIG", "GET", "slowlog-max-len"]);
  await client.line();
  await client.expect(`*2\r\n${bulk("slowlog-max-len")}${bulk("5")}`);
  client.sendCommands(["CONFIG", "SET", "slowlog-max-len", "128", "latency-monitor-threshold", "0"]);
  await client.expect("+OK\r\n");
  client.close();
});

test("SLOWLOG logs commands at or over the threshold, newest first, shortened and with passwords redacted", async () => {
  const client = await open();
  client.sendCommands(["CONFIG", "SET", "slowlog-log-slower-than", "0"], ["SLOWLOG", "RESET"]);
  await client.expect("+OK\r\n+OK\r\n");
  const many = Array.from({ length: 40 }, (_, i) => `k${i}`);
  client.sendCommands(["SET", "k", "x".repeat(200)], ["AUTH", "secret"], ["CLIENT", "SETNAME", "me"], ["MGET", ...many]);
  await readAll(client, (text) => text.endsWith("$-1\r\n".repeat(40)));
  // Logging stops at once: this CONFIG SET is not logged itself.
  client.sendCommands(["CONFIG", "SET", "slowlog-log-slower-than", "-1"], ["SLOWLOG", "GET", "-1"]);
  await client.expect("+OK\r\n");
  const text = await readAll(client);
  client.close();

  const order = ["MGET", "SETNAME", "AUTH", `${"x".repeat(128)}... (72 more bytes)`, "RESET"].map((part) => text.indexOf(part));
  assert.ok(order.every((at, i) => at >= 0 && (i === 0 || at > order[i - 1]!)), `newest first: ${text.slice(0, 300)}`);
  assert.match(text, /^\*5\r\n/, "5 entries: SLOWLOG RESET, SET, AUTH, CLIENT SETNAME, MGET");
  assert.match(text, /\$10\r\n\(redacted\)\r\n/);
  assert.doesNotMatch(text, /secret/);
  assert.match(text, /\r\n\$23\r\n\.\.\. \(10 more arguments\)\r\n/, "32 arguments kept, the last one saying how many more");
  assert.match(text, /\$2\r\nme\r\n\*6\r\n/, "the MGET entry carries the client's name");
});

test("SLOWLOG GET count, LEN, RESET and slowlog-max-len trim the oldest; bad counts get Redis's error", async () => {
  const client = await open();
  client.sendCommands(["CONFIG", "SET", "slowlog-log-slower-than", "0", "slowlog-max-len", "3"], ["SLOWLOG", "RESET"]);
  await client.expect("+OK\r\n+OK\r\n");
  for (let i = 0; i < 5; i++) client.sendCommands(["PING", `p${i}`]);
  await client.expect(["p0", "p1", "p2", "p3", "p4"].map(bulk).join(""));
  client.sendCommands(["SLOWLOG", "LEN"]);
  await client.expect(":3\r\n");
  client.sendCommands(["SLOWLOG", "GET", "1"]);
  const newest = await readAll(client);
  assert.match(newest, /^\*1\r\n\*6\r\n/);
  assert.match(newest, /SLOWLOG/, "the newest entry is the SLOWLOG LEN before it");
  client.sendCommands(["SLOWLOG", "GET", "-2"], ["SLOWLOG", "GET", "x"], ["SLOWLOG", "GET", "1", "2"]);
  assert.equal(await client.line(), "-ERR count should be greater than or equal to -1\r\n");
  assert.equal(await client.line(), "-ERR count should be greater than or equal to -1\r\n");
  assert.equal(await client.line(), "-ERR unknown subcommand or wrong number of arguments for 'get'. Try SLOWLOG HELP.\r\n");
  client.sendCommands(["CONFIG", "SET", "slowlog-log-slower-than", "-1"], ["SLOWLOG", "RESET"], ["SLOWLOG", "LEN"]);
  await client.expect("+OK\r\n+OK\r\n:0\r\n");
  client.sendCommands(["CONFIG", "SET", "slowlog-log-slower-than", "10000", "slowlog-max-len", "128"]);
  await client.expect("+OK\r\n");
  client.close();
});

test("LATENCY records slow commands per event once the threshold is set, and RESET forgets them", async () => {
  const client = await open();
  client.sendCommands(["LATENCY", "RESET"], ["LATENCY", "LATEST"]);
  await client.line();
  await client.expect("*0\r\n");
  client.sendCommands(["CONFIG", "SET", "latency-monitor-threshold", "1"]);
  await client.expect("+OK\r\n");
  const release = ts.backend.hold("writes");
  client.sendCommands(["SET", "slow", "1"]);
  await new Promise((resolve) => setTimeout(resolve, 30));
  release();
  await client.expect("+OK\r\n");
  client.sendCommands(["LATENCY", "LATEST"]);
  const latest = await readAll(client);
  const match = /^\*1\r\n\*4\r\n\$7\r\ncommand\r\n:(\d+)\r\n:(\d+)\r\n:(\d+)\r\n$/.exec(latest);
  assert.ok(match, latest);
  assert.ok(Math.abs(Number(match[1]) - Date.now() / 1000) < 5, "the sample's unix time");
  assert.ok(Number(match[2]) >= 25 && Number(match[3]) >= Number(match[2]), latest);
  client.sendCommands(["LATENCY", "HISTORY", "command"], ["LATENCY", "HISTORY", "nosuch"]);
  assert.match(await readAll(client, (text) => text.endsWith("*0\r\n")), /^\*1\r\n\*2\r\n:\d+\r\n:\d+\r\n\*0\r\n$/);
  client.sendCommands(["LATENCY", "RESET", "nosuch"], ["LATENCY", "RESET", "command"], ["LATENCY", "LATEST"]);
  await client.expect(":0\r\n:1\r\n*0\r\n");
  client.sendCommands(["CONFIG", "SET", "latency-monitor-threshold", "0"]);
  await client.expect("+OK\r\n");
  client.close();
});

test("MONITOR streams every later command as Redis formats it; admin commands and passwords stay hidden", async () => {
  const monitor = await open();
  monitor.sendCommands(["MONITOR"]);
  await monitor.expect("+OK\r\n");
  const client = await open();
  client.sendCommands(["SET", "a b", 'x"y\\z\n\x01'], ["AUTH", "pw"], ["CONFIG", "GET", "port"], ["GET", "a b"]);
  await client.until((pending) => pending.split("\r\n").length >= 6);
  const address = `127.0.0.1:${client.socket.localPort}`;
  await monitor.until((pending) => pending.split("\r\n").length >= 4);
  const lines = monitor.pending().split("\r\n").filter(Boolean);
  assert.equal(lines.length, 3, lines.join("\n"));
  const prefix = (line: string) => /^\+(\d+)\.(\d{6}) \[0 ([^\]]+)\] /.exec(line);
  for (const line of lines) {
    const parts = prefix(line);
    assert.ok(parts, line);
    assert.ok(Math.abs(Number(parts[1]) - Date.now() / 1000) < 5);
    assert.equal(parts[3], address);
  }
  assert.equal(lines[0]!.slice(prefix(lines[0]!)![0].length), '"SET" "a b" "x\\"y\\\\z\\n\\x01"');
  assert.equal(lines[1]!.slice(prefix(lines[1]!)![0].length), '"AUTH" "(redacted)"');
  assert.equal(lines[2]!.slice(prefix(lines[2]!)![0].length), '"GET" "a b"');
  client.close();
  monitor.close();
});

/** Everything that arrives until `done` holds (by default: until 50 ms pass with nothing new). */
async function readAll(client: RawClient, done?: (text: string) => boolean): Promise<string> {
  if (done) {
    await client.until(done);
  } else {
    let seen = -1;
    while (client.pending().length !== seen || seen === 0) {
      seen = client.pending().length;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return client.take(Buffer.byteLength(client.pending(), "latin1"));
}

test("INFO commandstats and errorstats count calls, time and failures per command, as Redis shows them", async () => {
  const client = await open();
  client.sendCommands(["INFO", "commandstats"]);
  const before = await client.bulkPayload();
  const calls = (text: string, name: string) => Number(new RegExp(`cmdstat_${name}:calls=(\\d+),`).exec(text)?.[1] ?? 0);
  client.sendCommands(["ECHO", "x"], ["ECHO", "y"], ["SELECT", "9"], ["INFO", "commandstats", "errorstats"]);
  await client.expect(`${bulk("x")}${bulk("y")}-ERR DB index is out of range\r\n`);
  const after = await client.bulkPayload();
  client.close();
  assert.equal(calls(after, "echo") - calls(before, "echo"), 2);
  assert.match(after, /\r\ncmdstat_select:calls=\d+,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=0,failed_calls=[1-9]\d*\r\n/);
  assert.match(after, /# Errorstats\r\nerrorstat_ERR:count=[1-9]/);
  const plain = await open();
  plain.sendCommands(["INFO"]);
  assert.doesNotMatch(await plain.bulkPayload(), /cmdstat_/, "not in the default INFO, as in Redis");
  plain.close();
});
