// What tools read: TIME, CLIENT KILL / NO-EVICT / NO-TOUCH, COMMAND DOCS for every command.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { bulk, testResources, type RawClient, type TestServer } from "../../test/support/server.js";
import { syntaxArguments } from "./syntax-docs.js";

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

test("TIME answers Unix seconds and microseconds as bulk strings", async () => {
  const c = await client();
  c.sendCommands(["TIME"]);
  assert.equal(await c.line(), "*2\r\n");
  const seconds = Number(await c.bulkPayload());
  const micros = Number(await c.bulkPayload());
  assert.ok(Math.abs(seconds - Date.now() / 1000) < 5, String(seconds));
  assert.ok(Number.isInteger(micros) && micros >= 0 && micros < 1e6, String(micros));
});

test("CLIENT KILL by ID, by address (old form), and its errors; NO-EVICT and NO-TOUCH are answered", async () => {
  const c = await client();
  const victim = await client();
  const other = await client();
  victim.sendCommands(["CLIENT", "ID"]);
  const victimId = (await victim.line()).slice(1, -2);
  await roundTrip(c, ["CLIENT", "KILL", "ID", victimId], ":1\r\n");
  await victim.waitClosed();
  await roundTrip(c, ["CLIENT", "KILL", "ID", "0"], "-ERR client-id should be greater than 0\r\n");
  await roundTrip(c, ["CLIENT", "KILL", "ID", "1", "SKIPME"], "-ERR syntax error\r\n");
  await roundTrip(c, ["CLIENT", "KILL", "1.2.3.4:5"], "-ERR No such client\r\n");
  const address = `${other.socket.localAddress}:${other.socket.localPort}`;
  await roundTrip(c, ["CLIENT", "KILL", address], "+OK\r\n");
  await other.waitClosed();
  await roundTrip(c, ["CLIENT", "NO-EVICT", "on"], "+OK\r\n");
  await roundTrip(c, ["CLIENT", "NO-TOUCH", "OFF"], "+OK\r\n");
  await roundTrip(c, ["CLIENT", "NO-EVICT", "maybe"], "-ERR syntax error\r\n");
});

test("COMMAND DOCS describes every command of the table", async () => {
  const c = await client();
  c.sendCommands(["COMMAND", "LIST"]);
  const header = await c.line();
  const names: string[] = [];
  for (let i = 0; i < Number(header.slice(1, -2)); i++) names.push(await c.bulkPayload());
  for (const name of ["set", "getex", "hset", "scan", "multi", "exec", "watch", "time", "flushall", "object"]) {
    assert.ok(names.includes(name), name);
  }
  c.sendCommands(["COMMAND", "DOCS", "getex"]);
  const expected = `*2\r\n${bulk("getex")}`;
  assert.equal(await c.expect(expected), expected);
});

test("syntax lines become COMMAND DOCS arguments", () => {
  assert.deepEqual(syntaxArguments("key seconds [NX|XX]"), [
    { name: "key", type: "key" },
    { name: "seconds", type: "integer" },
    { name: "nx-or-xx", type: "oneof", optional: true, arguments: [
      { name: "nx", type: "pure-token", token: "NX" }, { name: "xx", type: "pure-token", token: "XX" },
    ] },
  ]);
  assert.deepEqual(syntaxArguments("(key value) ..."), [
    { name: "key-value", type: "block", multiple: true, arguments: [{ name: "key", type: "key" }, { name: "value", type: "string" }] },
  ]);
  assert.deepEqual(syntaxArguments("key [count [WITHVALUES]]")[1], {
    name: "count-withvalues", type: "block", optional: true,
    arguments: [{ name: "count", type: "integer" }, { name: "withvalues", type: "pure-token", token: "WITHVALUES", optional: true }],
  });
  assert.throws(() => syntaxArguments("key [a"), /unbalanced/);
});
