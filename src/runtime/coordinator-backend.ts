// The coordinator's Backend: turns each RESP command into a client event for the coordinator
// machine and resolves when the machine replies (or fails) for that request id.

import type { ClientError, ClientOp, ClientResult, CoordinatorEvent } from "../core/cluster/types.js";
import { RingkvError } from "../core/errors.js";
import type { Backend, ExtraCommand, InfoSections, SetOptions, SetResult } from "../server/backend.js";

interface Pending {
  resolve(result: ClientResult): void;
  reject(error: RingkvError): void;
}

export interface CoordinatorBackendOptions {
  feed(event: CoordinatorEvent): void;
  currentTick(): number;
  deadlineTicks: number;
  info(): InfoSections;
  extraCommands: ExtraCommand[];
  dbsize(): Promise<number>;
}

export class CoordinatorBackend implements Backend {
  private nextRequestId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly options: CoordinatorBackendOptions) {}

  /** Called by the runtime for the machine's reply effects. */
  settle(requestId: number, outcome: { result: ClientResult } | { error: ClientError }): void {
    const pending = this.pending.get(requestId);
    if (pending === undefined) return;
    this.pending.delete(requestId);
    if ("result" in outcome) pending.resolve(outcome.result);
    else {
      const suffix = outcome.error.outcomeUnknown ? " (the write may or may not have been applied)" : "";
      pending.reject(new RingkvError(outcome.error.code, outcome.error.message + suffix));
    }
  }

  async get(key: Buffer): Promise<Buffer | null> {
    return (await this.values({ kind: "get", keys: [key] }))[0] ?? null;
  }

  mget(keys: Buffer[]): Promise<Array<Buffer | null>> {
    return this.values({ kind: "get", keys });
  }

  async exists(keys: Buffer[]): Promise<number> {
    return this.count({ kind: "exists", keys });
  }

  async set(key: Buffer, value: Buffer, options: SetOptions): Promise<SetResult> {
    const result = await this.request({ kind: "set", key, value, condition: options.condition, returnPrevious: options.returnPrevious });
    if (result.kind !== "set") throw new Error(`coordinator answered set with ${result.kind}`);
    const previous = result.previous === undefined || result.previous === null ? result.previous : Buffer.from(result.previous);
    return options.returnPrevious ? { written: result.written, previous: previous ?? null } : { written: result.written };
  }

  async mset(pairs: Array<[Buffer, Buffer]>): Promise<void> {
    await this.request({ kind: "mset", pairs });
  }

  del(keys: Buffer[]): Promise<number> {
    return this.count({ kind: "del", keys });
  }

  dbsize(): Promise<number> {
    return this.options.dbsize();
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

  private async values(op: ClientOp): Promise<Array<Buffer | null>> {
    const result = await this.request(op);
    if (result.kind !== "values") throw new Error(`coordinator answered ${op.kind} with ${result.kind}`);
    return result.values.map((value) => (value === null ? null : Buffer.from(value.buffer, value.byteOffset, value.byteLength)));
  }

  private async count(op: ClientOp): Promise<number> {
    const result = await this.request(op);
    if (result.kind !== "count") throw new Error(`coordinator answered ${op.kind} with ${result.kind}`);
    return result.count;
  }

  private request(op: ClientOp): Promise<ClientResult> {
    const requestId = this.nextRequestId++;
    return new Promise((resolve, reject) => {
      this.pending.set(requestId, { resolve, reject });
      this.options.feed({ kind: "client", requestId, op, deadlineTick: this.options.currentTick() + this.options.deadlineTicks });
    });
  }
}
