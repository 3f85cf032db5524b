// The coordinator's Backend: turns each RESP command into a client event for the coordinator
// machine and resolves when the machine replies (or fails) for that request id.
//
// A request the machine answers in the very step that received it (a read served from the
// coordinator's cache or from a decided write, or a request refused at once) is answered
// synchronously, from that step's effects: the front end then encodes the reply in the same pass,
// with no promise and no pending record (see server/backend.ts). Everything else settles later,
// when the machine replies.

import type { ClientError, ClientOp, ClientResult, CoordinatorEffect, CoordinatorEvent } from "../core/cluster/types.js";
import { RingkvError } from "../shared/errors.js";
import type { Backend, ExtraCommand, InfoSections, MaybePromise, SetOptions, SetResult } from "../server/backend.js";

interface Pending {
  resolve(result: ClientResult): void;
  reject(error: RingkvError): void;
}

type Outcome = { result: ClientResult } | { error: ClientError };

export interface CoordinatorBackendOptions {
  /** Feeds the machine; returns the step's effects when it ran at once (the driver's feed). */
  feed(event: CoordinatorEvent): readonly CoordinatorEffect[] | undefined;
  currentTick(): number;
  deadlineTicks: number;
  info(): InfoSections;
  extraCommands: ExtraCommand[];
  /** A key count at most a little old, for INFO. */
  infoKeyCount(): Promise<number>;
}

export class CoordinatorBackend implements Backend {
  private nextRequestId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly options: CoordinatorBackendOptions) {}

  /** Called by the runtime for the machine's reply effects (one for a request answered at once finds nothing pending). */
  settle(requestId: number, outcome: Outcome): void {
    const pending = this.pending.get(requestId);
    if (pending === undefined) return;
    this.pending.delete(requestId);
    if ("result" in outcome) pending.resolve(outcome.result);
    else pending.reject(toRingkvError(outcome.error));
  }

  get(key: Buffer): MaybePromise<Buffer | null> {
    return then(this.values({ kind: "get", keys: [key] }), (values) => values[0] ?? null);
  }

  mget(keys: Buffer[]): MaybePromise<Array<Buffer | null>> {
    return this.values({ kind: "get", keys });
  }

  exists(keys: Buffer[]): MaybePromise<number> {
    return this.count({ kind: "exists", keys });
  }

  set(key: Buffer, value: Buffer, options: SetOptions): MaybePromise<SetResult> {
    const op: ClientOp = { kind: "set", key, value, condition: options.condition, returnPrevious: options.returnPrevious };
    return then(this.request(op), (result) => {
      if (result.kind !== "set") throw new Error(`coordinator answered set with ${result.kind}`);
      const previous = result.previous === undefined || result.previous === null ? result.previous : Buffer.from(result.previous);
      return options.returnPrevious ? { written: result.written, previous: previous ?? null } : { written: result.written };
    });
  }

  mset(pairs: Array<[Buffer, Buffer]>): MaybePromise<void> {
    return then(this.request({ kind: "mset", pairs }), () => undefined);
  }

  del(keys: Buffer[]): MaybePromise<number> {
    return this.count({ kind: "del", keys });
  }

  dbsize(): MaybePromise<number> {
    return this.count({ kind: "dbsize" });
  }

  infoKeyCount(): Promise<number> {
    return this.options.infoKeyCount();
  }

  info(): InfoSections {
    return this.options.info();
  }

  extraCommands(): ExtraCommand[] {
    return this.options.extraCommands;
  }

  /** Fails every request still waiting (the coordinator is stopping). */
  failAll(message: string): void {
    for (const [requestId] of this.pending) this.settle(requestId, { error: { code: "TRYAGAIN", message } });
  }

  private values(op: ClientOp): MaybePromise<Array<Buffer | null>> {
    return then(this.request(op), (result) => {
      if (result.kind !== "values") throw new Error(`coordinator answered ${op.kind} with ${result.kind}`);
      return result.values.map((value) => (value === null ? null : Buffer.from(value.buffer, value.byteOffset, value.byteLength)));
    });
  }

  private count(op: ClientOp): MaybePromise<number> {
    return then(this.request(op), (result) => {
      if (result.kind !== "count") throw new Error(`coordinator answered ${op.kind} with ${result.kind}`);
      return result.count;
    });
  }

  /** The machine's answer: at once if it came in the step that took the request, else a promise. */
  private request(op: ClientOp): MaybePromise<ClientResult> {
    const requestId = this.nextRequestId++;
    const effects = this.options.feed({ kind: "client", requestId, op, deadlineTick: this.options.currentTick() + this.options.deadlineTicks });
    const outcome = effects === undefined ? undefined : outcomeIn(effects, requestId);
    if (outcome !== undefined) {
      if ("result" in outcome) return outcome.result;
      throw toRingkvError(outcome.error);
    }
    return new Promise((resolve, reject) => this.pending.set(requestId, { resolve, reject }));
  }
}

/** The reply or failure for `requestId` among a step's effects, if it is there. */
function outcomeIn(effects: readonly CoordinatorEffect[], requestId: number): Outcome | undefined {
  for (const effect of effects) {
    if (effect.kind === "reply" && effect.requestId === requestId) return { result: effect.result };
    if (effect.kind === "fail" && effect.requestId === requestId) return { error: effect.error };
  }
  return undefined;
}

function toRingkvError(error: ClientError): RingkvError {
  const suffix = error.outcomeUnknown ? " (the write may or may not have been applied)" : "";
  return new RingkvError(error.code, error.message + suffix);
}

/** Applies `map` to a value now, or to a promised value when it comes. */
function then<T, U>(value: MaybePromise<T>, map: (value: T) => U): MaybePromise<U> {
  return value instanceof Promise ? value.then(map) : map(value);
}
