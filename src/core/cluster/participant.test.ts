import assert from "node:assert/strict";
import { test } from "node:test";
import { ParticipantMachine } from "./participant.js";
import { keyString } from "./key-string.js";
import type { Bytes, ParticipantEffect, TxnWrite } from "./types.js";

const b = (text: string) => new TextEncoder().encode(text);

function participant(data: Record<string, string> = {}, options = {}) {
  const store = new Map<string, Bytes>(Object.entries(data).map(([key, value]) => [keyString(b(key)), b(value)]));
  const machine = new ParticipantMachine({ nodeId: "n1", inquireTicks: 10, ...options }, { get: (key) => store.get(keyString(key)), count: () => store.size });
  machine.step({ kind: "recovered", prepared: [] });
  return machine;
}

const sends = (effects: ParticipantEffect[]) => effects.flatMap((e) => (e.kind === "send" ? [e.message] : []));
const persists = (effects: ParticipantEffect[]) => effects.flatMap((e) => (e.kind === "persist" ? [e] : []));
const prepare = (txid: string, writes: TxnWrite[], wantValues = false) => ({ kind: "message" as const, message: { type: "prepare" as const, txid, writes, wantValues } });

test("events before recovered are bugs", () => {
  const machine = new ParticipantMachine({}, { get: () => undefined, count: () => 0 });
  assert.throws(() => machine.step({ kind: "connected" }), /before recovered/);
});

test("a yes vote comes only after the prepared record is durable, with what the node held", () => {
  const machine = participant({ a: "old" });
  const first = machine.step(prepare("1.1", [{ key: b("a"), value: b("new") }, { key: b("z"), value: null }], true));
  assert.deepEqual(sends(first), []);
  const [persist] = persists(first);
  assert.deepEqual(persist!.records.map((r) => r.type), ["prepared"]);
  const voted = sends(machine.step({ kind: "persisted", token: persist!.token }));
  assert.deepEqual(voted, [{ type: "vote", txid: "1.1", yes: true, previous: [{ exists: true, value: b("old") }, { exists: false }] }]);
});

test("a prepare looks at the keys it replaces with peek(), a replica read with get()", () => {
  const calls: string[] = [];
  const value = b("v");
  const machine = new ParticipantMachine({ nodeId: "n1" }, {
    get: () => (calls.push("get"), value),
    peek: () => (calls.push("peek"), value),
    count: () => 1,
  });
  machine.step({ kind: "recovered", prepared: [] });
  const [persist] = persists(machine.step(prepare("1.1", [{ key: b("a"), value: b("x") }])));
  const [vote] = sends(machine.step({ kind: "persisted", token: persist!.token }));
  assert.deepEqual(vote, { type: "vote", txid: "1.1", yes: true, previous: [{ exists: true }] });
  assert.deepEqual(calls, ["peek"]);
  machine.step({ kind: "message", message: { type: "read", readId: 7, keys: [b("a")] } });
  assert.deepEqual(calls, ["peek", "get"]);
});

test("a prepare for a locked key votes no and asks about the transaction holding it", () => {
  const machine = participant();
  const [persist] = persists(machine.step(prepare("1.1", [{ key: b("a"), value: b("x") }])));
  machine.step({ kind: "persisted", token: persist!.token });
  const refused = sends(machine.step(prepare("1.2", [{ key: b("a"), value: b("y") }])));
  assert.equal(refused.length, 2);
  assert.ok(refused[0]!.type === "vote" && !refused[0]!.yes && /1\.1/.test(refused[0]!.reason));
  assert.deepEqual(refused[1], { type: "inquire", txid: "1.1" });
});

test("a prepare naming a key twice votes no", () => {
  const machine = participant();
  const effects = machine.step(prepare("1.1", [{ key: b("a"), value: b("x") }, { key: b("a"), value: b("y") }]));
  assert.deepEqual(persists(effects), []);
  const [vote] = sends(effects);
  assert.ok(vote?.type === "vote" && !vote.yes && /twice/.test(vote.reason));
});

test("commit and abort of unknown txids are acknowledged; an aborted txid's late prepare is refused", () => {
  const machine = participant();
  assert.deepEqual(sends(machine.step({ kind: "message", message: { type: "commit", txid: "1.5" } })), [{ type: "ack", txid: "1.5" }]);
  assert.deepEqual(sends(machine.step({ kind: "message", message: { type: "abort", txid: "1.6" } })), [{ type: "ack", txid: "1.6" }]);
  const late = machine.step(prepare("1.6", [{ key: b("a"), value: b("x") }]));
  assert.deepEqual(persists(late), []);
  assert.ok(sends(late)[0]?.type === "vote");
});

test("an abort while the prepared record is persisting waits for it, then aborts durably, then acks", () => {
  const machine = participant();
  const [persist] = persists(machine.step(prepare("1.1", [{ key: b("a"), value: b("x") }])));
  assert.deepEqual(machine.step({ kind: "message", message: { type: "abort", txid: "1.1" } }), []);
  const afterPrepared = machine.step({ kind: "persisted", token: persist!.token });
  assert.deepEqual(sends(afterPrepared), [], "no yes vote for an aborted transaction");
  const [aborted] = persists(afterPrepared);
  assert.deepEqual(aborted!.records, [{ type: "aborted", txid: "1.1" }]);
  assert.deepEqual(sends(machine.step({ kind: "persisted", token: aborted!.token })), [{ type: "ack", txid: "1.1" }]);
  assert.equal(machine.preparedCount, 0);
});

test("a commit is one atomic committed record; the ack comes after it is durable", () => {
  const machine = participant();
  const writes = [{ key: b("a"), value: b("x") }];
  const [persist] = persists(machine.step(prepare("1.1", writes)));
  machine.step({ kind: "persisted", token: persist!.token });
  const committing = machine.step({ kind: "message", message: { type: "commit", txid: "1.1" } });
  assert.deepEqual(sends(committing), []);
  const [committed] = persists(committing);
  assert.deepEqual(committed!.records, [{ type: "committed", txid: "1.1", writes }]);
  assert.deepEqual(machine.step({ kind: "message", message: { type: "commit", txid: "1.1" } }), [], "a duplicate while applying");
  assert.deepEqual(sends(machine.step({ kind: "persisted", token: committed!.token })), [{ type: "ack", txid: "1.1" }]);
  assert.throws(() => machine.step({ kind: "persisted", token: committed!.token }), /not pending/);
});

test("in doubt: it inquires every inquireTicks, and on every reconnect", () => {
  const machine = participant();
  machine.step({ kind: "tick", tick: 100 });
  const [persist] = persists(machine.step(prepare("1.1", [{ key: b("a"), value: b("x") }])));
  machine.step({ kind: "persisted", token: persist!.token });
  assert.deepEqual(sends(machine.step({ kind: "tick", tick: 109 })), []);
  assert.deepEqual(sends(machine.step({ kind: "tick", tick: 110 })), [{ type: "inquire", txid: "1.1" }]);
  assert.deepEqual(sends(machine.step({ kind: "tick", tick: 120 })), [{ type: "inquire", txid: "1.1" }]);
  assert.deepEqual(sends(machine.step({ kind: "connected" })), [{ type: "inquire", txid: "1.1" }]);
});

test("recovered prepared records lock their keys and are in doubt", () => {
  const machine = new ParticipantMachine({}, { get: () => undefined, count: () => 0 });
  machine.step({ kind: "recovered", prepared: [{ txid: "1.1", writes: [{ key: b("a"), value: b("x") }] }] });
  assert.equal(machine.preparedCount, 1);
  assert.deepEqual(sends(machine.step({ kind: "connected" })), [{ type: "inquire", txid: "1.1" }]);
  const refused = sends(machine.step(prepare("2.1", [{ key: b("a"), value: b("y") }])));
  assert.ok(refused[0]?.type === "vote" && !refused[0].yes);
  const revote = sends(machine.step(prepare("1.1", [{ key: b("a"), value: b("x") }])));
  assert.deepEqual(revote, [{ type: "vote", txid: "1.1", yes: true, previous: [{ exists: false }] }], "a re-sent prepare gets its vote");
  assert.throws(
    () => new ParticipantMachine({}, { get: () => undefined, count: () => 0 }).step({ kind: "recovered", prepared: [
      { txid: "1.1", writes: [{ key: b("a"), value: null }] }, { txid: "1.2", writes: [{ key: b("a"), value: null }] },
    ] }),
    /overlaps/,
  );
});

test("reads and pings are answered from durable data", () => {
  const machine = participant({ a: "1" });
  assert.deepEqual(sends(machine.step({ kind: "message", message: { type: "read", readId: 7, keys: [b("a"), b("b")] } })), [
    { type: "readReply", readId: 7, values: [b("1"), null] },
  ]);
  assert.deepEqual(sends(machine.step({ kind: "message", message: { type: "ping", tick: 3 } })), [{ type: "pong", tick: 3 }]);
});

test("a count message is answered with how many keys the node holds", () => {
  const machine = participant({ a: "1", b: "2" });
  assert.deepEqual(sends(machine.step({ kind: "message", message: { type: "count", countId: 9 } })), [{ type: "countReply", countId: 9, keys: 2 }]);
});
