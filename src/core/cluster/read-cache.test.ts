import { test } from "node:test";
import assert from "node:assert/strict";
import { ReadCache } from "./read-cache.js";

const bytes = (text: string) => new TextEncoder().encode(text);
const small = { sets: 1, ways: 2, bytesMax: 64 * 1024 };

test("a key is unknown, then holds a value, an empty value, or its absence — each distinct", () => {
  const cache = new ReadCache(small);
  assert.equal(cache.get(bytes("k")), undefined);
  cache.set(bytes("k"), bytes("v"));
  assert.deepEqual(cache.get(bytes("k")), bytes("v"));
  cache.set(bytes("k"), bytes(""));
  assert.deepEqual(cache.get(bytes("k")), bytes(""), "an empty value is a value, not absence");
  cache.set(bytes("k"), null);
  assert.equal(cache.get(bytes("k")), null);
  cache.set(bytes("k"), bytes("w"));
  assert.deepEqual(cache.get(bytes("k")), bytes("w"));
  cache.invalidate(bytes("k"));
  assert.equal(cache.get(bytes("k")), undefined, "invalidated: unknown again");
});

test("values are copied in; absences and values share one bound", () => {
  const cache = new ReadCache(small);
  const value = bytes("abc");
  cache.set(bytes("a"), value);
  value[0] = 0x7a;
  assert.deepEqual(cache.get(bytes("a")), bytes("abc"));
  cache.set(bytes("b"), null);
  cache.set(bytes("c"), null); // two ways: "a", the least recent, is evicted
  assert.equal(cache.get(bytes("a")), undefined);
  assert.equal(cache.get(bytes("b")), null);
  assert.equal(cache.stats().entries, 2);
});
