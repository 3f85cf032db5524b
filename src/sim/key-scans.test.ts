import { test } from "node:test";
import assert from "node:assert/strict";
import type { HistoryEntry, HistoryOp, HistoryResult } from "./history.js";
import { checkKeyScans } from "./key-scans.js";

// On a ring of 4 partitions, "a" and "d" are in partition 0, "b" in 2, "c" in 3.
const at = (invoke: number, complete: number | null, op: HistoryOp, result: HistoryResult): HistoryEntry => ({ client: "c", invoke, complete, op, result });
const set = (key: string, invoke: number, complete: number | null = invoke + 1): HistoryEntry =>
  at(invoke, complete, { f: "set", key, value: `${key}@${invoke}` }, complete === null ? { type: "unknown", error: "TIMEOUT" } : { type: "set", written: true });
const del = (key: string, invoke: number, complete: number | null, count = 1): HistoryEntry =>
  at(invoke, complete, { f: "del", keys: [key] }, complete === null ? { type: "unknown", error: "TIMEOUT" } : { type: "count", count });
const scan = (partitions: number[], keys: string[], invoke = 100, complete = 200): HistoryEntry =>
  at(invoke, complete, { f: "scan", partitions, of: 4 }, { type: "keys", keys });

const cases: Array<[string, HistoryEntry[], string[]]> = [
  ["every key present throughout is returned", [set("a", 1), set("d", 2), set("b", 3), scan([0], ["d", "a", "a"])], []],
  ["a key present throughout and not returned", [set("a", 1), set("d", 2), scan([0], ["a"])], ["missed: d"]],
  ["a key of a partition not scanned need not be returned", [set("a", 1), set("b", 2), scan([0, 3], ["a"])], []],
  ["a key written during the scan need not be returned", [set("a", 150), scan([0], [])], []],
  ["a key deleted during the scan need not be returned", [set("a", 1), del("a", 150, 160), scan([0], [])], []],
  ["a delete that may still take effect excuses a missing key", [set("a", 1), del("a", 5, null), scan([0], [])], []],
  ["a delete after the scan excuses nothing", [set("a", 1), del("a", 250, 260), scan([0], [])], ["missed: a"]],
  ["a delete known to have come before the write excuses nothing", [del("a", 1, 2), set("a", 5), scan([0], [])], ["missed: a"]],
  ["a delete that removed nothing excuses nothing", [set("a", 1), del("a", 150, 160, 0), scan([0], [])], ["missed: a"]],
  ["a write whose outcome is unknown proves nothing", [set("a", 1, null), scan([0], [])], []],
  ["a key that may have been written during the scan may be returned", [set("a", 150, null), scan([0], ["a"])], []],
  ["a key never written is made up", [set("a", 1), scan([0], ["a", "d"])], ["made up: d"]],
  ["a key first written after the scan is made up", [set("a", 1), set("d", 250), scan([0], ["a", "d"])], ["made up: d"]],
  ["a key of another partition is a stray", [set("a", 1), set("b", 2), scan([0], ["a", "b"])], ["stray: b"]],
];

for (const [name, history, expected] of cases) {
  test(`key scans: ${name}`, () => {
    const found = checkKeyScans(history).map(({ detail, keys }) => {
      const kind = detail.startsWith("scan missed") ? "missed" : detail.startsWith("scan returned keys never") ? "made up" : "stray";
      return `${kind}: ${keys.join(" ")}`;
    });
    assert.deepEqual(found, expected);
  });
}

test("a scan that failed or never ended is not judged", () => {
  const failed = at(100, 200, { f: "scan", partitions: [0], of: 4 }, { type: "error", error: "TRYAGAIN" });
  assert.deepEqual(checkKeyScans([set("a", 1), failed]), []);
});
