import { test } from "node:test";
import assert from "node:assert/strict";
import { murmur3, murmur3String } from "./hash.js";

// Reference values of MurmurHash3_x86_32 published with the algorithm's test vectors.
const vectors: Array<[string, number, number]> = [
  ["", 0, 0x00000000],
  ["", 1, 0x514e28b7],
  ["", 0xffffffff, 0x81f16f39],
  ["a", 0x9747b28c, 0x7fa09ea6],
  ["aaaa", 0x9747b28c, 0x5a97808a],
  ["abc", 0, 0xb3dd93fa],
  ["Hello, world!", 0x9747b28c, 0x24884cba],
  ["The quick brown fox jumps over the lazy dog", 0x9747b28c, 0x2fa826cd],
];

test("murmur3 matches the published test vectors", () => {
  for (const [text, seed, expected] of vectors) {
    assert.equal(murmur3String(text, seed), expected, `murmur3(${JSON.stringify(text)}, ${seed})`);
  }
});

test("murmur3 hashes bytes, not characters", () => {
  assert.equal(murmur3(new Uint8Array([0x61, 0x62, 0x63])), murmur3String("abc"));
  assert.notEqual(murmur3(new Uint8Array([0xff])), murmur3(new Uint8Array([0xfe])));
});
