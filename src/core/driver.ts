// The one driver of every machine (DESIGN.md §3): it feeds a machine events one at a time and
// carries out each step's effects over a port. The real runtime (TCP, LMDB, timers), the simulator
// (simulated network, disk and clock) and the scenario tests (a scripted port) implement the port;
// the driver is the same code in all three.
//
// A step's effects are one batch, carried out as etcd's raft `Ready` is: its persists are handed
// to the port first, then every other effect in the order the machine emitted it. "Log before you
// speak" does not rest on that order but on the machines: a message or reply that may only follow
// a durable record is emitted in the step of that record's `persisted` event, which the port
// triggers (durable()) once the record is on disk, never earlier.
//
// Events that arrive while a step's effects are being carried out (a port that answers at once, as
// an in-process participant does) wait in a queue and run after it, so a machine never re-enters.

export interface Machine<Event, Effect> {
  step(event: Event): Effect[];
}

export interface PersistEffect<PersistRecord> {
  kind: "persist";
  token: number;
  records: PersistRecord[];
}

export interface DriverPort<PersistRecord, Effect> {
  /** Make `records` durable as one atomic write, then call durable() (not before; never if it fails). */
  persist(records: PersistRecord[], durable: () => void): void;
  /** Carry out any other effect: a message, a reply, a log line, an admission decision. */
  carry(effect: Effect): void;
}

export interface DriverOptions<Event, Effect> {
  /**
   * Called after every step, before its effects are carried out: the simulator traces the step
   * and checks the machine's invariants here, the scenario tests check them too.
   */
  afterStep?: (event: Event, effects: readonly Effect[]) => void;
}

/** Queued events at most; more means a port feeds events in a loop (a bug). */
const QUEUED_EVENTS_MAX = 1_000_000;

export class Driver<Event extends { kind: string }, Effect extends { kind: string }, PersistRecord> {
  #queue: Event[] = [];
  #draining = false;

  constructor(
    private readonly machine: Machine<Event, Effect>,
    private readonly port: DriverPort<PersistRecord, Exclude<Effect, { kind: "persist" }>>,
    private readonly options: DriverOptions<Event, Effect> = {},
  ) {}

  /**
   * Feeds `event`. Returns the effects of its step and of every step it led to before returning
   * (events a port fed back at once, e.g. an in-process participant's answer), so that a caller can
   * pick out the reply to a request it just made; or undefined when the event was queued behind a
   * step whose effects are still being carried out.
   */
  feed(event: Event): readonly Effect[] | undefined {
    if (this.#draining) {
      if (this.#queue.length >= QUEUED_EVENTS_MAX) throw new Error(`driver: more than ${QUEUED_EVENTS_MAX} events queued`);
      this.#queue.push(event);
      return undefined;
    }
    this.#draining = true;
    try {
      let effects = this.#run(event);
      for (let next = this.#queue.shift(); next !== undefined; next = this.#queue.shift()) effects = effects.concat(this.#run(next));
      return effects;
    } finally {
      this.#draining = false;
      this.#queue = [];
    }
  }

  #run(event: Event): Effect[] {
    const effects = this.machine.step(event);
    this.options.afterStep?.(event, effects);
    for (const effect of effects) {
      if (isPersist<PersistRecord>(effect)) {
        const { token } = effect;
        this.port.persist(effect.records, () => this.feed({ kind: "persisted", token } as unknown as Event));
      }
    }
    for (const effect of effects) if (!isPersist<PersistRecord>(effect)) this.port.carry(effect as Exclude<Effect, { kind: "persist" }>);
    return effects;
  }
}

function isPersist<PersistRecord>(effect: { kind: string }): effect is PersistEffect<PersistRecord> {
  return effect.kind === "persist";
}
