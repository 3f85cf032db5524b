import assert from "node:assert/strict";
import { test } from "node:test";
import { decideOutcome, planWrite, type SimpleWriteOp } from "./coordinator-txn.js";
import { compareTxids } from "./txid.js";

const b = (text: string) => new TextEncoder().encode(text);
const t = (value: Uint8Array | null | undefined) => (value === null || value === undefined ? value : new TextDecoder().decode(value));

test("MSET naming a key twice writes the last value once; DEL naming it twice deletes once", () => {
  const mset = planWrite({ kind: "mset", pairs: [[b("a"), b("1")], [b("b"), b("2")], [b("a"), b("3")]] });
  assert.deepEqual(mset.writes.map((write) => [t(write.key), t(write.value)]), [["a", "3"], ["b", "2"]]);
  const del = planWrite({ kind: "del", keys: [b("x"), b("x"), b("y")] });
  assert.deepEqual(del.writes.map((write) => [t(write.key), write.value]), [["x", null], ["y", null]]);
  assert.equal(planWrite({ kind: "set", key: b("k"), value: b("v"), returnPrevious: true }).wantValues, true);
  assert.equal(del.wantValues, false);
});

test("decideOutcome: conditions, GET and DEL counts", () => {
  const absent = { exists: false };
  const present = { exists: true, value: b("old") };
  const set = (extra: Partial<Extract<SimpleWriteOp, { kind: "set" }>>): SimpleWriteOp => ({ kind: "set", key: b("k"), value: b("v"), ...extra });
  const cases: Array<[string, SimpleWriteOp, Array<{ exists: boolean; value?: Uint8Array }>, boolean, unknown]> = [
    ["plain set", set({}), [present], true, { kind: "set", written: true }],
    ["NX on absent", set({ condition: "NX" }), [absent], true, { kind: "set", written: true }],
    ["NX on present", set({ condition: "NX" }), [present], false, { kind: "set", written: false }],
    ["XX on absent", set({ condition: "XX" }), [absent], false, { kind: "set", written: false }],
    ["XX on present", set({ condition: "XX" }), [present], true, { kind: "set", written: true }],
    ["GET on present", set({ returnPrevious: true }), [present], true, { kind: "set", written: true, previous: b("old") }],
    ["GET on absent", set({ returnPrevious: true }), [absent], true, { kind: "set", written: true, previous: null }],
    ["NX GET on present", set({ condition: "NX", returnPrevious: true }), [present], false, { kind: "set", written: false, previous: b("old") }],
    ["DEL some", { kind: "del", keys: [b("a"), b("b")] }, [present, absent], true, { kind: "count", count: 1 }],
    ["DEL none", { kind: "del", keys: [b("a")] }, [absent], false, { kind: "count", count: 0 }],
    ["MSET", { kind: "mset", pairs: [[b("a"), b("1")]] }, [absent], true, { kind: "ok" }],
  ];
  for (const [name, op, previous, commit, result] of cases) {
    assert.deepEqual(decideOutcome(op, previous), { commit, result }, name);
  }
});

test("txids order by epoch, then by sequence number, numerically", () => {
  const sorted = ["2.1", "1.10", "1.9", "10.0"].sort(compareTxids);
  assert.deepEqual(sorted, ["1.9", "1.10", "2.1", "10.0"]);
  assert.throws(() => compareTxids("x", "1.1"), /epoch\.seq/);
});
