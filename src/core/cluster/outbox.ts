// Collects the effects of one step() and remembers what to do when each persist becomes durable.
// "Log before you speak" rests on this: work that may only happen after a record is on disk is
// registered as the persist's continuation and runs when (and only if) its `persisted` event comes.
// A crash is a persisted event that never comes, so the continuation never runs.

import type { CoordinatorEffect, CoordinatorRecord, LogEffect, LogLevel } from "./types.js";

interface PersistEffect<PersistRecord> {
  kind: "persist";
  token: number;
  records: PersistRecord[];
}

export class Outbox<PersistRecord, Effect> {
  #effects: Array<Effect | LogEffect | PersistEffect<PersistRecord>> = [];
  #nextToken = 1;
  readonly #continuations = new Map<number, () => void>();

  push(effect: Effect): void {
    this.#effects.push(effect);
  }

  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void {
    this.#effects.push(fields === undefined ? { kind: "log", level, message } : { kind: "log", level, message, fields });
  }

  /** Asks for `records` to be made durable (one atomic write); `then` runs at its `persisted` event. */
  persist(records: PersistRecord[], then: () => void): void {
    const token = this.#nextToken;
    this.#nextToken += 1;
    this.#continuations.set(token, then);
    this.#effects.push({ kind: "persist", token, records });
  }

  /** Runs the continuation of persist `token`. An unknown or repeated token is a driver bug. */
  persisted(token: number): void {
    const then = this.#continuations.get(token);
    if (then === undefined) throw new Error(`persisted event for token ${token}, which is not pending`);
    this.#continuations.delete(token);
    then();
  }

  /** Persists asked for whose `persisted` event has not come yet. */
  get persistsPending(): number {
    return this.#continuations.size;
  }

  /** The effects collected since the last take(), in order. */
  take(): Array<Effect | LogEffect | PersistEffect<PersistRecord>> {
    const effects = this.#effects;
    this.#effects = [];
    return effects;
  }
}

/** The coordinator's outbox (here rather than in coordinator-context.ts, which imports membership.ts). */
export type CoordinatorOutbox = Outbox<CoordinatorRecord, CoordinatorEffect>;
