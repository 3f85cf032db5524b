import { test } from "node:test";
import assert from "node:assert/strict";
import { Prng } from "./prng.js";

function draws(prng: Prng, count: number): number[] {
  return Array.from({ length: count }, () => prng.uint32());
}

test("the same seed gives the same stream; another seed another stream", () => {
  assert.deepEqual(draws(new Prng(42), 100), draws(new Prng(42), 100));
  assert.notDeepEqual(draws(new Prng(42), 100), draws(new Prng(43), 100));
});

test("seeds above 2^32 are not folded onto small seeds", () => {
  assert.notDeepEqual(draws(new Prng(2 ** 32 + 5), 10), draws(new Prng(5), 10));
});

test("derived streams depend on seed and label only", () => {
  assert.deepEqual(draws(Prng.derive(7, "network"), 20), draws(Prng.derive(7, "network"), 20));
  assert.notDeepEqual(draws(Prng.derive(7, "network"), 20), draws(Prng.derive(7, "disk"), 20));
  assert.notDeepEqual(draws(Prng.derive(7, "network"), 20), draws(Prng.derive(8, "network"), 20));
});

test("pinned outputs: changing the algorithm changes every recorded seed, so it must be deliberate", () => {
  assert.deepEqual(draws(new Prng(1), 3), [1828152527, 3394835397, 2967886022]);
});

test("int stays in range and reaches both ends; floats are in [0, 1)", () => {
  const prng = new Prng(3);
  const seen = new Set<number>();
  for (let i = 0; i < 2000; i += 1) {
    const value = prng.int(-2, 2);
    assert.ok(value >= -2 && value <= 2);
    seen.add(value);
    const float = prng.float();
    assert.ok(float >= 0 && float < 1);
  }
  assert.deepEqual([...seen].sort((a, b) => a - b), [-2, -1, 0, 1, 2]);
});

test("uniformity: buckets of 100k draws are within 5% of each other", () => {
  const prng = new Prng(11);
  const buckets = new Array<number>(10).fill(0);
  for (let i = 0; i < 100_000; i += 1) buckets[Math.floor(prng.float() * 10)]! += 1;
  for (const count of buckets) assert.ok(Math.abs(count - 10_000) < 500, `bucket count ${count}`);
});

test("chance honours its probability; exponential its mean", () => {
  const prng = new Prng(5);
  let hits = 0;
  let total = 0;
  for (let i = 0; i < 50_000; i += 1) {
    if (prng.chance(0.2)) hits += 1;
    total += prng.exponential(3);
  }
  assert.ok(Math.abs(hits / 50_000 - 0.2) < 0.01);
  assert.ok(Math.abs(total / 50_000 - 3) < 0.1);
  assert.equal(new Prng(1).chance(0), false);
  assert.equal(new Prng(1).chance(1), true);
});

test("bad arguments are refused", () => {
  assert.throws(() => new Prng(-1), /seed/);
  assert.throws(() => new Prng(1.5), /seed/);
  assert.throws(() => new Prng(1).int(3, 2), /min <= max/);
  assert.throws(() => new Prng(1).pick([]), /empty/);
});
