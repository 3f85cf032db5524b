// Scenarios of read-modify-write commands through the coordinator (PROTOCOL.md, Read-modify-write):
// a command's keys are read under its locks, executeCommand decides the writes, 2PC commits them.

import assert from "node:assert/strict";
import { test } from "node:test";
import { bytes, ClusterHarness, COORDINATOR, ofType } from "../../../test/support/scenario-harness.js";
import { decodeEntry, isError, parseCommand, type CommandReply, type Entry } from "../commands/index.js";
import { keyString } from "./key-string.js";
import type { ClientResult } from "./types.js";

const NOW_MS = 1_767_225_600_000;

function cluster(): ClusterHarness {
  return new ClusterHarness().start();
}

function command(c: ClusterHarness, words: string[], nowMs = NOW_MS): number {
  const parsed = parseCommand(words.map(bytes));
  if (isError(parsed)) throw new Error(`bad command ${words.join(" ")}: ${parsed.message}`);
  return c.request({ kind: "command", command: parsed, nowMs });
}

function reply(c: ClusterHarness, requestId: number): CommandReply | undefined {
  const result: ClientResult | undefined = c.answer(requestId)?.result;
  if (result === undefined) return undefined;
  if (result.kind !== "reply") throw new Error(`a command answered ${result.kind}`);
  // Integers as numbers, whether the executor made a number or a bigint.
  return JSON.parse(JSON.stringify(result.reply, (_name, value: unknown) => (typeof value === "bigint" ? Number(value) : value))) as CommandReply;
}

/** What each replica of `key` holds, decoded. */
function entriesOnReplicas(c: ClusterHarness, key: string): Array<Entry | null> {
  return c.replicasOf(key).map((node) => {
    const stored = c.nodes.get(node)!.disk.data.get(keyString(bytes(key)));
    return stored === undefined ? null : decodeEntry(stored);
  });
}

const stringEntry = (value: string, expiresAtMs?: number): Entry => (expiresAtMs === undefined
  ? { kind: "string", value: bytes(value) }
  : { kind: "string", value: bytes(value), expiresAtMs });

test("INCR reads its key only once it holds the key's lock, and answers after the decision is durable", () => {
  const c = cluster();
  const first = command(c, ["INCR", "n"]);
  const second = command(c, ["INCR", "n"]);
  const reads = c.inFlight(ofType("read"));
  assert.equal(reads.length, 1, "only the lock holder reads");
  assert.equal(reads[0]!.message.type === "read" && reads[0]!.message.forUpdate, true, "the read says it is for an update");
  c.deliver(ofType("read"));
  c.deliver(ofType("readReply"));
  assert.equal(c.inFlight(ofType("prepare")).length, c.replicasOf("n").length);
  assert.equal(c.inFlight(ofType("read")).length, 0, "the second INCR waits for the first to finish");
  c.deliver(ofType("prepare"));
  for (const node of c.replicasOf("n")) c.completePersists(node);
  c.deliver(ofType("vote"));
  assert.equal(reply(c, first), undefined, "no answer before the decision is durable");
  c.completePersists(COORDINATOR);
  assert.deepEqual(reply(c, first), { kind: "integer", value: 1 });
  c.settle();
  assert.deepEqual(reply(c, second), { kind: "integer", value: 2 });
  assert.deepEqual(entriesOnReplicas(c, "n"), c.replicasOf("n").map(() => stringEntry("2")));
});

test("many concurrent INCRs on one key: every answer distinct, the final count their number", () => {
  const c = cluster();
  const ids = Array.from({ length: 8 }, () => command(c, ["INCRBY", "n", "5"]));
  c.settle();
  const answers = ids.map((id) => reply(c, id));
  assert.deepEqual(answers, [5, 10, 15, 20, 25, 30, 35, 40].map((value) => ({ kind: "integer", value })));
  assert.deepEqual(entriesOnReplicas(c, "n"), c.replicasOf("n").map(() => stringEntry("40")));
});

test("a command that decides to write nothing answers from its read: no prepare, no decision", () => {
  const c = cluster();
  command(c, ["HSET", "h", "f", "v"]);
  c.settle();
  const wrongType = command(c, ["INCR", "h"]);
  c.deliver(ofType("read"));
  c.deliver(ofType("readReply"));
  assert.equal(reply(c, wrongType)?.kind, "error");
  assert.match(JSON.stringify(reply(c, wrongType)), /WRONGTYPE/);
  const nx = command(c, ["SET", "h", "x", "NX"]);
  assert.deepEqual(reply(c, nx), { kind: "nil" }, "answered from the cache the first read filled");
  assert.equal(c.inFlight(ofType("prepare")).length, 0, "nothing was prepared");
  assert.equal(c.coordinatorPersists.length, 0, "nothing was logged");
});

test("expiry: the deadline is kept in the entry on every replica; an expired key counts as absent and a write deletes it", () => {
  const c = cluster();
  command(c, ["SET", "s", "41", "PX", "1000"]);
  c.settle();
  assert.deepEqual(entriesOnReplicas(c, "s"), c.replicasOf("s").map(() => stringEntry("41", NOW_MS + 1000)));
  const live = command(c, ["INCR", "s"], NOW_MS + 999);
  c.settle();
  assert.deepEqual(reply(c, live), { kind: "integer", value: 42 });
  const afterDeadline = command(c, ["INCR", "s"], NOW_MS + 1000);
  c.settle();
  assert.deepEqual(reply(c, afterDeadline), { kind: "integer", value: 1 }, "INCR counts from 0 once the deadline passed (INCR keeps a TTL, as Redis)");
  const ttl = command(c, ["PERSIST", "s"], NOW_MS + 1001);
  c.settle();
  assert.deepEqual(reply(c, ttl), { kind: "integer", value: 0 }, "the new value has no deadline");
});

test("a command never runs at an earlier wall clock than one before it: expiry does not go back", () => {
  const c = cluster();
  command(c, ["SET", "s", "v", "PX", "100"]);
  c.settle();
  command(c, ["APPEND", "other", "x"], NOW_MS + 500);
  c.settle();
  const late = command(c, ["APPEND", "s", "w"], NOW_MS); // a client whose clock is behind
  c.settle();
  assert.deepEqual(reply(c, late), { kind: "integer", value: 1 }, "s had expired at the latest time the coordinator saw");
});

test("EXEC over keys on different nodes is one transaction: one decision, every key written", () => {
  const c = new ClusterHarness({ coordinator: { replicas: 1, minNodes: 3 } }).start();
  const keys = ["a", "b", "c", "d", "e", "f"];
  assert.ok(new Set(keys.map((key) => c.replicasOf(key)[0])).size > 1, "the keys live on more than one node");
  const queued = [["MSET", "a", "1", "b", "2"], ["INCR", "c"], ["APPEND", "d", "x"], ["HSET", "e", "f", "v"], ["SET", "f", "9", "EX", "10"]]
    .map((words) => parseCommand(words.map(bytes)));
  if (queued.some(isError)) throw new Error("bad queued command");
  const exec = c.request({ kind: "command", command: { kind: "exec", commands: queued as never }, nowMs: NOW_MS });
  c.deliver(ofType("read"));
  c.deliver(ofType("readReply"));
  const prepares = c.inFlight(ofType("prepare"));
  assert.equal(new Set(prepares.map((envelope) => envelope.to)).size, new Set(keys.map((key) => c.replicasOf(key)[0])).size);
  assert.equal(new Set(prepares.map((envelope) => envelope.message.type === "prepare" && envelope.message.txid)).size, 1, "one transaction");
  c.settle();
  assert.deepEqual(reply(c, exec), {
    kind: "array",
    items: [{ kind: "status", text: "OK" }, { kind: "integer", value: 1 }, { kind: "integer", value: 1 }, { kind: "integer", value: 1 }, { kind: "status", text: "OK" }],
  });
  assert.deepEqual(entriesOnReplicas(c, "c"), [stringEntry("1")]);
  assert.deepEqual(entriesOnReplicas(c, "f"), [stringEntry("9", NOW_MS + 10_000)]);
});

test("a command over a key holding bytes that are not an entry changes nothing and says why", () => {
  const c = cluster();
  c.set("raw", "\u00ff not an entry");
  c.settle();
  const id = command(c, ["APPEND", "raw", "x"]);
  c.settle();
  assert.equal(c.answer(id)?.error?.code, "ERR");
  assert.match(c.answer(id)?.error?.message ?? "", /not an entry/);
});

test("a command whose writes outgrow the bound a decision record holds is refused and changes nothing", () => {
  const c = cluster();
  command(c, ["SET", "big", "x".repeat(40)]);
  c.settle();
  const copy = parseCommand(["COPY", "big", "other"].map(bytes));
  if (isError(copy)) throw new Error(copy.message);
  const id = c.request({ kind: "command", command: copy, nowMs: NOW_MS, writeBytesMax: 30 });
  c.settle();
  assert.match(JSON.stringify(reply(c, id)), /would write 46 bytes of keys and values, the limit is 30 bytes/);
  assert.deepEqual(entriesOnReplicas(c, "other"), c.replicasOf("other").map(() => null));
});

test("a node's report of expired keys deletes those expired by the coordinator's clock, and keeps a key written again", () => {
  const c = cluster();
  command(c, ["SET", "old", "v", "PX", "100"]);
  command(c, ["SET", "fresh", "v", "PX", "100000"]);
  c.settle();
  const report = (keys: string[]): void => {
    const node = c.replicasOf(keys[0]!)[0]!;
    c.network.push({ from: node, to: COORDINATOR, connection: c.nodes.get(node)!.connection, message: { type: "expired", keys: keys.map(bytes) } });
    c.settle();
  };
  report(["old", "fresh"]);
  assert.notDeepEqual(entriesOnReplicas(c, "old"), c.replicasOf("old").map(() => null), "no command has shown the coordinator a time past the deadline yet");
  command(c, ["GET", "other"], NOW_MS + 200); // any command brings the clock along
  c.settle();
  report(["old", "fresh"]);
  assert.deepEqual(entriesOnReplicas(c, "old"), c.replicasOf("old").map(() => null));
  assert.deepEqual(entriesOnReplicas(c, "fresh"), c.replicasOf("fresh").map(() => stringEntry("v", NOW_MS + 100_000)));
});
