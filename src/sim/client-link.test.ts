import { test } from "node:test";
import assert from "node:assert/strict";
import type { CoordinatorEvent } from "../core/cluster/types.js";
import { ClientLink } from "./client-link.js";
import { HistoryRecorder, type HistoryOp } from "./history.js";
import { Prng } from "./prng.js";
import { Scheduler } from "./scheduler.js";
import { SimClient } from "./sim-client.js";

const MS = 1000;

/** A client making `ops` in turn, against a coordinator the test plays by hand. */
function setup(ops: HistoryOp[], retriesMax = 2) {
  const scheduler = new Scheduler(10_000);
  const coordinator = { accepting: true, incarnation: 1, paused: false, received: [] as Array<Extract<CoordinatorEvent, { kind: "client" }>> };
  const failures: string[] = [];
  const link = new ClientLink(scheduler, {
    accepting: () => coordinator.accepting,
    incarnation: () => coordinator.incarnation,
    paused: () => coordinator.paused,
    currentTick: () => Math.floor(scheduler.nowUs / (10 * MS)),
    deliver: (event) => coordinator.received.push(event as Extract<CoordinatorEvent, { kind: "client" }>),
  }, () => 1 * MS, 100, (message) => failures.push(message), 100);
  const history = new HistoryRecorder(100);
  const client = new SimClient("c1", scheduler, new Prng(1), link, history, {
    requests: ops.length, thinkMaxUs: 0, timeoutUs: 2_000 * MS, retriesMax, backoffMaxUs: 10 * MS,
  }, (value, index) => {
    const op = ops[index];
    return op?.f === "set" ? { ...op, value } : op;
  });
  client.start();
  const run = (ms: number): void => scheduler.runUntil(scheduler.nowUs + ms * MS);
  return { scheduler, coordinator, failures, link, history, client, run };
}

const set: HistoryOp = { f: "set", key: "k", value: "" };
const get: HistoryOp = { f: "get", keys: ["k"] };

test("a request reaches the coordinator with a deadline; its answer completes the history entry", () => {
  const { coordinator, link, history, client, run } = setup([set]);
  run(10);
  const [request] = coordinator.received;
  assert.equal(request!.op.kind, "set");
  assert.equal(request!.deadlineTick, 100); // sent at 1 ms: tick 0, plus 100 ticks
  link.answer(request!.requestId, { kind: "result", result: { kind: "set", written: true } });
  run(10);
  assert.equal(client.done, true);
  assert.deepEqual(history.entries.map((entry) => entry.result), [{ type: "set", written: true }]);
  assert.ok(history.entries[0]!.complete! > history.entries[0]!.invoke);
});

test("TRYAGAIN is retried, with a fresh value; each attempt is its own entry", () => {
  const { coordinator, link, history, run } = setup([set]);
  run(10);
  link.answer(coordinator.received[0]!.requestId, { kind: "error", error: { code: "TRYAGAIN", message: "n2 is down" } });
  run(50);
  assert.equal(coordinator.received.length, 2);
  link.answer(coordinator.received[1]!.requestId, { kind: "result", result: { kind: "set", written: true } });
  run(10);
  assert.deepEqual(history.entries.map((entry) => entry.result.type), ["error", "set"]);
  const values = history.entries.map((entry) => (entry.op.f === "set" ? entry.op.value : ""));
  assert.notEqual(values[0], values[1]);
});

test("with no coordinator the connection is refused: a failure that did nothing, retried", () => {
  const { coordinator, history, run } = setup([get], 1);
  coordinator.accepting = false;
  run(100);
  assert.deepEqual(history.entries.map((entry) => entry.result), [
    { type: "error", error: "connection refused" }, { type: "error", error: "connection refused" },
  ]);
});

test("a coordinator crash after the request arrived: a write's outcome is unknown", () => {
  const { coordinator, link, history, run } = setup([set]);
  run(10);
  coordinator.incarnation = 2;
  link.coordinatorCrashed();
  run(10);
  assert.equal(history.entries[0]!.result.type, "unknown");
  assert.equal(history.entries[0]!.complete, null);
});

test("a request in flight when the coordinator restarts is lost on arrival", () => {
  const { coordinator, history, run, scheduler } = setup([get], 0);
  scheduler.runUntil(1); // sent, not yet arrived
  coordinator.incarnation = 2;
  run(10);
  assert.equal(coordinator.received.length, 0);
  assert.deepEqual(history.entries[0]!.result, { type: "error", error: "no answer to a read" });
});

test("a coordinator that neither crashed nor paused but never answered breaks its promise", () => {
  const { failures, history, run } = setup([set]);
  run(3_000);
  assert.equal(history.entries[0]!.result.type, "unknown");
  assert.equal(failures.length, 1);
  assert.match(failures[0]!, /request 1 \(set k\) got no answer before the client's deadline/);
});

test("a paused coordinator is excused for answering late", () => {
  const { coordinator, link, failures, run } = setup([set]);
  run(10);
  coordinator.paused = true;
  link.coordinatorPaused();
  run(3_000);
  assert.deepEqual(failures, []);
  assert.deepEqual(link.unanswered(), ["request 1 (set k) was never answered"]);
});

test("an answer to a request the coordinator does not have, or of the wrong shape, is a failure", () => {
  const { coordinator, link, failures, run } = setup([get]);
  run(10);
  link.answer(99, { kind: "result", result: { kind: "ok" } });
  link.answer(coordinator.received[0]!.requestId, { kind: "result", result: { kind: "count", count: 1 } });
  assert.match(failures[0]!, /answered request 99, which it does not have/);
  assert.match(failures[1]!, /request 1 \(get k\): a get op needs a "values" result, got "count"/);
});
