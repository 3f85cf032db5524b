import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { murmur3 } from "./hash.js";
import { KV_CACHE_ENTRY_OVERHEAD_BYTES as OVERHEAD, KVCache, setsToFillBytes, type KVCacheOptions } from "./kv-cache.js";
import { KVCacheModel, setBytes } from "../../test/support/kv-cache-model.js";

const text = (value: string): Buffer => Buffer.from(value, "latin1");
const asText = (bytes: Uint8Array | undefined): string | undefined =>
  bytes === undefined ? undefined : Buffer.from(bytes).toString("latin1");

/** Keys of one set, least recently used first, as text. */
function keysOfSet(cache: KVCache, setIndex = 0): string[] {
  return cache.entriesOfSet(setIndex).map((entry) => asText(entry.key)!);
}

// Three keys whose murmur3 hashes are all equal, found by a search over six-byte keys: they share
// one hash chain (and so one set), which exercises the collision path.
const COLLIDING = ["crznka", "cg261a", "cl15vc"];

// ---- Scenarios in one set, step by step --------------------------------------------------------

type Step =
  | ["set", string, string]
  | ["get", string, string | undefined]
  | ["delete", string, boolean]
  | ["clear"];

interface Scenario {
  name: string;
  /** One set; ways and bytes as given (bytes default to room for many entries). */
  ways: number;
  setBytesMax?: number;
  steps: Step[];
  /** The set's keys afterwards, least recently used first. */
  keys: string[];
  stats: { hits?: number; misses?: number; evictions?: number; entries?: number; bytes?: number };
}

/** Bytes of an entry with a one-byte key and a value of `valueBytes`. */
const entry1 = (valueBytes: number): number => 1 + valueBytes + OVERHEAD;

const scenarios: Scenario[] = [
  {
    name: "the least recently set entry is evicted first",
    ways: 3,
    steps: [["set", "a", "1"], ["set", "b", "2"], ["set", "c", "3"], ["set", "d", "4"], ["get", "a", undefined]],
    keys: ["b", "c", "d"],
    stats: { evictions: 1, entries: 3, misses: 1 },
  },
  {
    name: "a hit makes the entry most recent, so the next eviction skips it",
    ways: 3,
    steps: [["set", "a", "1"], ["set", "b", "2"], ["set", "c", "3"], ["get", "a", "1"], ["set", "d", "4"]],
    keys: ["c", "a", "d"],
    stats: { evictions: 1, hits: 1, misses: 0 },
  },
  {
    name: "a miss changes no recency",
    ways: 2,
    steps: [["set", "a", "1"], ["set", "b", "2"], ["get", "x", undefined], ["set", "c", "3"]],
    keys: ["b", "c"],
    stats: { evictions: 1, misses: 1 },
  },
  {
    name: "an update replaces the value and makes it most recent, so the next eviction skips it",
    ways: 3,
    steps: [["set", "a", "1"], ["set", "b", "2"], ["set", "c", "3"], ["set", "a", "one"], ["set", "d", "4"], ["get", "a", "one"]],
    keys: ["c", "d", "a"],
    stats: { evictions: 1, entries: 3, bytes: entry1(1) * 2 + entry1(3) },
  },
  {
    name: "an update to a larger value counts the new size, also when the entry goes later",
    ways: 4,
    steps: [["set", "a", "x".repeat(10)], ["set", "a", "x".repeat(100)], ["set", "b", "2"], ["delete", "a", true]],
    keys: ["b"],
    stats: { entries: 1, bytes: entry1(1) },
  },
  {
    name: "an update to a smaller value frees bytes for another entry",
    ways: 4,
    setBytesMax: entry1(100) + entry1(10),
    steps: [["set", "a", "x".repeat(100)], ["set", "a", "x".repeat(10)], ["set", "b", "x".repeat(100)]],
    keys: ["a", "b"],
    stats: { evictions: 0, bytes: entry1(10) + entry1(100) },
  },
  {
    name: "the byte budget evicts even when ways has room",
    ways: 8,
    setBytesMax: entry1(100) * 2,
    steps: [["set", "a", "x".repeat(100)], ["set", "b", "x".repeat(100)], ["set", "c", "x".repeat(1)]],
    keys: ["b", "c"],
    stats: { evictions: 1, bytes: entry1(100) + entry1(1) },
  },
  {
    name: "a large entry evicts as many old ones as it needs",
    ways: 8,
    setBytesMax: entry1(1) * 2 + 50,
    steps: [["set", "a", "x"], ["set", "b", "x"], ["set", "c", "x".repeat(300)]],
    keys: ["c"],
    stats: { evictions: 2, entries: 1, bytes: entry1(300) },
  },
  {
    name: "an entry exactly the set's budget is cached",
    ways: 2,
    setBytesMax: entry1(50),
    steps: [["set", "a", "x".repeat(50)], ["get", "a", "x".repeat(50)]],
    keys: ["a"],
    stats: { entries: 1, hits: 1 },
  },
  {
    name: "an entry larger than the set's budget is not cached, and its older copy is dropped",
    ways: 2,
    setBytesMax: entry1(1) + entry1(5) + 50,
    steps: [["set", "b", "2"], ["set", "a", "small"], ["set", "a", "x".repeat(600)], ["get", "a", undefined]],
    keys: ["b"],
    stats: { entries: 1, evictions: 0, misses: 1, bytes: entry1(1) },
  },
  {
    name: "delete drops the entry and answers whether it was there",
    ways: 3,
    steps: [["set", "a", "1"], ["set", "b", "2"], ["delete", "a", true], ["delete", "a", false], ["get", "a", undefined]],
    keys: ["b"],
    stats: { entries: 1, evictions: 0, bytes: entry1(1) },
  },
  {
    name: "clear drops every entry and keeps the counters",
    ways: 3,
    steps: [["set", "a", "1"], ["get", "a", "1"], ["get", "z", undefined], ["clear"], ["get", "a", undefined], ["set", "b", "2"]],
    keys: ["b"],
    stats: { hits: 1, misses: 2, entries: 1, bytes: entry1(1) },
  },
];

for (const scenario of scenarios) {
  test(`one set: ${scenario.name}`, () => {
    const setBytesMax = scenario.setBytesMax ?? 1024 * 1024;
    const cache = new KVCache({ sets: 1, ways: scenario.ways, bytesMax: setBytesMax });
    for (const [index, step] of scenario.steps.entries()) {
      const where = `step ${index}: ${JSON.stringify(step)}`;
      if (step[0] === "set") cache.set(text(step[1]), text(step[2]));
      else if (step[0] === "get") assert.equal(asText(cache.get(text(step[1]))), step[2], where);
      else if (step[0] === "delete") assert.equal(cache.delete(text(step[1])), step[2], where);
      else cache.clear();
    }
    assert.deepEqual(keysOfSet(cache), scenario.keys);
    const stats = cache.stats();
    for (const [name, expected] of Object.entries(scenario.stats)) {
      assert.equal(stats[name as keyof typeof stats], expected, `stats.${name}`);
    }
  });
}

// ---- Keys are byte strings compared by content -------------------------------------------------

test("two different buffers with the same bytes are the same key, whatever their type or offset", () => {
  const cache = new KVCache({ sets: 4, ways: 4, bytesMax: 4 * 4096 });
  cache.set(Buffer.from("key"), text("v1"));
  const inside = new Uint8Array([9, 9, 0x6b, 0x65, 0x79, 9]).subarray(2, 5); // "key" at offset 2
  assert.equal(asText(cache.get(inside)), "v1");
  assert.equal(asText(cache.get(new Uint8Array([0x6b, 0x65, 0x79]))), "v1");
  cache.set(inside, text("v2"));
  assert.equal(cache.stats().entries, 1);
  assert.equal(asText(cache.get(Buffer.from("key"))), "v2");
});

test("binary keys: empty, 0x00, 0x00 0x00, 0xff and 0xff 0x00 are five different keys", () => {
  const keys = [[], [0x00], [0x00, 0x00], [0xff], [0xff, 0x00]].map((bytes) => new Uint8Array(bytes));
  const cache = new KVCache({ sets: 2, ways: 8, bytesMax: 2 * 8 * 1024 });
  keys.forEach((key, index) => cache.set(key, new Uint8Array([index, 0x00, 0xff])));
  assert.equal(cache.stats().entries, keys.length);
  keys.forEach((key, index) => assert.deepEqual(cache.get(Uint8Array.from(key)), new Uint8Array([index, 0x00, 0xff])));
  assert.equal(cache.get(new Uint8Array([0x00, 0x00, 0x00])), undefined);
});

test("a key lives in set murmur3(key) % sets", () => {
  const cache = new KVCache({ sets: 7, ways: 16, bytesMax: 7 * 16 * 1024 });
  for (let i = 0; i < 40; i += 1) cache.set(text(`key:${i}`), text("v"));
  for (let i = 0; i < 40; i += 1) {
    const setIndex = murmur3(text(`key:${i}`)) % 7;
    assert.ok(keysOfSet(cache, setIndex).includes(`key:${i}`), `key:${i} in set ${setIndex}`);
  }
});

test("keys with equal hashes are kept apart, and each can be deleted from anywhere in the chain", () => {
  const hashes = new Set(COLLIDING.map((key) => murmur3(text(key))));
  assert.equal(hashes.size, 1, "the test keys must collide");
  for (const deleted of COLLIDING) {
    const cache = new KVCache({ sets: 3, ways: 4, bytesMax: 3 * 4 * 1024 });
    for (const key of COLLIDING) cache.set(text(key), text(`value of ${key}`));
    for (const key of COLLIDING) assert.equal(asText(cache.get(text(key))), `value of ${key}`);
    assert.equal(cache.delete(text(deleted)), true);
    assert.equal(cache.get(text(deleted)), undefined);
    for (const key of COLLIDING.filter((other) => other !== deleted)) {
      assert.equal(asText(cache.get(text(key))), `value of ${key}`, `${key} after deleting ${deleted}`);
    }
    assert.equal(cache.stats().entries, 2);
  }
});

// ---- Who owns the bytes ------------------------------------------------------------------------

test("set copies: changing the caller's key or value buffer afterwards changes nothing cached", () => {
  const cache = new KVCache({ sets: 1, ways: 4, bytesMax: 4096 });
  const key = Buffer.from("key");
  const value = Buffer.from("value");
  cache.set(key, value);
  value.fill(0x21);
  key.fill(0x21);
  assert.equal(asText(cache.get(text("key"))), "value");
  assert.equal(cache.get(text("!!!")), undefined);
});

test("a value returned by get stays intact when the key is updated or evicted", () => {
  const cache = new KVCache({ sets: 1, ways: 1, bytesMax: 4096 });
  cache.set(text("key"), text("first"));
  const first = cache.get(text("key"))!;
  cache.set(text("key"), text("later"));
  cache.set(text("other"), text("evicts key"));
  assert.equal(asText(first), "first");
});

// ---- Options and inspection --------------------------------------------------------------------

const badOptions: Array<[string, KVCacheOptions, RegExp]> = [
  ["sets 0", { sets: 0, ways: 1, bytesMax: 4096 }, /option sets must be a positive integer, got 0/],
  ["sets negative", { sets: -2, ways: 1, bytesMax: 4096 }, /option sets must be a positive integer, got -2/],
  ["sets fractional", { sets: 1.5, ways: 1, bytesMax: 4096 }, /option sets must be a positive integer, got 1.5/],
  ["ways NaN", { sets: 1, ways: NaN, bytesMax: 4096 }, /option ways must be a positive integer, got NaN/],
  ["bytesMax 0", { sets: 1, ways: 1, bytesMax: 0 }, /option bytesMax must be a positive integer, got 0/],
  ["bytesMax infinite", { sets: 1, ways: 1, bytesMax: Infinity }, /option bytesMax must be a positive integer, got Infinity/],
  [
    "bytesMax below one entry's overhead per set",
    { sets: 4, ways: 1, bytesMax: 4 * OVERHEAD - 1 },
    new RegExp(`bytesMax must be at least sets × ${OVERHEAD} .* = ${4 * OVERHEAD}, got ${4 * OVERHEAD - 1}`),
  ],
  [
    "room for more entries than a Map holds",
    { sets: 2 ** 10, ways: 2 ** 15, bytesMax: 2 ** 40 },
    /could hold 33554432 entries .* more than a JavaScript Map's limit of 16777216/,
  ],
];

for (const [name, options, message] of badOptions) {
  test(`constructor rejects ${name}`, () => {
    assert.throws(() => new KVCache(options), (error: unknown) => error instanceof RangeError && message.test(error.message));
  });
}

test("many ways are accepted when the bytes bound the entries below a Map's limit", () => {
  const cache = new KVCache({ sets: 2 ** 10, ways: 2 ** 15, bytesMax: 2 ** 30 });
  assert.equal(cache.stats().ways, 2 ** 15);
});

test("stats report the configuration and start at zero", () => {
  const cache = new KVCache({ sets: 3, ways: 5, bytesMax: 3 * OVERHEAD + 2 });
  assert.deepEqual(cache.stats(), { hits: 0, misses: 0, evictions: 0, entries: 0, bytes: 0, sets: 3, ways: 5, bytesMax: 3 * OVERHEAD + 2 });
  assert.equal(cache.setBytesMax, OVERHEAD);
});

test("entriesOfSet rejects an index that is not a set", () => {
  const cache = new KVCache({ sets: 2, ways: 1, bytesMax: 2 * OVERHEAD });
  for (const index of [-1, 2, 0.5]) {
    assert.throws(() => cache.entriesOfSet(index), /set index must be an integer in \[0, 2\)/);
  }
});

// ---- Property: the cache behaves exactly like the obvious model ---------------------------------

// Few keys, so that operations meet: binary bytes, an empty key, two keys that differ only in
// length, and colliding keys.
const KEY_POOL: Uint8Array[] = [
  [],
  [0x00],
  [0x00, 0x00],
  [0xff],
  [0xff, 0x00],
  ...["a", "b", "c", "dd", "key", ...COLLIDING].map((key) => [...text(key)]),
].map((bytes) => new Uint8Array(bytes));

type KeyForm = "buffer" | "uint8array" | "view";

/** A fresh object holding `bytes`, in one of the forms a caller may pass. */
function freshKey(bytes: Uint8Array, form: KeyForm): Uint8Array {
  if (form === "buffer") return Buffer.from(bytes);
  if (form === "uint8array") return Uint8Array.from(bytes);
  const wrapper = new Uint8Array(bytes.length + 4).fill(0xee);
  wrapper.set(bytes, 2);
  return wrapper.subarray(2, 2 + bytes.length);
}

type Op =
  | { kind: "get"; key: number; form: KeyForm }
  | { kind: "set"; key: number; form: KeyForm; value: Uint8Array; scribble: boolean }
  | { kind: "delete"; key: number; form: KeyForm }
  | { kind: "clear" };

// Half the operations go to the colliding keys (last in the pool), so that chains of two and three
// form and lose entries at the head, in the middle and at the tail.
const keyIndex = fc.oneof(
  fc.integer({ min: 0, max: KEY_POOL.length - 1 }),
  fc.integer({ min: KEY_POOL.length - COLLIDING.length, max: KEY_POOL.length - 1 }),
);
const keyForm = fc.constantFrom<KeyForm>("buffer", "uint8array", "view");
const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  { weight: 10, arbitrary: fc.record({ kind: fc.constant("get" as const), key: keyIndex, form: keyForm }) },
  {
    weight: 10,
    arbitrary: fc.record({
      kind: fc.constant("set" as const),
      key: keyIndex,
      form: keyForm,
      value: fc.uint8Array({ maxLength: 64 }),
      scribble: fc.boolean(),
    }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("delete" as const), key: keyIndex, form: keyForm }) },
  { weight: 1, arbitrary: fc.constant({ kind: "clear" as const }) },
);

/** Budgets from "barely one small entry" to "a few entries", often tight enough to refuse some. */
const optionsArbitrary: fc.Arbitrary<KVCacheOptions> = fc
  .record({
    sets: fc.integer({ min: 1, max: 4 }),
    ways: fc.integer({ min: 1, max: 5 }),
    setBytesMax: fc.oneof(
      fc.integer({ min: OVERHEAD, max: OVERHEAD + 80 }),
      fc.tuple(fc.integer({ min: 1, max: 5 }), fc.nat({ max: 250 })).map(([entries, extra]) => entries * OVERHEAD + extra),
    ),
    remainder: fc.nat(),
  })
  .map(({ sets, ways, setBytesMax, remainder }) => ({ sets, ways, bytesMax: sets * setBytesMax + (remainder % sets) }));

/** A value get() returned, and a copy of what it held then. */
interface HandedOut {
  value: Uint8Array;
  then: Uint8Array;
}

function applyOp(cache: KVCache, model: KVCacheModel, op: Op, handedOut: HandedOut[]): void {
  if (op.kind === "clear") {
    cache.clear();
    model.clear();
    return;
  }
  const key = KEY_POOL[op.key]!;
  if (op.kind === "get") {
    const value = cache.get(freshKey(key, op.form));
    assert.deepEqual(value, model.get(key), "get");
    if (value !== undefined) handedOut.push({ value, then: Uint8Array.from(value) });
  } else if (op.kind === "delete") {
    assert.equal(cache.delete(freshKey(key, op.form)), model.delete(key), "delete");
  } else {
    const passedKey = freshKey(key, op.form);
    const passedValue = Buffer.from(op.value);
    cache.set(passedKey, passedValue);
    model.set(key, op.value);
    // A caller that reuses its buffers must not change what was cached.
    if (op.scribble) {
      passedKey.fill(0xaa);
      passedValue.fill(0xaa);
    }
  }
}

function assertSameState(cache: KVCache, model: KVCacheModel): void {
  for (let setIndex = 0; setIndex < model.options.sets; setIndex += 1) {
    const entries = cache.entriesOfSet(setIndex);
    assert.deepEqual(entries, model.sets[setIndex], `contents of set ${setIndex}, least recent first`);
    assert.ok(entries.length <= model.options.ways, `set ${setIndex} over ways`);
    assert.ok(setBytes(entries) <= model.setBytesMax, `set ${setIndex} over its bytes`);
  }
  const { hits, misses, evictions, entries, bytes } = cache.stats();
  assert.deepEqual(
    { hits, misses, evictions, entries, bytes },
    { hits: model.hits, misses: model.misses, evictions: model.evictions, entries: model.entries(), bytes: model.bytes() },
    "stats",
  );
}

test("property: after every step the cache matches the model (gets, contents, order, bytes, counters, values handed out)", () => {
  fc.assert(
    fc.property(optionsArbitrary, fc.array(opArbitrary, { maxLength: 200, size: "max" }), (options, ops) => {
      const cache = new KVCache(options);
      const model = new KVCacheModel(options);
      const handedOut: HandedOut[] = [];
      for (const op of ops) {
        applyOp(cache, model, op, handedOut);
        assertSameState(cache, model);
      }
      // The cache never writes into a buffer it has handed out: readers may still be using it.
      for (const { value, then } of handedOut) assert.deepEqual(value, then, "a value returned earlier changed");
    }),
    { numRuns: 300 },
  );
});

test("setsToFillBytes: a cache of small values fills its bytes, not a fraction of them", () => {
  assert.equal(setsToFillBytes(64 * 1024 * 1024, 16), 8192);
  assert.equal(setsToFillBytes(1000, 16), 1, "at least one set");
  const bytesMax = 8 * 1024 * 1024;
  const cache = new KVCache({ sets: setsToFillBytes(bytesMax, 16), ways: 16, bytesMax });
  const value = new Uint8Array(92);
  for (let i = 0; i < 20_000; i++) cache.set(new TextEncoder().encode(`key:${String(i).padStart(4, "0")}`), value);
  const { entries, bytes } = cache.stats();
  // Each entry costs 8 + 92 bytes plus the overhead: the byte bound allows about 13 700 of them.
  assert.ok(entries > 12_000, `only ${entries} entries in ${bytes} of ${bytesMax} bytes`);
  assert.ok(bytes <= bytesMax);
});
