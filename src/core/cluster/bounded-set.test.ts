import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { BoundedSet } from "./bounded-set.js";

test("BoundedSet remembers the newest sizeMax distinct items", () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 8 }), fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 60 }), (sizeMax, items) => {
    const set = new BoundedSet<number>(sizeMax);
    const model: number[] = []; // insertion order, oldest first
    for (const item of items) {
      set.add(item);
      if (!model.includes(item)) {
        if (model.length === sizeMax) model.shift();
        model.push(item);
      }
      assert.equal(set.size, model.length);
    }
    for (let item = 0; item <= 20; item += 1) assert.equal(set.has(item), model.includes(item));
  }));
});

test("BoundedSet keeps forgetting the oldest, in order, long after it first filled", () => {
  const set = new BoundedSet<string>(3);
  for (let i = 0; i < 10; i += 1) set.add(`t${i}`);
  assert.deepEqual(["t6", "t7", "t8", "t9"].map((item) => set.has(item)), [false, true, true, true]);
  set.add("t8"); // present: not added again, nothing forgotten
  set.add("t10");
  assert.deepEqual(["t7", "t8", "t9", "t10"].map((item) => set.has(item)), [false, true, true, true]);
  assert.equal(set.size, 3);
});

test("BoundedSet refuses a bound that is not a positive integer", () => {
  for (const bad of [0, -1, 1.5, Number.NaN]) assert.throws(() => new BoundedSet(bad), /sizeMax must be a positive integer/);
});
