import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { TickTimers } from "./tick-timers.js";

test("timers fire once, at their tick, earliest first", () => {
  const timers = new TickTimers<string>();
  timers.set("b", 5);
  timers.set("a", 3);
  timers.set("c", 5);
  assert.deepEqual(timers.due(2), []);
  assert.deepEqual(timers.due(3), ["a"]);
  assert.deepEqual(timers.due(10), ["b", "c"]);
  assert.deepEqual(timers.due(11), []);
  assert.equal(timers.size, 0);
});

test("set replaces a key's timer, cancel removes it, a past tick fires at the next due()", () => {
  const timers = new TickTimers<string>();
  timers.set("a", 3);
  timers.set("a", 8);
  timers.set("b", 4);
  timers.cancel("b");
  assert.deepEqual(timers.due(7), []);
  timers.set("late", 1);
  assert.deepEqual(timers.due(8), ["a", "late"], "late is moved to tick 8, after a");
});

test("TickTimers agrees with a simple model, with short and long jumps of time", () => {
  const action = fc.oneof(
    fc.record({ kind: fc.constant("set" as const), key: fc.integer({ min: 0, max: 5 }), delay: fc.integer({ min: 0, max: 40 }) }),
    fc.record({ kind: fc.constant("cancel" as const), key: fc.integer({ min: 0, max: 5 }) }),
    fc.record({ kind: fc.constant("advance" as const), by: fc.integer({ min: 0, max: 50 }) }),
  );
  fc.assert(fc.property(fc.array(action, { maxLength: 80 }), (actions) => {
    const timers = new TickTimers<number>();
    const model = new Map<number, number>();
    let now = 0;
    for (const step of actions) {
      if (step.kind === "set") {
        timers.set(step.key, now + step.delay);
        model.set(step.key, Math.max(now + step.delay, now + 1));
      } else if (step.kind === "cancel") {
        timers.cancel(step.key);
        model.delete(step.key);
      } else {
        now += step.by;
        const expected = [...model].filter(([, at]) => at <= now).sort((a, b) => a[1] - b[1]).map(([key]) => key);
        const fired = timers.due(now);
        assert.deepEqual([...fired].sort(), [...expected].sort());
        for (const key of fired) model.delete(key);
        assert.equal(timers.size, model.size);
      }
    }
  }));
});
