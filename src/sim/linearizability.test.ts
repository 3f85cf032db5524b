import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import type { HistoryEntry, HistoryOp, HistoryResult } from "./history.js";
import { checkLinearizability, opsByKey, stepRegister } from "./linearizability.js";

let clientCounter = 0;
function op(invoke: number, complete: number | null, historyOp: HistoryOp, result: HistoryResult): HistoryEntry {
  clientCounter += 1;
  return { client: `c${clientCounter}`, invoke, complete, op: historyOp, result };
}
const set = (inv: number, comp: number | null, key: string, value: string, result: HistoryResult = { type: "set", written: true }): HistoryEntry =>
  op(inv, comp, { f: "set", key, value }, result);
const get = (inv: number, comp: number, key: string, value: string | null): HistoryEntry =>
  op(inv, comp, { f: "get", keys: [key] }, { type: "values", values: [value] });
const unknownSet = (inv: number, key: string, value: string): HistoryEntry =>
  op(inv, null, { f: "set", key, value }, { type: "unknown", error: "TIMEOUT" });
const nx = (inv: number, comp: number, key: string, value: string, written: boolean): HistoryEntry =>
  op(inv, comp, { f: "set", key, value, condition: "NX" }, { type: "set", written });
const del = (inv: number, comp: number, keys: string[], count: number): HistoryEntry =>
  op(inv, comp, { f: "del", keys }, { type: "count", count });
const incr = (inv: number, comp: number | null, key: string, count: number | null): HistoryEntry =>
  op(inv, comp, { f: "incr", key }, count === null ? { type: "unknown", error: "TIMEOUT" } : { type: "count", count });

const linearizable: Array<[string, HistoryEntry[], { settledAt?: number }?]> = [
  ["empty history", []],
  ["a read of a never-written key is nil", [get(0, 1, "a", null)]],
  ["sequential write then read", [set(0, 10, "a", "1"), get(20, 30, "a", "1")]],
  ["a read concurrent with a write sees the old value", [set(0, 10, "a", "1"), set(15, 40, "a", "2"), get(20, 30, "a", "1")]],
  ["a read concurrent with a write sees the new value", [set(0, 10, "a", "1"), set(15, 40, "a", "2"), get(20, 30, "a", "2")]],
  ["concurrent writes may land in either order (1 last)", [set(0, 10, "a", "1"), set(0, 10, "a", "2"), get(20, 30, "a", "1")]],
  ["concurrent writes may land in either order (2 last)", [set(0, 10, "a", "1"), set(0, 10, "a", "2"), get(20, 30, "a", "2")]],
  ["one NX wins, the other sees it", [nx(0, 10, "a", "1", true), nx(5, 15, "a", "2", false), get(20, 30, "a", "1")]],
  ["an op ending as another starts counts as concurrent", [set(0, 10, "a", "1"), get(10, 20, "a", null)]],
  ["an unknown write may have happened", [unknownSet(0, "a", "1"), get(100, 110, "a", "1")]],
  ["an unknown write may not have happened", [unknownSet(0, "a", "1"), get(100, 110, "a", null)]],
  ["without a settle point an unknown write may land between two reads", [unknownSet(0, "a", "1"), get(200, 210, "a", null), get(220, 230, "a", "1")]],
  ["a failed write is ignored", [op(0, 10, { f: "set", key: "a", value: "1" }, { type: "error", error: "TRYAGAIN" }), get(20, 30, "a", null)]],
  ["SET GET returns the previous value", [set(0, 10, "a", "1"), op(20, 30, { f: "set", key: "a", value: "2", get: true }, { type: "set", written: true, previous: "1" })]],
  ["XX on an absent key writes nothing", [op(0, 10, { f: "set", key: "a", value: "1", condition: "XX" }, { type: "set", written: false }), get(20, 30, "a", null)]],
  ["DEL counts what existed", [set(0, 10, "a", "1"), del(20, 30, ["a"], 1), del(40, 50, ["a"], 0), get(60, 70, "a", null)]],
  ["MSET then MGET sees every key", [op(0, 10, { f: "mset", pairs: [["a", "x"], ["b", "x"]] }, { type: "ok" }),
    op(20, 30, { f: "get", keys: ["a", "b"] }, { type: "values", values: ["x", "x"] })]],
  ["EXISTS of two keys counting both", [set(0, 10, "a", "1"), set(0, 10, "b", "2"), op(20, 30, { f: "exists", keys: ["a", "b"] }, { type: "count", count: 2 })]],
  ["keys are independent", [set(0, 10, "a", "1"), get(20, 30, "b", null), get(20, 30, "a", "1")]],
  ["concurrent INCRs count up in either order", [incr(0, 10, "n", 2), incr(0, 10, "n", 1), get(20, 30, "n", "2")]],
  ["an INCR with an unknown outcome may have counted", [incr(0, null, "n", null), incr(20, 30, "n", 2)]],
  ["an INCR with an unknown outcome may not have counted", [incr(0, null, "n", null), incr(20, 30, "n", 1)]],
];

const notLinearizable: Array<[string, HistoryEntry[], { settledAt?: number }?]> = [
  ["a stale read after an acknowledged write", [set(0, 10, "a", "1"), get(20, 30, "a", null)]],
  ["a read of a value nobody wrote", [get(0, 10, "a", "ghost")]],
  ["a lost write: the older value returns", [set(0, 10, "a", "1"), set(20, 30, "a", "2"), get(40, 50, "a", "1")]],
  ["two NX writes both succeed", [nx(0, 10, "a", "1", true), nx(5, 15, "a", "2", true)]],
  ["reads go back in time", [set(0, 100, "a", "1"), get(10, 20, "a", "1"), get(30, 40, "a", null)]],
  ["an unknown write that lands after the settle point", [unknownSet(0, "a", "1"), get(200, 210, "a", null), get(220, 230, "a", "1")], { settledAt: 100 }],
  ["a write reported failed took effect", [op(0, 10, { f: "set", key: "a", value: "1" }, { type: "error", error: "TRYAGAIN" }), get(20, 30, "a", "1")]],
  ["DEL counts a key that was not there", [del(0, 10, ["a"], 1)]],
  ["SET GET returns a wrong previous value", [set(0, 10, "a", "1"), op(20, 30, { f: "set", key: "a", value: "2", get: true }, { type: "set", written: true, previous: null })]],
  ["a plain SET reported as not written", [set(0, 10, "a", "1", { type: "set", written: false })]],
  ["a lost update: two INCRs set the same count", [incr(0, 10, "n", 1), incr(5, 15, "n", 1)]],
  ["an acknowledged INCR missing from the count", [incr(0, 10, "n", 1), incr(20, 30, "n", 2), get(40, 50, "n", "1")]],
  ["EXISTS of two keys counting none after both were written", [set(0, 10, "a", "1"), set(0, 10, "b", "2"), op(20, 30, { f: "exists", keys: ["a", "b"] }, { type: "count", count: 0 })]],
];

for (const [name, history, options] of linearizable) {
  test(`linearizable: ${name}`, () => {
    const report = checkLinearizability(history, options);
    assert.equal(report.verdict, "ok", JSON.stringify(report.keys));
  });
}

for (const [name, history, options] of notLinearizable) {
  test(`not linearizable: ${name}`, () => {
    const report = checkLinearizability(history, options);
    assert.equal(report.verdict, "violation");
    const bad = report.keys.find((key) => key.verdict === "violation")!;
    assert.match(bad.detail!, /could not place/);
    assert.ok(history.includes(bad.blockedEntry!));
  });
}

test("the violation names the op that could not be placed", () => {
  const stale = get(20, 30, "a", null);
  const report = checkLinearizability([set(0, 10, "a", "1"), stale]);
  assert.equal(report.keys[0]!.blockedEntry, stale);
});

test("a bounded search answers unknown instead of hanging", () => {
  const history: HistoryEntry[] = [];
  for (let i = 0; i < 30; i += 1) history.push(unknownSet(i, "a", `v${i}`));
  history.push(get(1000, 1010, "a", "never written"));
  const report = checkLinearizability(history, { stepsMax: 50 });
  assert.equal(report.verdict, "unknown");
  assert.equal(report.keys[0]!.steps, 51);
});

test("the register model: conditions, expectations and deletes", () => {
  const [keyOp] = opsByKey([nx(0, 1, "a", "1", true)]).get("a")!;
  assert.equal(stepRegister(null, keyOp!), "1");
  assert.equal(stepRegister("0", keyOp!), undefined); // NX reported written, but the key existed
  const [deleteOp] = opsByKey([del(0, 1, ["a", "b"], 1)]).get("a")!;
  assert.equal(stepRegister("x", deleteOp!), null);
  assert.equal(stepRegister(null, deleteOp!), null); // a count of 1 of 2 pins neither key
});

/**
 * Histories from a real sequential register, stretched around each op's linearization point:
 * always linearizable. Changing one read to a value nobody wrote makes them not linearizable.
 */
const sequentialHistory = fc.array(
  fc.record({
    kind: fc.constantFrom("set", "nx", "xx", "del", "get", "get"),
    key: fc.constantFrom("a", "b"),
    before: fc.integer({ min: 0, max: 30 }),
    after: fc.integer({ min: 0, max: 30 }),
  }),
  { minLength: 1, maxLength: 40 },
).map((steps) => {
  const registers = new Map<string, string | null>();
  return steps.map((step, index): HistoryEntry => {
    const point = index * 10 + 5;
    const invoke = point - step.before;
    const complete = point + step.after;
    const current = registers.get(step.key) ?? null;
    const value = `v${index}`;
    switch (step.kind) {
      case "get":
        return op(invoke, complete, { f: "get", keys: [step.key] }, { type: "values", values: [current] });
      case "del":
        registers.set(step.key, null);
        return op(invoke, complete, { f: "del", keys: [step.key] }, { type: "count", count: current === null ? 0 : 1 });
      default: {
        const condition = step.kind === "nx" ? "NX" : step.kind === "xx" ? "XX" : undefined;
        const written = condition === undefined || (condition === "NX") === (current === null);
        if (written) registers.set(step.key, value);
        const historyOp: HistoryOp = condition ? { f: "set", key: step.key, value, condition, get: true } : { f: "set", key: step.key, value, get: true };
        return op(invoke, complete, historyOp, { type: "set", written, previous: current });
      }
    }
  });
});

test("property: any stretched sequential register history is linearizable", () => {
  fc.assert(fc.property(sequentialHistory, (history) => {
    assert.equal(checkLinearizability(history).verdict, "ok");
  }), { numRuns: 300 });
});

test("property: a read of a value nobody wrote is always caught", () => {
  fc.assert(fc.property(sequentialHistory, fc.nat(), (history, pick) => {
    const reads = history.filter((entry) => entry.op.f === "get");
    fc.pre(reads.length > 0);
    const read = reads[pick % reads.length]!;
    read.result = { type: "values", values: ["phantom"] };
    assert.equal(checkLinearizability(history).verdict, "violation");
  }), { numRuns: 300 });
});

test("a busy key: 400 overlapping ops by 8 clients check quickly", () => {
  const history: HistoryEntry[] = [];
  let value: string | null = null;
  for (let i = 0; i < 400; i += 1) {
    const point = i * 10;
    const invoke = point - 35; // each op overlaps its 3 or 4 neighbours on both sides
    if (i % 3 === 0) history.push(get(invoke, point + 35, "a", value));
    else if (i % 17 === 0) history.push(unknownSet(invoke, "a", `lost${i}`));
    else {
      value = `v${i}`;
      history.push(set(invoke, point + 35, "a", value));
    }
  }
  const started = process.hrtime.bigint();
  const report = checkLinearizability(history, { settledAt: 5000 });
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  assert.equal(report.verdict, "ok");
  assert.ok(elapsedMs < 2000, `took ${elapsedMs} ms`);
});
