import { test } from "node:test";
import assert from "node:assert/strict";
import { RecentProblems } from "./recent-problems.js";

test("the same problem again is counted, not repeated; the oldest go first at the bound", () => {
  const problems = new RecentProblems(2);
  problems.add("warn", "a", 1);
  problems.add("error", "b", 2);
  const version = problems.version;
  problems.add("warn", "a", 3);
  assert.ok(problems.version > version);
  assert.deepEqual(problems.list().map((p) => [p.message, p.count, p.firstAtMs, p.lastAtMs]), [["a", 2, 1, 3], ["b", 1, 2, 2]]);
  problems.add("warn", "c", 4);
  assert.deepEqual(problems.list().map((p) => p.message), ["c", "a"]);
});
