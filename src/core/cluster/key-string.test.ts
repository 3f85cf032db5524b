import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { describeKey, keyString } from "./key-string.js";

test("keyString is equal exactly for equal bytes", () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 9000 }), fc.uint8Array({ maxLength: 9000 }), (a, b) => {
    const sameBytes = a.length === b.length && a.every((byte, index) => byte === b[index]);
    assert.equal(keyString(a) === keyString(b), sameBytes);
  }));
});

test("keyString maps the 256 byte values to 256 distinct single code units", () => {
  const units = new Set<string>();
  for (let byte = 0; byte < 256; byte += 1) {
    const text = keyString(Uint8Array.of(byte));
    assert.equal(text.length, 1);
    units.add(text);
  }
  assert.equal(units.size, 256);
  assert.equal(keyString(new Uint8Array(10_000)).length, 10_000);
});

test("describeKey quotes, escapes and cuts short", () => {
  const cases: Array<[Uint8Array, string]> = [
    [new TextEncoder().encode("user:1"), '"user:1"'],
    [Uint8Array.of(0x61, 0x00, 0x22, 0x5c, 0xff), '"a\\x00\\"\\\\\\xff"'],
    [new Uint8Array(0), '""'],
    [new Uint8Array(100).fill(0x41), `"${"A".repeat(64)}"... (100 bytes)`],
  ];
  for (const [key, expected] of cases) assert.equal(describeKey(key), expected);
});
