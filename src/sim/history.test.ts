import { test } from "node:test";
import assert from "node:assert/strict";
import { HistoryRecorder, describeEntry, historyFromJsonl, historyToJsonl, type HistoryEntry } from "./history.js";

const sample: HistoryEntry[] = [
  { client: "c1", invoke: 10, complete: 20, op: { f: "set", key: "k", value: "v1", condition: "NX", get: true }, result: { type: "set", written: true, previous: null } },
  { client: "c2", invoke: 11, complete: null, op: { f: "mset", pairs: [["a", "t"], ["b", "t"]] }, result: { type: "unknown", error: "TIMEOUT" } },
  { client: "c3", invoke: 12, complete: 30, op: { f: "get", keys: ["a", "b"] }, result: { type: "values", values: ["t", null] } },
  { client: "c4", invoke: 13, complete: 14, op: { f: "del", keys: ["k"] }, result: { type: "count", count: 1 } },
  { client: "c5", invoke: 15, complete: 16, op: { f: "exists", keys: ["k"] }, result: { type: "error", error: "TRYAGAIN node down" } },
  { client: "c6", invoke: 17, complete: 18, op: { f: "mset", pairs: [["a", "u"], ["b", "u"]] }, result: { type: "ok" } },
];

test("JSONL round trip: one op per line, read back equal", () => {
  const text = historyToJsonl(sample);
  assert.equal(text.split("\n").length, sample.length + 1);
  assert.deepEqual(historyFromJsonl(text), sample);
  assert.deepEqual(historyFromJsonl(`\n${text}\n\n`), sample); // blank lines are skipped
  assert.equal(historyToJsonl([]), "");
});

const malformed: Array<[string, string, RegExp]> = [
  ["not JSON", "{", /not JSON/],
  ["no client", '{"invoke":1,"complete":2,"op":{"f":"get","keys":["a"]},"result":{"type":"values","values":[null]}}', /"client" must be a string/],
  ["complete before invoke", '{"client":"c","invoke":5,"complete":2,"op":{"f":"get","keys":["a"]},"result":{"type":"values","values":[null]}}', /before "invoke"/],
  ["unknown op", '{"client":"c","invoke":1,"complete":2,"op":{"f":"decr","keys":["a"]},"result":{"type":"ok"}}', /op.f must be/],
  ["bad condition", '{"client":"c","invoke":1,"complete":2,"op":{"f":"set","key":"a","value":"v","condition":"YY"},"result":{"type":"set","written":true}}', /condition must be "NX" or "XX"/],
  ["result of the wrong shape", '{"client":"c","invoke":1,"complete":2,"op":{"f":"set","key":"a","value":"v"},"result":{"type":"count","count":1}}', /a set op needs a "set" result/],
  ["too few values", '{"client":"c","invoke":1,"complete":2,"op":{"f":"get","keys":["a","b"]},"result":{"type":"values","values":[null]}}', /get of 2 keys returned 1 values/],
  ["empty keys", '{"client":"c","invoke":1,"complete":2,"op":{"f":"del","keys":[]},"result":{"type":"count","count":0}}', /non-empty array/],
];

for (const [name, line, expected] of malformed) {
  test(`a malformed history is refused, naming the line: ${name}`, () => {
    assert.throws(() => historyFromJsonl(`${historyToJsonl(sample.slice(0, 1))}${line}\n`), (error: Error) => {
      assert.match(error.message, /^history line 2: /);
      assert.match(error.message, expected);
      return true;
    });
  });
}

test("the recorder completes entries in place; an unknown outcome has no completion time", () => {
  const recorder = new HistoryRecorder(2);
  const write = recorder.invoke("c1", 5, { f: "set", key: "k", value: "v" });
  const read = recorder.invoke("c2", 6, { f: "get", keys: ["k"] });
  recorder.complete(write, 9, { type: "unknown", error: "no answer" });
  recorder.complete(read, 8, { type: "values", values: ["v"] });
  assert.equal(write.complete, null);
  assert.equal(read.complete, 8);
  assert.deepEqual(recorder.entries, [write, read]);
  assert.throws(() => recorder.invoke("c3", 10, { f: "get", keys: ["k"] }), /more than 2 requests/);
});

test("entries read well", () => {
  assert.equal(describeEntry(sample[0]!), 'c1 [10..20] set k "v1" NX GET -> written previous=null');
  assert.equal(describeEntry(sample[1]!), 'c2 [11..?] mset a "t" b "t" -> unknown TIMEOUT');
});
