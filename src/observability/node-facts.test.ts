import { test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { factsOf, isFactsMessage, NodeFactsBook, reportNodeFacts, type NodeFacts, type NodeFactsMessage } from "./node-facts.js";

const FACTS: NodeFacts = { keys: 3, dataBytes: 8192, version: "0.1.0", uptimeSeconds: 5 };

test("a node reports when asked and on its interval; facts it cannot gather are skipped, never thrown", async () => {
  const sent: NodeFactsMessage[] = [];
  const errors: unknown[] = [];
  let failing = false;
  const reporter = reportNodeFacts(() => {
    if (failing) throw new Error("store closed");
    return FACTS;
  }, (message) => sent.push(message) > 0, (error) => errors.push(error), 20);
  try {
    reporter.now();
    assert.deepEqual(sent, [{ type: "facts", ...FACTS }]);
    await sleep(70);
    assert.ok(sent.length >= 2, "the interval reports too");
    failing = true;
    assert.doesNotThrow(() => reporter.now());
    assert.match(String(errors[0]), /store closed/);
  } finally {
    reporter.stop();
  }
  const count = sent.length;
  await sleep(50);
  assert.equal(sent.length, count, "nothing after stop");
});

test("the coordinator keeps the facts of a checked message, without extra fields, and carries uptime forward", () => {
  const message: unknown = { type: "facts", ...FACTS, addedLater: 1 };
  assert.ok(isFactsMessage(message));
  assert.ok(!isFactsMessage({ type: "pong", tick: 1 }));
  const book = new NodeFactsBook();
  book.report("node-1", factsOf(message), 1_000);
  assert.deepEqual(book.get("node-1", 4_500), { ...FACTS, uptimeSeconds: 8 });
  assert.equal(book.get("node-2"), undefined);
});
