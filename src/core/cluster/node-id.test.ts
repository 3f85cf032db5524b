import { test } from "node:test";
import assert from "node:assert/strict";
import { CLUSTER_NAME_LIMITS } from "../../shared/limits.js";
import { INCARNATION_BYTES, isIncarnation, nodeIdProblem } from "./node-id.js";

test("plain short ids are accepted", () => {
  for (const id of ["node-1", "n", "rack2.node_7", "x".repeat(CLUSTER_NAME_LIMITS.nodeIdLengthMax)]) assert.equal(nodeIdProblem(id), undefined, id);
});

test("empty, too long, or with other characters: refused, saying why", () => {
  assert.match(nodeIdProblem("")!, /cannot be empty/);
  assert.match(nodeIdProblem("x".repeat(CLUSTER_NAME_LIMITS.nodeIdLengthMax + 1))!, /at most 64 characters; this one has 65/);
  for (const id of ["node 1", "node\n1", "node/1", "nöde", "a:b"]) assert.match(nodeIdProblem(id)!, /letters, digits/, id);
});

test("isIncarnation accepts exactly lowercase hex of INCARNATION_BYTES bytes", () => {
  const good = "0123456789abcdef".repeat(2);
  assert.equal(good.length, INCARNATION_BYTES * 2);
  const cases: Array<[unknown, boolean]> = [
    [good, true], [good.slice(1), false], [`${good}0`, false], [good.toUpperCase(), false], [`${good.slice(1)}g`, false],
    ["", false], [undefined, false], [42, false], [new TextEncoder().encode(good), false],
  ];
  for (const [value, expected] of cases) assert.equal(isIncarnation(value), expected, String(value));
});
