import { test } from "node:test";
import assert from "node:assert/strict";
import { deepCopy } from "./copy.js";

test("deepCopy copies objects, arrays and bytes all the way down", () => {
  const original = { type: "prepare", writes: [{ key: new Uint8Array([1, 2]), value: null }], n: 3, flag: true, text: "x" };
  const copy = deepCopy(original);
  assert.deepEqual(copy, original);
  original.writes[0]!.key[0] = 9;
  original.writes.push({ key: new Uint8Array([5]), value: null });
  assert.deepEqual(copy.writes, [{ key: new Uint8Array([1, 2]), value: null }]);
});

test("a Buffer is copied to exactly its own bytes", () => {
  const copy = deepCopy(Buffer.from("abc"));
  assert.deepEqual([...copy], [97, 98, 99]);
  assert.equal(copy.buffer.byteLength, 3); // not the whole shared pool behind small Buffers
});
