import { test } from "node:test";
import assert from "node:assert/strict";
import { AVAILABILITY_WRITES_MIN, STALL_MAX_US, availabilityProblem, measureAvailability, stallProblem, type AvailabilityWindow } from "./availability.js";
import type { HistoryEntry } from "./history.js";
import { DEFAULT_SIM_OPTIONS, runSimulation } from "./run.js";

const window: AvailabilityWindow = { name: "n2 down", fromUs: 1_000, toUs: 2_000 };

/** `count` SETs spread over keys r0..r3 inside the window; the first `failing` fail with TRYAGAIN. */
function writes(count: number, failing: number, keys = ["r0", "r1", "r2", "r3"]): HistoryEntry[] {
  return Array.from({ length: count }, (_, index) => ({
    client: "c1",
    invoke: 1_000 + index,
    complete: 1_000 + index + 1,
    op: { f: "set", key: keys[index % keys.length]!, value: `c1.${index}` },
    result: index < failing ? { type: "error", error: "TRYAGAIN replica n2 is down" } : { type: "set", written: true },
  }));
}

test("a window where writes succeed passes; reads and writes outside the window do not count", () => {
  const history: HistoryEntry[] = [
    ...writes(40, 1),
    { client: "c2", invoke: 500, complete: 600, op: { f: "set", key: "r0", value: "early" }, result: { type: "error", error: "TRYAGAIN" } },
    { client: "c2", invoke: 1_500, complete: 1_600, op: { f: "get", keys: ["r0"] }, result: { type: "error", error: "TRYAGAIN" } },
  ];
  const measure = measureAvailability(history, window);
  assert.equal(measure.writes, 40);
  assert.equal(measure.failed, 1);
  assert.equal(availabilityProblem(measure), undefined);
});

test("too many failed writes fail the window, naming the share and an example", () => {
  const problem = availabilityProblem(measureAvailability(writes(40, 10), window));
  assert.match(problem ?? "", /^with n2 down, 10 of 40 writes failed \(25%, at most 5% may\) once the in-sync sets had had time to shrink; e\.g\. c1 \[1000\.\.1001\] set r0/);
});

test("one key whose every write fails fails the window even when the share is small", () => {
  const history = writes(100, 0, ["r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "r16", "r17", "r18", "r19", "r20", "r21", "r22", "r23", "r24"]);
  for (const entry of history) if (entry.op.f === "set" && entry.op.key === "r7") entry.result = { type: "unknown", error: "TIMEOUT" };
  const problem = availabilityProblem(measureAvailability(history, window));
  assert.match(problem ?? "", /4 of 100 writes failed \(4%.*every write failed on r7/);
});

test("a window with too few writes to judge is not judged", () => {
  assert.equal(availabilityProblem(measureAvailability(writes(AVAILABILITY_WRITES_MIN - 1, AVAILABILITY_WRITES_MIN - 1), window)), undefined);
});

test("the stall check passes writes that succeed within the bound, and ignores reads and writes invoked outside its window", () => {
  const history: HistoryEntry[] = [
    ...writes(30, 0),
    { client: "c2", invoke: 1_500, complete: 1_500 + STALL_MAX_US, op: { f: "set", key: "r1", value: "just" }, result: { type: "set", written: true } },
    { client: "c2", invoke: 1_600, complete: 1_600 + 2 * STALL_MAX_US, op: { f: "get", keys: ["r0"] }, result: { type: "values", values: [null] } },
    { client: "c2", invoke: 2_000, complete: 2_000 + 2 * STALL_MAX_US, op: { f: "set", key: "r0", value: "after" }, result: { type: "set", written: true } },
  ];
  assert.equal(stallProblem(history, window), undefined);
});

test("the stall check fails a window with one write held beyond the bound, or one that failed", () => {
  const held: HistoryEntry = { client: "c2", invoke: 1_500, complete: 1_501 + STALL_MAX_US, op: { f: "set", key: "r1", value: "held" }, result: { type: "set", written: true } };
  assert.match(stallProblem([...writes(30, 0), held], window) ?? "", /^while n2 down, 1 writes failed or took over 1500 ms; e\.g\. c2 \[1500\.\.1501501\] set r1 "held"/);
  assert.match(stallProblem(writes(30, 1), window) ?? "", /^while n2 down, 1 writes failed or took over 1500 ms; e\.g\. c1 \[1000\.\.1001\] set r0 "c1\.0" -> error TRYAGAIN/);
});

test("the outage phase takes R - W nodes down, then another, and measures a window for each", () => {
  const report = runSimulation({ ...DEFAULT_SIM_OPTIONS, seed: 7, ops: 100, faults: { outageMs: 7_000 } });
  assert.equal(report.stats.outages, 2);
  assert.equal(report.availability.length, 2);
  for (const measure of report.availability) assert.ok(measure.writes >= AVAILABILITY_WRITES_MIN, `${measure.writes} writes with ${measure.window.name}`);
  assert.match(report.availability[0]!.window.name, /^n\d down$/);
  assert.match(report.availability[1]!.window.name, /^n\d down after n\d caught up$/);
  // Every key was read R times while the second node was down.
  assert.equal(report.history.filter((entry) => entry.client === "degraded" && entry.result.type === "values").length, 3 * 12);
});
