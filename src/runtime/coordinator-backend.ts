// The coordinator's Backend: turns each command of src/core/commands into a client event for the
// coordinator machine and resolves when the machine replies (or fails) for that request id.
//
// Values are stored as entries (src/core/commands/entry.ts). How each command reaches the machine:
// - a command that only reads (GET, MGET, EXISTS, TTL, TYPE, HGET, ...) is a linearizable read of
//   its keys (the machine's `get`), then executeCommand over the entries here, at this process's
//   clock — the coordinator's clock, the one every expiry in the cluster is judged by;
// - SET without options and MSET write values that do not depend on what the keys hold: the
//   machine's `set` / `mset`, with each value encoded as a string entry (one round of 2PC);
// - every other write (INCR, APPEND, SET NX/EX/GET, DEL, EXPIRE, HSET, EXEC, ...) is the machine's
//   `command`: its keys are locked, read from in-sync replicas, the command runs there and its
//   writes commit by 2PC (PROTOCOL.md, Read-modify-write).
//
// A request the machine answers in the very step that received it (a read served from the
// coordinator's cache or from a decided write, or a request refused at once) is answered
// synchronously, from that step's effects: the front end then encodes the reply in the same pass,
// with no promise and no pending record (see server/backend.ts). Everything else settles later,
// when the machine replies.

import type { ClientError, ClientOp, ClientResult, CoordinatorEffect, CoordinatorEvent } from "../core/cluster/types.js";
import { RingkvError } from "../shared/errors.js";
import { decodeEntry, encodeEntry, EntryFormatError, executeCommand, planCommand, refuseOverValueLimit, type Command, type Entry } from "../core/commands/index.js";
import { bulk, errorReply, NIL, OK_REPLY, type CommandReply } from "../core/commands/reply.js";
import type { ScanOptions } from "../core/commands/scan-options.js";
import type { Backend, CommandOptions, ExtraCommand, InfoSections, MaybePromise, ScanPage } from "../server/backend.js";
import { ClusterScans, type KeysChunk } from "./coordinator-scans.js";

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
  /** Largest string, or encoded hash, one key may hold. */
  valueBytesMax: number;
  /** Most bytes of keys and values one command may write (what one decision record holds). */
  writeBytesMax?: number;
  /** The coordinator's wall clock, ms since the Unix epoch (default Date.now). */
  nowMs?: () => number;
}

export class CoordinatorBackend implements Backend {
  private nextRequestId = 1;
  private readonly pending = new Map<number, Pending>();
  /** The latest time read: expiry is judged on a clock that never goes back here. */
  private lastNowMs = 0;
  private readonly scans = new ClusterScans((partition, after, bytesMax) => this.keysChunk(partition, after, bytesMax), () => this.nowMs());

  constructor(private readonly options: CoordinatorBackendOptions) {}

  /** Called by the runtime for the machine's reply effects (one for a request answered at once finds nothing pending). */
  settle(requestId: number, outcome: Outcome): void {
    const pending = this.pending.get(requestId);
    if (pending === undefined) return;
    this.pending.delete(requestId);
    if ("result" in outcome) pending.resolve(outcome.result);
    else pending.reject(toRingkvError(outcome.error));
  }

  command(command: Command, options: CommandOptions = {}): MaybePromise<CommandReply> {
    if (options.watched !== undefined && options.watched.length > 0) {
      return errorReply("ERR", "WATCH is not supported by the cluster coordinator yet: EXEC with watched keys would not know whether they changed");
    }
    if (command.kind === "get") return this.getOne(command.key);
    if (command.kind === "set" && isPlainSet(command)) {
      const refused = this.refuseValue(command.value);
      if (refused !== undefined) return refused;
      return then(this.request({ kind: "set", key: command.key, value: stringEntry(command.value) }), () => OK_REPLY);
    }
    if (command.kind === "mset" && !command.onlyIfNoneExist) {
      for (const [, value] of command.pairs) {
        const refused = this.refuseValue(value);
        if (refused !== undefined) return refused;
      }
      const pairs = command.pairs.map(([key, value]): [Uint8Array, Uint8Array] => [key, stringEntry(value)]);
      return then(this.request({ kind: "mset", pairs }), () => OK_REPLY);
    }
    const plan = planCommand(command);
    if (plan.keys.length === 0) return executeCommand(command, [], this.nowMs(), { valueBytesMax: this.options.valueBytesMax }).reply;
    if (plan.write) {
      const { valueBytesMax, writeBytesMax } = this.options;
      const op: ClientOp = { kind: "command", command, nowMs: this.nowMs(), valueBytesMax, ...(writeBytesMax === undefined ? {} : { writeBytesMax }) };
      return then(this.request(op), (result) => {
        if (result.kind !== "reply") throw new Error(`coordinator answered a command with ${result.kind}`);
        return result.reply;
      });
    }
    return then(this.values({ kind: "get", keys: plan.keys }), (values) => {
      const entries = decodeAll(values);
      if (!Array.isArray(entries)) return entries;
      return executeCommand(command, entries, this.nowMs(), { valueBytesMax: this.options.valueBytesMax }).reply;
    });
  }

  dbsize(): MaybePromise<number> {
    return then(this.request({ kind: "dbsize" }), (result) => {
      if (result.kind !== "count") throw new Error(`coordinator answered dbsize with ${result.kind}`);
      return result.count;
    });
  }

  scan(cursor: bigint, options: ScanOptions): Promise<ScanPage> {
    return this.scans.scan(cursor, options);
  }

  keys(pattern: Uint8Array): Promise<Buffer[]> {
    return this.scans.keys(pattern);
  }

  randomKey(): Promise<Buffer | null> {
    return this.scans.randomKey();
  }

  /** RINGKV REPAIR: starts a repair round, or names the one running. */
  repair(): MaybePromise<{ round: number; started: boolean }> {
    return then(this.request({ kind: "repair" }), (result) => {
      if (result.kind !== "repair") throw new Error(`coordinator answered repair with ${result.kind}`);
      return { round: result.round, started: result.started };
    });
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

  /** RINGKV REMOVE: resolves once the removal has started (durably), rejects with the coordinator's reason. */
  removeNode(nodeId: string, dead: boolean): MaybePromise<"OK"> {
    return then(this.request({ kind: "removeNode", nodeId, dead }), () => "OK" as const);
  }

  /** Fails every request still waiting (the coordinator is stopping). */
  failAll(message: string): void {
    for (const [requestId] of this.pending) this.settle(requestId, { error: { code: "TRYAGAIN", message } });
  }

  /** GET, the hot path: a string entry without a deadline is answered without running the executor. */
  private getOne(key: Uint8Array): MaybePromise<CommandReply> {
    return then(this.values({ kind: "get", keys: [key] }), ([value]) => {
      if (value === null || value === undefined) return NIL;
      if (value[0] === STRING_TAG) return bulk(value.subarray(1));
      const entries = decodeAll([value]);
      if (!Array.isArray(entries)) return entries;
      return executeCommand({ kind: "get", key }, entries, this.nowMs()).reply;
    });
  }

  /** What executeCommand answers for a value over the limit, for the writes that skip it (plain SET, MSET). */
  private refuseValue(value: Uint8Array): CommandReply | undefined {
    return refuseOverValueLimit(value.length, this.options.valueBytesMax);
  }

  private nowMs(): number {
    this.lastNowMs = Math.max(this.lastNowMs, (this.options.nowMs ?? Date.now)());
    return this.lastNowMs;
  }

  private async keysChunk(partition: number, after: Uint8Array | null, bytesMax: number): Promise<KeysChunk> {
    const result = await this.request({ kind: "scanKeys", partition, after, bytesMax });
    if (result.kind !== "keys") throw new Error(`coordinator answered scanKeys with ${result.kind}`);
    return result;
  }

  private values(op: ClientOp): MaybePromise<Array<Uint8Array | null>> {
    return then(this.request(op), (result) => {
      if (result.kind !== "values") throw new Error(`coordinator answered ${op.kind} with ${result.kind}`);
      return result.values;
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

/** The tag byte of a string entry without a deadline (entry.ts): the value is the rest. */
const STRING_TAG = 0x01;

/** SET with no condition, no expiry, no KEEPTTL and no GET: its write does not depend on the key. */
function isPlainSet(command: Extract<Command, { kind: "set" }>): boolean {
  return command.condition === undefined && command.expiry === undefined && !command.keepTtl && !command.get && command.replyAs === "ok";
}

function stringEntry(value: Uint8Array): Uint8Array {
  return encodeEntry({ kind: "string", value });
}

/** The entries the values hold, or an error reply for bytes that are not an entry. */
function decodeAll(values: ReadonlyArray<Uint8Array | null>): Array<Entry | null> | CommandReply {
  try {
    return values.map((value) => (value === null ? null : decodeEntry(value)));
  } catch (error) {
    if (!(error instanceof EntryFormatError)) throw error;
    return errorReply("ERR", `a key holds bytes that are not an entry (${error.message})`);
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
