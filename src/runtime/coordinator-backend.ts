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
import { bulk, bulkOrNil, integer, NIL, OK_REPLY, errorReply, type CommandReply } from "../core/commands/reply.js";
import type { Command } from "../core/commands/index.js";
import type { Backend, ExtraCommand, InfoSections, MaybePromise } from "../server/backend.js";

interface SetOptions {
  /** NX: write only if the key is absent; XX: only if present. */
  condition?: "NX" | "XX";
  /** GET: also return the value the key had before (null if none). */
  returnPrevious?: boolean;
}

interface SetResult {
  /** False when NX/XX prevented the write. */
  written: boolean;
  /** The previous value, when returnPrevious was asked for. */
  previous?: Buffer | null;
}

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

  /**
   * The commands the coordinator machine runs today (GET, MGET, EXISTS, SET with NX/XX/GET,
   * SETNX, GETSET, MSET, DEL, and an EXEC of at most one of them); the rest of
   * src/core/commands answers a clear error until the machine runs executeCommand itself.
   */
  command(command: Command): MaybePromise<CommandReply> {
    switch (command.kind) {
      case "get": return then(this.get(asBuffer(command.key)), bulkOrNil);
      case "mget": return then(this.mget(command.keys.map(asBuffer)), (values) => ({ kind: "array", items: values.map(bulkOrNil) }));
      case "exists": return then(this.exists(command.keys.map(asBuffer)), integer);
      case "del": return then(this.del(command.keys.map(asBuffer)), integer);
      case "mset":
        if (command.onlyIfNoneExist) break;
        return then(this.mset(command.pairs.map(([key, value]) => [asBuffer(key), asBuffer(value)])), () => OK_REPLY);
      case "set": return this.plainSet(command) ?? unsupported(command.name);
      case "exec": return this.exec(command);
      default: break;
    }
    return unsupported(commandName(command));
  }

  private plainSet(command: Extract<Command, { kind: "set" }>): MaybePromise<CommandReply> | undefined {
    if (command.expiry !== undefined || command.keepTtl) return undefined;
    const options: SetOptions = { condition: command.condition, returnPrevious: command.get };
    return then(this.set(asBuffer(command.key), asBuffer(command.value), options), (result): CommandReply => {
      if (command.get) return result.previous ? bulk(result.previous) : NIL;
      if (command.replyAs === "integer") return integer(result.written ? 1 : 0);
      return result.written ? OK_REPLY : NIL;
    });
  }

  /** EXEC of more than one data command would need them in one transaction: not yet. */
  private exec(command: Extract<Command, { kind: "exec" }>): MaybePromise<CommandReply> {
    const queued = command.commands;
    if (queued.length > 1) {
      return errorReply("ERR", "EXEC of more than one data command is not supported by the cluster coordinator yet");
    }
    const only = queued[0];
    if (only === undefined || only.kind === "error") return { kind: "array", items: only ? [only] : [] };
    return then(this.command(only), (reply) => ({ kind: "array", items: [reply] }));
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

function unsupported(name: string): CommandReply {
  return errorReply("ERR", `'${name}' is not supported by the cluster coordinator yet`);
}

/** The command's name for a message (the kind, or the name it was given by). */
function commandName(command: Command): string {
  return "name" in command ? command.name : command.kind.toLowerCase();
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function toRingkvError(error: ClientError): RingkvError {
  const suffix = error.outcomeUnknown ? " (the write may or may not have been applied)" : "";
  return new RingkvError(error.code, error.message + suffix);
}

/** Applies `map` to a value now, or to a promised value when it comes. */
function then<T, U>(value: MaybePromise<T>, map: (value: T) => U): MaybePromise<U> {
  return value instanceof Promise ? value.then(map) : map(value);
}
