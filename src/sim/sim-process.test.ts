import { test } from "node:test";
import assert from "node:assert/strict";
import { Scheduler } from "./scheduler.js";
import { SimProcess, type Machine } from "./sim-process.js";
import { Trace } from "./trace.js";

type Event = { kind: "tick"; tick: number } | { kind: "hello"; n: number } | { kind: "recovered" };
type Effect = { kind: "saw"; what: string };

class Recorder implements Machine<Event, Effect> {
  readonly seen: string[] = [];
  constructor(private readonly failOn?: number) {}
  step(event: Event): Effect[] {
    const what = event.kind === "tick" ? `tick ${event.tick}` : event.kind === "hello" ? `hello ${event.n}` : "recovered";
    if (event.kind === "hello" && event.n === this.failOn) throw new Error("invariant broken");
    this.seen.push(what);
    return [{ kind: "saw", what }];
  }
  assertInvariants(): void {}
}

function setup(clockRate = 1) {
  const scheduler = new Scheduler(10_000);
  const handled: string[] = [];
  const failures: string[] = [];
  const process = new SimProcess<Event, Effect, never>(scheduler, new Trace(100), {
    name: "p", tickUs: 10_000, clockRate, inboxMax: 3,
    port: { persist: () => undefined, carry: (effect) => handled.push(effect.what) },
    machineFailed: (error) => failures.push(error.message),
  });
  return { scheduler, process, handled, failures };
}

test("a started machine gets recovered first, then a tick every tickUs of its local time", () => {
  const { scheduler, process, handled } = setup();
  const machine = new Recorder();
  process.start(machine, { kind: "recovered" });
  scheduler.runUntil(35_000);
  assert.deepEqual(machine.seen, ["recovered", "tick 1", "tick 2", "tick 3"]);
  assert.deepEqual(handled, machine.seen);
});

test("a fast clock ticks more often", () => {
  const { scheduler, process } = setup(1.25);
  const machine = new Recorder();
  process.start(machine, { kind: "recovered" });
  scheduler.runUntil(80_000);
  assert.equal(machine.seen.filter((what) => what.startsWith("tick")).length, 10);
  assert.equal(process.currentTick(), 10);
});

test("a paused process gets nothing; on resume the held events come in order and the clock has jumped", () => {
  const { scheduler, process } = setup();
  const machine = new Recorder();
  process.start(machine, { kind: "recovered" });
  scheduler.runUntil(15_000);
  process.pause();
  process.deliver({ kind: "hello", n: 1 });
  process.deliver({ kind: "hello", n: 2 });
  scheduler.runUntil(55_000);
  assert.deepEqual(machine.seen, ["recovered", "tick 1"]);
  process.resume();
  scheduler.runUntil(60_000);
  assert.deepEqual(machine.seen, ["recovered", "tick 1", "hello 1", "hello 2", "tick 6"]);
});

test("a crash loses the machine and what was held; a restart is a new incarnation from tick 0", () => {
  const { scheduler, process } = setup();
  const first = new Recorder();
  process.start(first, { kind: "recovered" });
  scheduler.runUntil(25_000);
  process.pause();
  process.deliver({ kind: "hello", n: 1 });
  process.crash("test");
  process.deliver({ kind: "hello", n: 2 });
  assert.equal(process.alive, false);
  const second = new Recorder();
  process.start(second, { kind: "recovered" });
  scheduler.runUntil(40_000);
  assert.deepEqual(first.seen, ["recovered", "tick 1", "tick 2"]);
  assert.deepEqual(second.seen, ["recovered", "tick 1"]);
  assert.equal(process.incarnation, 2);
});

test("a machine that throws is reported, its effects are not carried out", () => {
  const { process, handled, failures } = setup();
  process.start(new Recorder(7), { kind: "recovered" });
  process.deliver({ kind: "hello", n: 7 });
  assert.deepEqual(failures, ["invariant broken"]);
  assert.deepEqual(handled, ["recovered"]);
});

test("too many events held for a paused process is a runaway", () => {
  const { process } = setup();
  process.start(new Recorder(), { kind: "recovered" });
  process.pause();
  for (let n = 0; n < 3; n += 1) process.deliver({ kind: "hello", n });
  assert.throws(() => process.deliver({ kind: "hello", n: 3 }), /more than 3 events held/);
});

test("a durable persist reaches only the incarnation that asked for it, and waits out a pause", () => {
  const { scheduler, process } = setup();
  const heard: string[] = [];
  process.start(new Recorder(), { kind: "recovered" });
  process.pause();
  process.deliverDurable(1, () => heard.push("first"));
  assert.equal(heard.length, 0);
  process.resume();
  assert.deepEqual(heard, ["first"]);
  process.crash("test");
  process.start(new Recorder(), { kind: "recovered" });
  process.deliverDurable(1, () => heard.push("stale"));
  process.deliverDurable(2, () => heard.push("second"));
  scheduler.runUntil(1_000);
  assert.deepEqual(heard, ["first", "second"]);
});
