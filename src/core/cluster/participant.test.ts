import assert from "node:assert/strict";
import { test } from "node:test";
import { ParticipantMachine } from "./participant.js";
import { keyString } from "./key-string.js";
import { partitionOf } from "../ring.js";
import type { Bytes, DataView, ParticipantEffect, TxnWrite, VersionedEntry } from "./types.js";

const b = (text: string) => new TextEncoder().encode(text);

/** A DataView over values only (no versions kept: every write is newer). */
function dataView(get: (key: Bytes) => Bytes | undefined, count = 0, peek?: (key: Bytes) => Bytes | undefined): DataView {
  return { get, ...(peek ? { peek } : {}), count: () => count, version: () => undefined, scan: () => ({ entries: [], next: null }) };
}

function participant(data: Record<string, string> = {}, options = {}) {
  const store = new Map<string, Bytes>(Object.entries(data).map(([key, value]) => [keyString(b(key)), b(value)]));
  const machine = new ParticipantMachine({ nodeId: "n1", inquireTicks: 10, ...options }, { ...dataView((key) => store.get(keyString(key))), count: () => store.size });
  machine.step({ kind: "recovered", prepared: [] });
  return machine;
}

const sends = (effects: ParticipantEffect[]) => effects.flatMap((e) => (e.kind === "send" ? [e.message] : []));
const persists = (effects: ParticipantEffect[]) => effects.flatMap((e) => (e.kind === "persist" ? [e] : []));
const prepare = (txid: string, writes: TxnWrite[], wantValues = false) => ({ kind: "message" as const, message: { type: "prepare" as const, txid, writes, wantValues } });

test("events before recovered are bugs", () => {
  const machine = new ParticipantMachine({}, dataView(() => undefined));
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
  const machine = new ParticipantMachine({ nodeId: "n1" }, dataView(() => (calls.push("get"), value), 1, () => (calls.push("peek"), value)));
  machine.step({ kind: "recovered", prepared: [] });
  const [persist] = persists(machine.step(prepare("1.1", [{ key: b("a"), value: b("x") }])));
  const [vote] = sends(machine.step({ kind: "persisted", token: persist!.token }));
  assert.deepEqual(vote, { type: "vote", txid: "1.1", yes: true, previous: [{ exists: true }] });
  assert.deepEqual(calls, ["peek"]);
  machine.step({ kind: "message", message: { type: "read", readId: 7, keys: [b("a")] } });
  assert.deepEqual(calls, ["peek", "get"]);
});

test("a prepare for a locked key waits for the holder (asking about it, in doubt) and goes ahead when it ends", () => {
  const machine = participant();
  const [persist] = persists(machine.step(prepare("1.1", [{ key: b("a"), value: b("x") }])));
  machine.step({ kind: "persisted", token: persist!.token });
  const waiting = machine.step(prepare("1.2", [{ key: b("a"), value: b("y") }]));
  assert.deepEqual(sends(waiting), [{ type: "inquire", txid: "1.1" }], "no vote yet: it waits");
  assert.deepEqual(persists(waiting), []);
  assert.deepEqual(machine.step(prepare("1.2", [{ key: b("a"), value: b("y") }])), [], "a resend of a waiting prepare changes nothing");
  const [aborted] = persists(machine.step({ kind: "message", message: { type: "abort", txid: "1.1" } }));
  const freed = machine.step({ kind: "persisted", token: aborted!.token });
  assert.deepEqual(sends(freed), [{ type: "ack", txid: "1.1" }]);
  assert.deepEqual(persists(freed).map((p) => p.records[0]), [{ type: "prepared", txid: "1.2", writes: [{ key: b("a"), value: b("y") }] }]);
});

test("a prepare that waits longer than prepareWaitTicks votes no, naming the transaction that holds the key", () => {
  const machine = participant({}, { prepareWaitTicks: 5 });
  const [persist] = persists(machine.step(prepare("1.1", [{ key: b("a"), value: b("x") }])));
  machine.step({ kind: "persisted", token: persist!.token });
  machine.step(prepare("1.2", [{ key: b("a"), value: b("y") }]));
  assert.deepEqual(sends(machine.step({ kind: "tick", tick: 4 })), []);
  const [vote] = sends(machine.step({ kind: "tick", tick: 5 }));
  assert.ok(vote?.type === "vote" && !vote.yes && /locked by transaction 1\.1, still in doubt here after waiting 50 ms/.test(vote.reason), JSON.stringify(vote));
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
  const machine = new ParticipantMachine({}, dataView(() => undefined));
  machine.step({ kind: "recovered", prepared: [{ txid: "1.1", writes: [{ key: b("a"), value: b("x") }] }] });
  assert.equal(machine.preparedCount, 1);
  assert.deepEqual(sends(machine.step({ kind: "connected" })), [{ type: "inquire", txid: "1.1" }]);
  const waiting = sends(machine.step(prepare("2.1", [{ key: b("a"), value: b("y") }])));
  assert.deepEqual(waiting, [{ type: "inquire", txid: "1.1" }], "a prepare on its key waits for it");
  const revote = sends(machine.step(prepare("1.1", [{ key: b("a"), value: b("x") }])));
  assert.deepEqual(revote, [{ type: "vote", txid: "1.1", yes: true, previous: [{ exists: false }] }], "a re-sent prepare gets its vote");
  assert.throws(
    () => new ParticipantMachine({}, dataView(() => undefined)).step({ kind: "recovered", prepared: [
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

test("a countPartitions message counts one chunk of the keys of its partitions: tombstones are left out, a damaged record counts", () => {
  const entries: VersionedEntry[] = [
    { key: b("a"), version: "1.1", value: b("1") }, { key: b("b"), version: "1.2", value: null },
    { key: b("c"), version: "1.3", value: b("3") }, { key: b("d"), version: "1.4", value: null, damaged: true },
  ];
  const scans: Array<Bytes | null> = [];
  const machine = new ParticipantMachine({}, {
    ...dataView(() => undefined),
    scan: (after, wanted) => {
      scans.push(after);
      return { entries: entries.filter((entry) => wanted(entry.key)), next: b("d") };
    },
  });
  machine.step({ kind: "recovered", prepared: [] });
  const count = (partitions: number[]) => sends(machine.step({ kind: "message", message: { type: "countPartitions", countId: 4, partitions, partitionCount: 8, after: b("0") } }));
  assert.deepEqual(count([0, 1, 2, 3, 4, 5, 6, 7]), [{ type: "partitionsCounted", countId: 4, keys: 3, next: b("d") }]);
  const ofC = partitionOf(b("c"), 8);
  assert.ok(ofC !== partitionOf(b("a"), 8) && ofC !== partitionOf(b("d"), 8));
  assert.deepEqual(count([ofC]), [{ type: "partitionsCounted", countId: 4, keys: 1, next: b("d") }], "only c is in its partition");
  assert.deepEqual(scans, [b("0"), b("0")], "each chunk is scanned from where the coordinator says");
});

test("writes replace only older versions: a commit over a newer caught-up entry leaves the newer one", () => {
  const versions = new Map<string, string>();
  const view: DataView = { ...dataView(() => undefined), version: (key) => versions.get(keyString(key)) };
  const machine = new ParticipantMachine({ nodeId: "n1" }, view);
  machine.step({ kind: "recovered", prepared: [] });
  const [prepared] = persists(machine.step(prepare("1.5", [{ key: b("a"), value: b("old") }, { key: b("z"), value: b("z") }])));
  machine.step({ kind: "persisted", token: prepared!.token });
  // A catch-up entry of a later transaction arrives first (the node was out of sync).
  const [entries] = persists(machine.step({ kind: "message", message: { type: "catchUp", catchUpId: 7, entries: [{ key: b("a"), version: "1.9", value: b("new") }] } }));
  assert.deepEqual(entries!.records, [{ type: "entries", entries: [{ key: b("a"), version: "1.9", value: b("new") }] }]);
  const [committed] = persists(machine.step({ kind: "message", message: { type: "commit", txid: "1.5" } }));
  assert.deepEqual(committed!.records, [{ type: "committed", txid: "1.5", writes: [{ key: b("z"), value: b("z") }] }], "a stays at 1.9");
  assert.deepEqual(sends(machine.step({ kind: "persisted", token: entries!.token })), [{ type: "caughtUp", catchUpId: 7 }]);
});

test("a learner's apply is acknowledged only once durable; a resend meanwhile waits for it", () => {
  const machine = participant();
  const apply = { kind: "message" as const, message: { type: "apply" as const, txid: "3.1", writes: [{ key: b("k"), value: null }] } };
  const [written] = persists(machine.step(apply));
  assert.deepEqual(written!.records, [{ type: "entries", entries: [{ key: b("k"), version: "3.1", value: null }] }], "a deletion is a tombstone");
  assert.deepEqual(machine.step(apply), []);
  assert.deepEqual(sends(machine.step({ kind: "persisted", token: written!.token })), [{ type: "applied", txid: "3.1" }]);
});
