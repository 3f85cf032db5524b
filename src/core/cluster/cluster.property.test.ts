// Property: whatever the interleaving of deliveries, drops, duplicates, persists, ticks and crashes,
// once the network heals every replica of a key holds the same value; every write told OK was
// applied by every replica of its keys and is not overwritten by anything older; no write that
// failed (outcome known) was applied anywhere; reads never go back in time; and every request of a
// live coordinator is answered, once, by its deadline.

import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { bytes, ClusterHarness, COORDINATOR, text, type Answer } from "../../../test/support/scenario-harness.js";
import type { ClientOp } from "./types.js";

const KEYS = ["a", "b", "c"];
const DEADLINE_TICKS = 200;

type Op =
  | { kind: "set"; key: number; condition?: "NX" | "XX"; returnPrevious: boolean }
  | { kind: "mset"; keys: number[] }
  | { kind: "del"; keys: number[] }
  | { kind: "get"; key: number };

type Action =
  | { kind: "issue" }
  | { kind: "deliver" | "drop" | "duplicate" | "persist" | "crashNode" | "restartNode"; pick: number }
  | { kind: "tick"; ticks: number }
  | { kind: "crashCoordinator" };

const keyIndex = fc.integer({ min: 0, max: KEYS.length - 1 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("set" as const), key: keyIndex, condition: fc.constantFrom(undefined, "NX" as const, "XX" as const), returnPrevious: fc.boolean() }),
  fc.record({ kind: fc.constant("mset" as const), keys: fc.uniqueArray(keyIndex, { minLength: 2, maxLength: 3 }) }),
  fc.record({ kind: fc.constant("del" as const), keys: fc.uniqueArray(keyIndex, { minLength: 1, maxLength: 2 }) }),
  fc.record({ kind: fc.constant("get" as const), key: keyIndex }),
);
const pick = fc.nat();
const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ kind: "issue" as const }) },
  { weight: 12, arbitrary: fc.record({ kind: fc.constant("deliver" as const), pick }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("drop" as const), pick }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("duplicate" as const), pick }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant("persist" as const), pick }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("tick" as const), ticks: fc.integer({ min: 1, max: 40 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("crashNode" as const), pick }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("restartNode" as const), pick }) },
  { weight: 1, arbitrary: fc.constant({ kind: "crashCoordinator" as const }) },
);

/** One client request as the checker sees it. */
interface Issued {
  op: Op;
  requestId: number;
  /** Action index at which it was issued, and at which it was answered. */
  issuedAt: number;
  deadlineTick: number;
  answeredAt?: number;
  answer?: Answer;
  /** It went to a coordinator that later crashed without answering. */
  orphaned: boolean;
  /** The value it writes on each key it writes (null: delete). */
  effects: Map<string, string | null>;
}

function toClientOp(op: Op, value: string): ClientOp {
  if (op.kind === "set") return { kind: "set", key: bytes(KEYS[op.key]!), value: bytes(value), ...(op.condition ? { condition: op.condition } : {}), returnPrevious: op.returnPrevious };
  if (op.kind === "mset") return { kind: "mset", pairs: op.keys.map((key) => [bytes(KEYS[key]!), bytes(`${value}${KEYS[key]}`)]) };
  if (op.kind === "del") return { kind: "del", keys: op.keys.map((key) => bytes(KEYS[key]!)) };
  return { kind: "get", keys: [bytes(KEYS[op.key]!)] };
}

function effectsOf(op: Op, value: string): Map<string, string | null> {
  if (op.kind === "set") return new Map([[KEYS[op.key]!, value]]);
  if (op.kind === "mset") return new Map(op.keys.map((key) => [KEYS[key]!, `${value}${KEYS[key]}`]));
  if (op.kind === "del") return new Map(op.keys.map((key) => [KEYS[key]!, null]));
  return new Map();
}

/** "applied": told it changed the data; "maybe": outcome unknown; "no": it certainly did not. */
function applied(request: Issued): "applied" | "maybe" | "no" {
  const answer = request.answer;
  if (answer === undefined) return request.orphaned ? "maybe" : "no";
  if (answer.error !== undefined) return answer.error.outcomeUnknown === true ? "maybe" : "no";
  const result = answer.result;
  if (result.kind === "set") return result.written ? "applied" : "no";
  if (result.kind === "count") return result.count > 0 ? "applied" : "no";
  return "applied";
}

/** The values a read of `key` may return if it began after action `since`: nothing older than the last write applied by then. */
function allowedValues(writes: Issued[], key: string, since: number, until: number): Set<string | null> {
  const onKey = writes.filter((write) => write.effects.has(key));
  let lastApplied = -1;
  onKey.forEach((write, index) => {
    if (applied(write) === "applied" && write.answeredAt !== undefined && write.answeredAt <= since) lastApplied = index;
  });
  const allowed = new Set<string | null>(lastApplied < 0 ? [null] : []);
  onKey.forEach((write, index) => {
    if (index >= lastApplied && write.issuedAt <= until && applied(write) !== "no") allowed.add(write.effects.get(key)!);
  });
  return allowed;
}

function runScenario(ops: Op[], actions: Action[]): void {
  const c = new ClusterHarness().start();
  const issued: Issued[] = [];
  const crashedNodes = new Set<string>();
  const nodeIds = [...c.nodes.keys()];
  let coordinatorCrashes = 0;
  let step = 0;
  const stamp = () => {
    for (const request of issued) {
      if (request.answeredAt === undefined && c.answers.has(request.requestId)) {
        request.answeredAt = step;
        request.answer = c.answers.get(request.requestId)!;
      }
    }
  };
  const issue = () => {
    const op = ops[issued.length];
    if (op === undefined) return;
    const value = `v${issued.length}`;
    const requestId = c.request(toClientOp(op, value), DEADLINE_TICKS);
    issued.push({ op, requestId, issuedAt: step, deadlineTick: c.tick + DEADLINE_TICKS, orphaned: false, effects: effectsOf(op, value) });
  };
  for (const action of actions) {
    step += 1;
    const envelope = "pick" in action ? c.network[action.pick % Math.max(1, c.network.length)] : undefined;
    if (action.kind === "issue") issue();
    else if (action.kind === "deliver" && envelope) c.deliver((e) => e === envelope);
    else if (action.kind === "drop" && envelope) c.drop((e) => e === envelope);
    else if (action.kind === "duplicate" && envelope) c.duplicate((e) => e === envelope);
    else if (action.kind === "persist") c.completePersists([COORDINATOR, ...nodeIds][action.pick % (nodeIds.length + 1)], 1);
    else if (action.kind === "tick") c.advance(action.ticks);
    else if (action.kind === "crashNode" && crashedNodes.size < 1) {
      const id = nodeIds[action.pick % nodeIds.length]!;
      if (!crashedNodes.has(id)) {
        c.crashNode(id);
        crashedNodes.add(id);
      }
    } else if (action.kind === "restartNode") {
      const id = nodeIds[action.pick % nodeIds.length]!;
      if (crashedNodes.delete(id)) c.restartNode(id);
    } else if (action.kind === "crashCoordinator" && coordinatorCrashes < 2) {
      coordinatorCrashes += 1;
      stamp();
      for (const request of issued) if (request.answer === undefined) request.orphaned = true;
      c.crashCoordinator();
    }
    stamp();
  }
  // Heal: every node back, nothing lost any more, and time to finish everything.
  for (const id of crashedNodes) c.restartNode(id);
  while (issued.length < ops.length) issue();
  c.settleWithTime(20_000);
  step += 1;
  stamp();

  for (const request of issued) {
    if (request.orphaned && request.answer === undefined) continue;
    assert.ok(request.answer !== undefined, `request ${request.requestId} (${request.op.kind}) was never answered`);
    assert.ok(request.answer.tick <= request.deadlineTick, `request ${request.requestId} answered after its deadline`);
  }
  const writes = issued.filter((request) => request.op.kind !== "get");
  for (const write of writes) {
    const outcome = applied(write);
    for (const [key, value] of write.effects) {
      if (value === null) continue; // a delete leaves no trace to tell it by
      for (const node of c.replicasOf(key)) {
        const seen = c.nodes.get(node)!.appliedHistory.has(`${key}=${value}`);
        if (outcome === "applied") assert.ok(seen, `${key}=${value} was told OK but ${node} never applied it`);
        if (outcome === "no") assert.ok(!seen, `${key}=${value} failed but ${node} applied it`);
      }
    }
  }
  for (const key of KEYS) {
    const onReplicas = c.valuesOnReplicas(key);
    assert.ok(onReplicas.every((value) => value === onReplicas[0]), `replicas of ${key} differ: ${JSON.stringify(onReplicas)}`);
    const allowed = allowedValues(writes, key, step, step);
    assert.ok(allowed.has(onReplicas[0]!), `${key} ends as ${onReplicas[0]}, expected one of ${JSON.stringify([...allowed])}`);
  }
  for (const read of issued.filter((request) => request.op.kind === "get" && request.answer?.result !== undefined)) {
    const key = KEYS[(read.op as { key: number }).key]!;
    const result = read.answer!.result!;
    assert.ok(result.kind === "values");
    const seen = text(result.values[0]);
    const allowed = allowedValues(writes, key, read.issuedAt, read.answeredAt!);
    assert.ok(allowed.has(seen), `read of ${key} (action ${read.issuedAt}-${read.answeredAt}) saw ${seen}, expected one of ${JSON.stringify([...allowed])}`);
  }
  assert.deepEqual(c.errorLogs(), [], "no error was logged");
}

test("random interleavings of deliveries, drops, duplicates, persists, ticks and crashes keep the contract", () => {
  fc.assert(
    fc.property(fc.array(opArb, { minLength: 2, maxLength: 8, size: "max" }), fc.array(actionArb, { minLength: 20, maxLength: 200, size: "max" }), runScenario),
    { numRuns: 300 },
  );
});
