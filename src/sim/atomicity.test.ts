import { test } from "node:test";
import assert from "node:assert/strict";
import type { HistoryEntry, HistoryOp, HistoryResult } from "./history.js";
import { checkAtomicity, findGroups } from "./atomicity.js";

function entry(op: HistoryOp, result: HistoryResult, invoke = 0): HistoryEntry {
  return { client: "c", invoke, complete: invoke + 1, op, result };
}
const mset = (value: string, keys = ["a", "b", "c"]): HistoryEntry =>
  entry({ f: "mset", pairs: keys.map((key): [string, string] => [key, value]) }, { type: "ok" });
const mget = (keys: string[], values: Array<string | null>): HistoryEntry =>
  entry({ f: "get", keys }, { type: "values", values });

test("groups are key sets written only by MSETs of exactly that set", () => {
  assert.deepEqual(findGroups([mset("1"), mset("2"), mset("3", ["x", "y"])]), [["a", "b", "c"], ["x", "y"]]);
  // a SET on one key spoils its group; an overlapping MSET spoils both
  assert.deepEqual(findGroups([mset("1"), entry({ f: "set", key: "b", value: "2" }, { type: "set", written: true })]), []);
  assert.deepEqual(findGroups([mset("1"), mset("2", ["c", "d"])]), []);
  assert.deepEqual(findGroups([mset("1"), entry({ f: "del", keys: ["a"] }, { type: "count", count: 1 })]), []);
});

const cases: Array<[string, HistoryEntry[], number]> = [
  ["one token everywhere", [mset("1"), mset("2"), mget(["a", "b", "c"], ["2", "2", "2"])], 0],
  ["nil everywhere", [mset("1"), mget(["c", "a", "b"], [null, null, null])], 0],
  ["a read of part of a group is not judged", [mset("1"), mset("2"), mget(["a", "b"], ["1", "2"])], 0],
  ["a read of the group among other keys", [mset("1"), mget(["z", "a", "b", "c"], ["q", "1", "1", "1"])], 0],
  ["a failed read is not judged", [mset("1"), entry({ f: "get", keys: ["a", "b", "c"] }, { type: "error", error: "TRYAGAIN" })], 0],
  ["two tokens mixed", [mset("1"), mset("2"), mget(["a", "b", "c"], ["1", "2", "2"])], 1],
  ["a token beside nil", [mset("1"), mget(["a", "b", "c"], ["1", null, "1"])], 1],
  ["a value no MSET wrote", [mset("1"), mget(["a", "b", "c"], ["x", "x", "x"])], 1],
  ["each bad read counts", [mset("1"), mget(["a", "b", "c"], ["1", null, null]), mget(["a", "b", "c"], [null, "1", null])], 2],
];

for (const [name, history, expected] of cases) {
  test(`atomicity: ${name}`, () => {
    const violations = checkAtomicity(history);
    assert.equal(violations.length, expected, JSON.stringify(violations.map((violation) => violation.detail)));
    for (const violation of violations) {
      assert.match(violation.detail, /partly written/);
      assert.deepEqual(violation.group, ["a", "b", "c"]);
    }
  });
}
