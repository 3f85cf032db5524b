import { test } from "node:test";
import assert from "node:assert/strict";
import { parseCommand } from "./catalog.js";
import { executeCommand, planCommand } from "./execute.js";
import { isError } from "./reply.js";
import type { Command, SingleCommand } from "./types.js";

const text = new TextDecoder();
const command = (line: string): SingleCommand => {
  const parsed = parseCommand(line.split(" ").map((word) => new TextEncoder().encode(word)));
  if (isError(parsed)) throw new Error(parsed.message);
  return parsed;
};
const names = (line: string | Command) => planCommand(typeof line === "string" ? command(line) : line).keys.map((key) => text.decode(key));

test("a plan names every key once, in order of first mention, and says whether the command writes", () => {
  assert.deepEqual(names("MSET b 1 a 2 b 3"), ["b", "a"]);
  assert.deepEqual(names("DEL a a c"), ["a", "c"]);
  assert.deepEqual(names("RENAME x y"), ["x", "y"]);
  assert.deepEqual(names("OBJECT ENCODING k"), ["k"]);
  assert.equal(planCommand(command("GET a")).write, false);
  assert.equal(planCommand(command("GETEX a")).write, true);
  const exec: Command = { kind: "exec", commands: [command("GET a"), command("SET b 1"), { kind: "error", code: "ERR", message: "x" }] };
  assert.deepEqual(names(exec), ["a", "b"]);
  assert.equal(planCommand(exec).write, true);
});

test("writes: changed keys only; an expired key a write command touches is deleted; reads write nothing", () => {
  const expired = { kind: "string" as const, value: new Uint8Array(), expiresAtMs: 5 };
  const live = { kind: "string" as const, value: Uint8Array.of(0x31) };
  assert.deepEqual(executeCommand(command("MSETNX a 1 b 2"), [expired, live], 10).writes, [null, undefined]);
  assert.deepEqual(executeCommand(command("MGET a b"), [expired, live], 10).writes, [undefined, undefined]);
  const { reply, writes } = executeCommand(command("INCR b"), [live], 10);
  assert.deepEqual(reply, { kind: "integer", value: 2n });
  assert.deepEqual(writes, [{ kind: "string", value: Uint8Array.of(0x32) }]);
  assert.deepEqual(executeCommand(command("DEL n"), [null], 10).writes, [undefined], "deleting nothing writes nothing");
});

test("the same inputs give the same result (no hidden clock or randomness)", () => {
  const hash = { kind: "hash" as const, fields: new Map([["a", [Uint8Array.of(0x61), Uint8Array.of(1)] as [Uint8Array, Uint8Array]],
    ["b", [Uint8Array.of(0x62), Uint8Array.of(2)] as [Uint8Array, Uint8Array]]]) };
  const first = executeCommand(command("HRANDFIELD h -5"), [hash], 42);
  assert.deepEqual(executeCommand(command("HRANDFIELD h -5"), [hash], 42), first);
});

test("a current list that does not match the plan is a bug", () => {
  assert.throws(() => executeCommand(command("MGET a b"), [null], 0), /2 keys got 1 entries/);
});

test("a command finds its keys by the same bytes in other buffers, with few keys and with many", () => {
  const keys = Array.from({ length: 12 }, (_, index) => `k${index % 10}`);
  for (const count of [2, 12]) {
    const line = `MSET ${keys.slice(0, count).map((key, index) => `${key} ${index}`).join(" ")}`;
    const mset = command(line);
    const planned = planCommand(mset).keys.length;
    const { writes } = executeCommand(mset, Array.from({ length: planned }, () => null), 10);
    // k0 and k1 come twice among 12 keys: the second value of each is the one written.
    const written = writes.map((entry) => (entry?.kind === "string" ? text.decode(entry.value) : null));
    assert.deepEqual(written, count === 2 ? ["0", "1"] : ["10", "11", "2", "3", "4", "5", "6", "7", "8", "9"]);
  }
});
