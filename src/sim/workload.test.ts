import { test } from "node:test";
import assert from "node:assert/strict";
import { keysOf } from "./history.js";
import { Prng } from "./prng.js";
import { allKeys, makeKeySpace, nextOp } from "./workload.js";

const space = makeKeySpace({ registerKeys: 4, groups: 2, groupSize: 3 });

test("the key space: registers and groups with distinct names", () => {
  assert.deepEqual(space.registers, ["r0", "r1", "r2", "r3"]);
  assert.deepEqual(space.groups, [["g0.a", "g0.b", "g0.c"], ["g1.a", "g1.b", "g1.c"]]);
  assert.equal(new Set(allKeys(space)).size, 10);
});

test("group keys are written only by MSET of the whole group with one token", () => {
  const prng = new Prng(9);
  const groupKeys = new Set(space.groups.flat());
  for (let i = 0; i < 5000; i += 1) {
    const op = nextOp(prng, space, `v${i}`);
    if (op.f === "mset") {
      assert.ok(space.groups.some((group) => JSON.stringify(group) === JSON.stringify(op.pairs.map(([key]) => key))));
      assert.ok(op.pairs.every(([, value]) => value === `v${i}`));
    } else if (op.f === "set" || op.f === "del") {
      assert.ok(keysOf(op).every((key) => !groupKeys.has(key)), `${op.f} wrote a group key`);
    }
    assert.equal(new Set(keysOf(op)).size, keysOf(op).length, "a key named twice in one op");
  }
});

test("the mix reaches every kind of request, and is the same for the same seed", () => {
  const kinds = (seed: number): string[] => {
    const prng = new Prng(seed);
    return Array.from({ length: 2000 }, (_, i) => {
      const op = nextOp(prng, space, `v${i}`);
      return op.f === "set" ? `set${op.condition ?? ""}${op.get ? "GET" : ""}` : `${op.f}${keysOf(op).length > 1 ? "*" : ""}`;
    });
  };
  const seen = new Set(kinds(1));
  for (const kind of ["get", "get*", "set", "setNX", "setXX", "setGET", "setNXGET", "del", "del*", "exists*", "mset*"]) {
    assert.ok(seen.has(kind), `never drew ${kind}`);
  }
  assert.deepEqual(kinds(5), kinds(5));
});

test("a key space with registers only, or groups only, still yields requests", () => {
  const prng = new Prng(2);
  const onlyGroups = makeKeySpace({ registerKeys: 0, groups: 1, groupSize: 2 });
  const onlyRegisters = makeKeySpace({ registerKeys: 1, groups: 0, groupSize: 2 });
  for (let i = 0; i < 200; i += 1) {
    assert.ok(keysOf(nextOp(prng, onlyGroups, "v")).every((key) => key.startsWith("g")));
    assert.ok(keysOf(nextOp(prng, onlyRegisters, "v")).every((key) => key === "r0"));
  }
});

test("counter keys are written only by INCR and read by GET", () => {
  const withCounters = makeKeySpace({ registerKeys: 2, groups: 1, groupSize: 2, counterKeys: 2 });
  assert.deepEqual(withCounters.counters, ["n0", "n1"]);
  assert.ok(allKeys(withCounters).includes("n1"));
  const prng = new Prng(4);
  const seen = new Set<string>();
  for (let i = 0; i < 3000; i += 1) {
    const op = nextOp(prng, withCounters, `v${i}`);
    const counterKeys = keysOf(op).filter((key) => withCounters.counters.includes(key));
    if (counterKeys.length > 0) {
      assert.ok(op.f === "incr" || op.f === "get", `${op.f} touched a counter`);
      seen.add(op.f);
    }
  }
  assert.deepEqual([...seen].sort(), ["get", "incr"]);
});
