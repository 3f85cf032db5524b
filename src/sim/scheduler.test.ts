import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { Scheduler } from "./scheduler.js";

test("happenings run in time order, ties in scheduling order, and the clock follows", () => {
  const scheduler = new Scheduler(100);
  const ran: string[] = [];
  scheduler.at(30, () => ran.push(`c@${scheduler.nowUs}`));
  scheduler.at(10, () => ran.push(`a@${scheduler.nowUs}`));
  scheduler.at(10, () => ran.push(`b@${scheduler.nowUs}`));
  scheduler.runUntil(1000);
  assert.deepEqual(ran, ["a@10", "b@10", "c@30"]);
  assert.equal(scheduler.nowUs, 1000);
});

test("a happening may schedule more, and runUntil stops at its horizon", () => {
  const scheduler = new Scheduler(100);
  let count = 0;
  const again = (): void => {
    count += 1;
    scheduler.after(10, again);
  };
  scheduler.after(0, again);
  scheduler.runUntil(95);
  assert.equal(count, 10); // at 0, 10, ..., 90
  assert.equal(scheduler.pending, 1);
});

test("runUntil's stop condition halts at once and leaves the clock at the last happening", () => {
  const scheduler = new Scheduler(100);
  let stop = false;
  scheduler.at(5, () => { stop = true; });
  scheduler.at(6, () => assert.fail("ran after stop"));
  scheduler.runUntil(100, () => stop);
  assert.equal(scheduler.nowUs, 5);
});

test("scheduling in the past and overflowing the queue are bugs", () => {
  const scheduler = new Scheduler(2);
  scheduler.at(10, () => undefined);
  scheduler.runUntil(10);
  assert.throws(() => scheduler.at(5, () => undefined), /cannot schedule at 5us/);
  scheduler.after(1, () => undefined);
  scheduler.after(1, () => undefined);
  assert.throws(() => scheduler.after(1, () => undefined), /runaway/);
});

test("property: any set of happenings runs sorted by (time, insertion)", () => {
  fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 200 }), (times) => {
    const scheduler = new Scheduler(1000);
    const ran: Array<[number, number]> = [];
    times.forEach((time, index) => scheduler.at(time, () => ran.push([time, index])));
    scheduler.runUntil(100);
    const expected = times.map((time, index): [number, number] => [time, index])
      .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    assert.deepEqual(ran, expected);
  }));
});
