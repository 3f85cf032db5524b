import assert from "node:assert/strict";
import { test } from "node:test";
import { Driver, type DriverPort } from "./driver.js";

type Event = { kind: "ping"; n: number } | { kind: "persisted"; token: number };
type Effect = { kind: "say"; text: string } | { kind: "persist"; token: number; records: string[] };

/** A machine that, for ping n, says "before n", asks to persist "r n", and says "after n"; persisted says so. */
class Echo {
  readonly seen: string[] = [];
  step(event: Event): Effect[] {
    if (event.kind === "persisted") {
      this.seen.push(`persisted ${event.token}`);
      return [{ kind: "say", text: `durable ${event.token}` }];
    }
    this.seen.push(`ping ${event.n}`);
    return [{ kind: "say", text: `before ${event.n}` }, { kind: "persist", token: event.n, records: [`r ${event.n}`] }, { kind: "say", text: `after ${event.n}` }];
  }
}

function setup(onSay: (text: string, driver: Driver<Event, Effect, string>) => void = () => {}) {
  const machine = new Echo();
  const carried: string[] = [];
  const durables: Array<() => void> = [];
  const port: DriverPort<string, Exclude<Effect, { kind: "persist" }>> = {
    persist: (records, durable) => {
      carried.push(`persist ${records.join(",")}`);
      durables.push(durable);
    },
    carry: (effect) => {
      carried.push(effect.text);
      onSay(effect.text, driver);
    },
  };
  const steps: string[] = [];
  const driver: Driver<Event, Effect, string> = new Driver(machine, port, { afterStep: (event) => steps.push(event.kind) });
  return { machine, carried, durables, driver, steps };
}

test("a step's persists go to the port first, then its other effects in order; persisted comes only from durable()", () => {
  const { machine, carried, durables, driver, steps } = setup();
  const effects = driver.feed({ kind: "ping", n: 1 });
  assert.deepEqual(carried, ["persist r 1", "before 1", "after 1"]);
  assert.equal(effects?.length, 3);
  assert.deepEqual(machine.seen, ["ping 1"], "no persisted event before the port says the write is durable");
  durables[0]!();
  assert.deepEqual(machine.seen, ["ping 1", "persisted 1"]);
  assert.deepEqual(steps, ["ping", "persisted"]);
});

test("an event fed while effects are carried out waits its turn; the outer feed returns every step's effects", () => {
  const { machine, carried, driver } = setup((text, d) => {
    if (text === "before 1") assert.equal(d.feed({ kind: "ping", n: 2 }), undefined, "queued, not run inside the step");
  });
  const effects = driver.feed({ kind: "ping", n: 1 });
  assert.deepEqual(machine.seen, ["ping 1", "ping 2"]);
  assert.deepEqual(carried, ["persist r 1", "before 1", "after 1", "persist r 2", "before 2", "after 2"]);
  assert.deepEqual(effects?.filter((e) => e.kind === "say").map((e) => e.kind === "say" && e.text), ["before 1", "after 1", "before 2", "after 2"]);
});

test("a port that reports a write durable at once feeds persisted after the step, not inside it", () => {
  const machine = new Echo();
  const immediate = new Driver<Event, Effect, string>(machine, {
    persist: (_records, durable) => durable(),
    carry: () => {},
  });
  immediate.feed({ kind: "ping", n: 5 });
  assert.deepEqual(machine.seen, ["ping 5", "persisted 5"]);
});
