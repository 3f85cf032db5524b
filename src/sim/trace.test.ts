import { test } from "node:test";
import assert from "node:assert/strict";
import { Trace, bytesToText, formatValue, textToBytes } from "./trace.js";

test("the same lines give the same fingerprint; any change in text, time or order changes it", () => {
  const run = (lines: Array<[number, string]>): string => {
    const trace = new Trace(0);
    for (const [atUs, text] of lines) trace.record(atUs, text);
    return trace.hex();
  };
  const base: Array<[number, string]> = [[1, "a"], [2, "b"], [3, "c"]];
  assert.equal(run(base), run(base));
  assert.match(run(base), /^[0-9a-f]{16}$/);
  assert.notEqual(run(base), run([[1, "a"], [2, "b"], [3, "d"]]));
  assert.notEqual(run(base), run([[1, "a"], [2, "b"], [4, "c"]]));
  assert.notEqual(run(base), run([[1, "a"], [3, "c"], [2, "b"]]));
  assert.notEqual(run(base), run([[1, "a"], [2, "b"], [3, "c"], [3, "c"]]));
});

test("values are part of the fingerprint: a change deep inside one changes it", () => {
  const run = (value: unknown): string => {
    const trace = new Trace(0);
    trace.record(5, "n1 <- ", value);
    return trace.hex();
  };
  const event = { kind: "message", message: { type: "prepare", writes: [{ key: textToBytes("k"), value: null }] } };
  assert.equal(run(event), run(structuredClone(event)));
  assert.notEqual(run(event), run({ kind: "message", message: { type: "prepare", writes: [{ key: textToBytes("j"), value: null }] } }));
  assert.notEqual(run(event), run({ kind: "message", message: { type: "prepare", writes: [{ key: textToBytes("k"), value: textToBytes("") }] } }));
  assert.notEqual(run({ a: "1", b: "2" }), run({ a: "12", b: "" })); // lengths keep parts apart
  assert.notEqual(run([1, 2]), run([12]));
  assert.notEqual(run({ big: "x".repeat(5000) }), run({ big: "x".repeat(5001) })); // larger than the initial buffer
});

test("the kept lines are the last ones, oldest first, and keeping does not change the hash", () => {
  const kept = new Trace(3);
  const unkept = new Trace(0);
  for (let i = 0; i < 7; i += 1) {
    kept.record(i, `line ${i} `, { n: i });
    unkept.record(i, `line ${i} `, { n: i });
  }
  assert.deepEqual(kept.keptLines().map((line) => line.text), ["line 4 {n:4}", "line 5 {n:5}", "line 6 {n:6}"]);
  assert.deepEqual(unkept.keptLines(), []);
  assert.equal(kept.hex(), unkept.hex());
  assert.equal(kept.count, 7);
});

test("formatValue renders bytes as text, keeps field order and drops undefined fields", () => {
  const key = textToBytes("k1");
  assert.equal(formatValue({ kind: "set", key, value: null, extra: undefined, n: 3, ok: true }),
    '{kind:"set",key:"k1",value:null,n:3,ok:true}');
  assert.equal(formatValue([textToBytes("a"), "b"]), '["a","b"]');
  assert.equal(formatValue(Buffer.from("buf")), '"buf"');
});

test("bytes and text convert losslessly for every byte value", () => {
  const all = new Uint8Array(256).map((_, index) => index);
  assert.deepEqual(textToBytes(bytesToText(all)), all);
});
