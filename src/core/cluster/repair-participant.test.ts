// A storage node's side of repair, and its reads and votes, over a store with a record that fails
// its checksum: the data view's get() gives DAMAGED for it and its scan marks it damaged (as
// src/runtime/records.ts does).

import assert from "node:assert/strict";
import { test } from "node:test";
import { keyString } from "./key-string.js";
import { ParticipantMachine } from "./participant.js";
import { DAMAGED, type Bytes, type DataView, type ParticipantEffect, type VersionedEntry } from "./types.js";

const bytes = (text: string): Bytes => new TextEncoder().encode(text);

/** A store holding `good` at 1.1 and `bad` at 1.2, whose value's record fails its checksum until it is rewritten. */
function damagedStore(): { data: DataView; damaged: Set<string>; values: Map<string, Bytes> } {
  const values = new Map([["good", bytes("g")], ["bad", bytes("b")]]);
  const versions = new Map([["good", "1.1"], ["bad", "1.2"]]);
  const damaged = new Set(["bad"]);
  const data: DataView = {
    get: (key) => {
      if (damaged.has(keyString(key))) return DAMAGED;
      return values.get(keyString(key));
    },
    count: () => values.size,
    version: (key) => versions.get(keyString(key)),
    scan: () => ({
      entries: [...versions].sort().map(([name, version]): VersionedEntry => (damaged.has(name)
        ? { key: bytes(name), version, value: null, damaged: true }
        : { key: bytes(name), version, value: values.get(name) ?? null })),
      next: null,
    }),
  };
  return { data, damaged, values };
}

function machineOver(data: DataView): ParticipantMachine {
  const machine = new ParticipantMachine({ nodeId: "n1" }, data);
  machine.step({ kind: "recovered", prepared: [] });
  return machine;
}

const sent = (effects: ParticipantEffect[]) => effects.flatMap((effect) => (effect.kind === "send" ? [effect.message] : []));

test("a damaged record is listed as damaged, never read for a fetch, and a fix that expects it damaged replaces it", () => {
  const store = damagedStore();
  const machine = machineOver(store.data);
  const [summary] = sent(machine.step({ kind: "message", message: { type: "summarize", summaryId: 1, ranges: [], partitionCount: 1, after: null, bytesMax: 1024 } }));
  assert.equal(summary?.type, "summaryChunk");
  // No range asked for: nothing listed. Ask for every range of the one partition instead.
  const ranges = Array.from({ length: 16 }, (_, range) => range);
  const [listed] = sent(machine.step({ kind: "message", message: { type: "summarize", summaryId: 2, ranges, partitionCount: 1, after: null, bytesMax: 1024 } }));
  assert.ok(listed?.type === "summaryChunk");
  assert.deepEqual(listed.keys.map((key) => [new TextDecoder().decode(key.key), key.damaged === true]), [["bad", true], ["good", false]]);

  const [fetched] = sent(machine.step({ kind: "message", message: { type: "fetch", fetchId: 3, keys: [bytes("bad"), bytes("good")] } }));
  assert.ok(fetched?.type === "fetched");
  assert.deepEqual(fetched.entries.map((entry) => new TextDecoder().decode(entry.key)), ["good"], "a damaged value is never sent");
  assert.equal(fetched.looked, 2);

  const entry = { key: bytes("bad"), version: "1.2", value: bytes("b") };
  const notDamaged = machine.step({ kind: "message", message: { type: "fix", fixId: 4, fixes: [{ entry, expectVersion: "1.2", expectHash: 7 }] } });
  const persist = notDamaged.find((effect) => effect.kind === "persist");
  assert.ok(persist?.kind === "persist");
  assert.deepEqual(persist.records, [{ type: "entries", entries: [] }], "it was listed damaged: a fix expecting a readable value is not taken");
  assert.deepEqual(sent(machine.step({ kind: "persisted", token: persist.token })), [{ type: "fixed", fixId: 4, fixed: 0 }]);

  const fix = machine.step({ kind: "message", message: { type: "fix", fixId: 5, fixes: [{ entry, expectVersion: "1.2", expectHash: null, expectDamaged: true }] } });
  const taken = fix.find((effect) => effect.kind === "persist");
  assert.ok(taken?.kind === "persist");
  assert.deepEqual(taken.records, [{ type: "entries", entries: [entry] }]);
  assert.deepEqual(sent(machine.step({ kind: "persisted", token: taken.token })), [{ type: "fixed", fixId: 5, fixed: 1 }]);
});

test("a damaged record is neither sent to a learner nor collected as a tombstone", () => {
  const machine = machineOver(damagedStore().data);
  const [chunk] = sent(machine.step({ kind: "message", message: { type: "scan", scanId: 1, partitions: [0], partitionCount: 1, after: null, bytesMax: 1024 } }));
  assert.ok(chunk?.type === "scanChunk");
  assert.deepEqual(chunk.entries.map((entry) => new TextDecoder().decode(entry.key)), ["good"]);
  const collect = machine.step({ kind: "message", message: { type: "collect", collectId: 2, partitions: [0], partitionCount: 1, before: "9.9", after: null } });
  const persist = collect.find((effect) => effect.kind === "persist");
  assert.ok(persist?.kind === "persist");
  assert.deepEqual(persist.records, [{ type: "tombstonesCollected", keys: [] }]);
});

test("a read of a damaged record is answered 'damaged here' (its position, and no value), the others as they are", () => {
  const machine = machineOver(damagedStore().data);
  const [reply] = sent(machine.step({ kind: "message", message: { type: "read", readId: 7, keys: [bytes("good"), bytes("bad"), bytes("none")] } }));
  assert.deepEqual(reply, { type: "readReply", readId: 7, values: [bytes("g"), null, null], damaged: [1] });
  const [clean] = sent(machine.step({ kind: "message", message: { type: "read", readId: 8, keys: [bytes("good")] } }));
  assert.deepEqual(clean, { type: "readReply", readId: 8, values: [bytes("g")] }, "no damaged field when nothing is damaged");
});

test("a write over a damaged record votes that the key exists; one that needs its old value is refused, naming the key", () => {
  const machine = machineOver(damagedStore().data);
  const prepare = (txid: string, wantValues: boolean) => {
    const effects = machine.step({ kind: "message", message: { type: "prepare", txid, writes: [{ key: bytes("bad"), value: bytes("new") }], wantValues } });
    const persist = effects.find((effect) => effect.kind === "persist");
    assert.ok(persist?.kind === "persist");
    return sent(machine.step({ kind: "persisted", token: persist.token }));
  };
  assert.deepEqual(prepare("1.5", false), [{ type: "vote", txid: "1.5", yes: true, previous: [{ exists: true }] }]);
  const aborted = machine.step({ kind: "message", message: { type: "abort", txid: "1.5" } }).find((effect) => effect.kind === "persist");
  assert.ok(aborted?.kind === "persist");
  machine.step({ kind: "persisted", token: aborted.token });
  const [refused] = prepare("1.6", true);
  assert.ok(refused?.type === "vote" && refused.yes === false);
  assert.match(refused.reason, /key "?bad"? is damaged on node n1/);
});
