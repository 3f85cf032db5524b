// One simulated process: a machine, its disk, its clock, and its life. It is started (a fresh
// machine fed `recovered` from the durable state), crashed (the machine and everything in flight to
// it are gone), paused (nothing delivered, no ticks: a stopped VM or a long GC) and resumed (what
// arrived meanwhile is delivered in order, and the clock has moved on).
//
// Its clock runs at its own rate (skew). Ticks come every tickUs of local time and carry the local
// time in ticks, so a tick after a pause jumps forward, as a runtime reading a monotonic clock would.

import { Driver, type DriverPort } from "../core/driver.js";
import type { Scheduler } from "./scheduler.js";
import type { Trace } from "./trace.js";

export interface Machine<Event, Effect> {
  step(event: Event): Effect[];
  assertInvariants(): void;
}

export interface ProcessOptions<Effect extends { kind: string }, PersistRecord> {
  name: string;
  tickUs: number;
  /** Local clock rate (1 = exact). */
  clockRate: number;
  /** Most events held for a paused process; more is a runaway simulation. */
  inboxMax: number;
  /**
   * The simulated side of the driver's port: the cluster's disk and network. Its persist hands
   * `durable` back through deliverDurable(), so a crash or a pause in between is respected.
   */
  port: DriverPort<PersistRecord, Exclude<Effect, { kind: "persist" }>>;
  /** A machine threw (an assertion failed): the run stops with this as a failure. */
  machineFailed: (error: Error) => void;
}

export class SimProcess<Event extends { kind: string }, Effect extends { kind: string }, PersistRecord> {
  #driver: Driver<Event, Effect, PersistRecord> | undefined;
  #incarnation = 0;
  #paused = false;
  #startedAtUs = 0;
  /** What arrived while paused, in order: events, and persists that became durable. */
  #inbox: Array<() => void> = [];
  #lastEvent: Event | undefined;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly trace: Trace,
    private readonly options: ProcessOptions<Effect, PersistRecord>,
  ) {}

  get name(): string {
    return this.options.name;
  }

  get alive(): boolean {
    return this.#driver !== undefined;
  }

  /** The event whose step's effects are being carried out (plants look at the cause of a reply). */
  get lastEvent(): Event | undefined {
    return this.#lastEvent;
  }

  get paused(): boolean {
    return this.#paused;
  }

  /** Bumped at every start: work scheduled for an older incarnation checks it and does nothing. */
  get incarnation(): number {
    return this.#incarnation;
  }

  /** The local clock, in ticks since this incarnation started. */
  currentTick(): number {
    const localUs = (this.scheduler.nowUs - this.#startedAtUs) * this.options.clockRate;
    return Math.floor(localUs / this.options.tickUs);
  }

  /** Starts a fresh machine under the one driver and feeds it `first` (its recovered event); ticks begin. */
  start(machine: Machine<Event, Effect>, first: Event): void {
    if (this.alive) throw new Error(`sim: ${this.name} started while running`);
    this.#driver = new Driver<Event, Effect, PersistRecord>(machine, this.options.port, {
      afterStep: (event, effects) => {
        machine.assertInvariants();
        const nowUs = this.scheduler.nowUs;
        this.trace.record(nowUs, `${this.name} <- `, event);
        for (const effect of effects) this.trace.record(nowUs, `${this.name} -> `, effect);
        this.#lastEvent = event;
      },
    });
    this.#incarnation += 1;
    this.#paused = false;
    this.#inbox = [];
    this.#startedAtUs = this.scheduler.nowUs;
    this.trace.record(this.scheduler.nowUs, `! ${this.name} start #${this.#incarnation}`);
    this.deliver(first);
    this.#scheduleTick(1);
  }

  crash(why: string): void {
    if (!this.alive) return;
    this.trace.record(this.scheduler.nowUs, `! ${this.name} crash #${this.#incarnation}: ${why}`);
    this.#driver = undefined;
    this.#paused = false;
    this.#inbox = [];
  }

  pause(): void {
    if (!this.alive || this.#paused) return;
    this.trace.record(this.scheduler.nowUs, `! ${this.name} pause`);
    this.#paused = true;
  }

  resume(): void {
    if (!this.#paused) return;
    this.trace.record(this.scheduler.nowUs, `! ${this.name} resume (${this.#inbox.length} waiting)`);
    this.#paused = false;
    const waiting = this.#inbox;
    this.#inbox = [];
    for (const arrived of waiting) arrived();
  }

  /** Feeds `event` now (held while paused; lost if the process is down). */
  deliver(event: Event): void {
    this.#whenRunning(() => this.#run(() => this.#driver!.feed(event)));
  }

  /** A persist of incarnation `incarnation` is durable: its machine hears it (a later incarnation does not). */
  deliverDurable(incarnation: number, durable: () => void): void {
    if (incarnation !== this.#incarnation) return;
    this.#whenRunning(() => this.#run(durable));
  }

  #whenRunning(arrive: () => void): void {
    if (!this.alive) return;
    if (!this.#paused) return arrive();
    if (this.#inbox.length >= this.options.inboxMax) throw new Error(`sim: more than ${this.options.inboxMax} events held for paused ${this.name}`);
    this.#inbox.push(() => {
      if (this.alive) arrive();
    });
  }

  /** Runs a feed of the driver; a machine that throws (a broken invariant) halts the run. */
  #run(feed: () => void): void {
    try {
      feed();
    } catch (error) {
      this.options.machineFailed(error instanceof Error ? error : new Error(String(error)));
    } finally {
      this.#lastEvent = undefined;
    }
  }

  /** Tick `n` of this incarnation falls at local time n * tickUs. */
  #scheduleTick(n: number): void {
    const incarnation = this.#incarnation;
    const atUs = this.#startedAtUs + Math.ceil((n * this.options.tickUs) / this.options.clockRate);
    this.scheduler.at(Math.max(atUs, this.scheduler.nowUs), () => {
      if (this.#incarnation !== incarnation || !this.alive) return;
      const tick = this.currentTick();
      // Both machines' event unions have this tick event.
      if (!this.#paused) this.#run(() => this.#driver!.feed({ kind: "tick", tick } as unknown as Event));
      this.#scheduleTick(Math.max(n, tick) + 1);
    });
  }
}
