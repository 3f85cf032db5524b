import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { decodeEntry, encodeEntry, EntryFormatError, isExpired, type Entry } from "./entry.js";
import { keyString } from "../cluster/key-string.js";

const bytes = fc.uint8Array({ maxLength: 300 });
const deadline = fc.option(fc.integer({ min: -(2 ** 53), max: 2 ** 53 }), { nil: undefined });
const entry: fc.Arbitrary<Entry> = fc.oneof(
  fc.record({ kind: fc.constant("string" as const), value: bytes, expiresAtMs: deadline }),
  fc.record({ kind: fc.constant("hash" as const), pairs: fc.array(fc.tuple(bytes, bytes), { maxLength: 20 }), expiresAtMs: deadline })
    .map(({ pairs, expiresAtMs }) => ({ kind: "hash" as const, fields: new Map(pairs.map(([name, value]) => [keyString(name), [name, value] as [Uint8Array, Uint8Array]])), expiresAtMs })),
).map(({ expiresAtMs, ...rest }) => (expiresAtMs === undefined ? { ...rest } : { ...rest, expiresAtMs }) as Entry);

test("every entry decodes to itself", () => {
  fc.assert(fc.property(entry, (original) => {
    assert.deepEqual(decodeEntry(encodeEntry(original)), original);
  }));
});

test("the encoding: a tag byte, the deadline when there is one, then the value", () => {
  assert.deepEqual([...encodeEntry({ kind: "string", value: Uint8Array.of(7) })], [0x01, 7]);
  assert.deepEqual([...encodeEntry({ kind: "string", value: Uint8Array.of(7), expiresAtMs: 258 })], [0x81, 0, 0, 0, 0, 0, 0, 1, 2, 7]);
  const hash = encodeEntry({ kind: "hash", fields: new Map([["a", [Uint8Array.of(0x61), Uint8Array.of(1, 2)]]]) });
  assert.deepEqual([...hash], [0x02, 1, 1, 0x61, 2, 1, 2]);
});

test("bytes encodeEntry cannot have made are refused with what is wrong", () => {
  const cases: Array<[number[], RegExp]> = [
    [[], /no bytes/],
    [[0x07], /unknown entry type tag 0x07/],
    [[0x81, 0, 0], /deadline is cut short/],
    [[0x02, 1, 5, 0x61], /ends inside a field/],
    [[0x02, 0, 9], /1 bytes after its last field/],
    [[0x02, 0x80], /ends inside a length/],
  ];
  for (const [input, message] of cases) {
    assert.throws(() => decodeEntry(Uint8Array.from(input)), (error: unknown) => error instanceof EntryFormatError && message.test(error.message));
  }
});

test("an entry is expired from its deadline on", () => {
  const value = { kind: "string" as const, value: new Uint8Array(), expiresAtMs: 100 };
  assert.equal(isExpired(value, 99), false);
  assert.equal(isExpired(value, 100), true);
  assert.equal(isExpired({ kind: "string", value: new Uint8Array() }, 1e15), false);
});
