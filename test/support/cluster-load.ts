// A concurrent load on a cluster's coordinator for crash tests. Each writer owns its keys, and
// every value it writes is "writer:counter" with a counter that only grows, so after a crash a
// key must hold its last acknowledged value or a later one of the same writer. Writer w also owns
// group w: keys on different primaries that only its MSETs write, all with one token, so any read
// of a whole group must see one token. Readers read groups and keys all along, and every request
// goes into a history that `ringkv check` can judge (format: src/sim/history.ts).

import type { Redis } from "ioredis";
import type { HistoryEntry, HistoryOp, HistoryResult } from "../../src/sim/history.js";
import { Prng } from "../../src/sim/prng.js";
import { connectClient, sleep } from "./cluster.js";

export interface LoadPlan {
  port: number;
  /** groups[w]: the keys writer w writes together with MSET; there is one writer per group. */
  groups: string[][];
  singleKeysPerWriter: number;
  readers: number;
  seed: number;
  /** The coordinator's --password, when it has one. */
  password?: string;
}

/** After a failure, a client pauses this long, so that a down node does not make it spin. */
const ERROR_PAUSE_MS = 20;
const RECONNECT_PAUSE_MS = 50;
/** Readers pause between reads, so that they check the writes rather than crowd them out. */
const READ_PAUSE_MS = 5;
/** Every writer's MSET share: one request in MSET_EVERY is an MSET of its group. */
const MSET_EVERY = 3;

export class ClusterLoad {
  readonly history: HistoryEntry[] = [];
  /** Each key's last acknowledged value. */
  readonly acknowledged = new Map<string, string>();
  /** Reads of a whole group, during the load, that saw more than one MSET's token. */
  readonly tornReads: string[] = [];
  private running = false;
  private loops: Array<Promise<void>> = [];

  constructor(private readonly plan: LoadPlan) {}

  singleKeys(writer: number): string[] {
    return Array.from({ length: this.plan.singleKeysPerWriter }, (_, j) => `s:${writer}:${j}`);
  }

  allSingleKeys(): string[] {
    return this.plan.groups.flatMap((_, writer) => this.singleKeys(writer));
  }

  start(): void {
    this.running = true;
    const writers = this.plan.groups.map((_, w) => this.writeLoop(w));
    const readers = Array.from({ length: this.plan.readers }, (_, r) => this.readLoop(r));
    this.loops = [...writers, ...readers];
  }

  /** Stops every client after its request in flight; resolves when all are done. */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  /**
   * Reads every key of the load `rounds` times (a round of MGETs: each group, then all single keys),
   * recording the reads into `history`; the values each round found. Without a coordinator cache,
   * each request goes to the next replica in rotation, so rounds read different copies of a key.
   */
  async readEverything(rounds: number, history: HistoryEntry[]): Promise<Array<Map<string, string | null>>> {
    const client = connectClient(this.plan.port, this.plan.password);
    await client.connect();
    const found: Array<Map<string, string | null>> = [];
    try {
      for (let round = 0; round < rounds; round++) {
        const values = new Map<string, string | null>();
        for (const keys of [...this.plan.groups, this.allSingleKeys()]) {
          const invoke = nowMicros();
          const got = await client.mget(...keys);
          history.push({ client: "final", invoke, complete: nowMicros(), op: { f: "get", keys }, result: { type: "values", values: got } });
          keys.forEach((key, i) => values.set(key, got[i] ?? null));
        }
        found.push(values);
      }
    } finally {
      client.disconnect();
    }
    return found;
  }

  /** Acknowledged requests (of any kind) invoked after `sinceMicros`. */
  acknowledgedWritesSince(sinceMicros: number): number {
    return this.history.filter((entry) => entry.invoke >= sinceMicros && entry.op.f !== "get" && entry.result.type !== "error" && entry.result.type !== "unknown").length;
  }

  private async writeLoop(writer: number): Promise<void> {
    const session = new Session(this.plan.port, this.plan.password);
    const group = this.plan.groups[writer]!;
    const singles = this.singleKeys(writer);
    for (let counter = 1; this.running; counter++) {
      const value = `${writer}:${counter}`;
      if (counter % MSET_EVERY === 0) {
        const op: HistoryOp = { f: "mset", pairs: group.map((key) => [key, value]) };
        const result = await this.record(session, `w${writer}`, op, async (redis) => {
          await redis.mset(...group.flatMap((key) => [key, value]));
          return { type: "ok" };
        });
        if (result?.type === "ok") for (const key of group) this.acknowledged.set(key, value);
      } else {
        const key = singles[counter % singles.length]!;
        const result = await this.record(session, `w${writer}`, { f: "set", key, value }, async (redis) => {
          await redis.set(key, value);
          return { type: "set", written: true };
        });
        if (result?.type === "set") this.acknowledged.set(key, value);
      }
    }
    session.close();
  }

  private async readLoop(reader: number): Promise<void> {
    const session = new Session(this.plan.port, this.plan.password);
    const prng = new Prng(this.plan.seed * 100 + reader);
    const singles = this.allSingleKeys();
    while (this.running) {
      const keys = prng.chance(0.5) ? prng.pick(this.plan.groups) : [prng.pick(singles)];
      const result = await this.record(session, `r${reader}`, { f: "get", keys }, async (redis) => ({ type: "values", values: await redis.mget(...keys) }));
      if (result?.type === "values" && keys.length > 1 && new Set(result.values).size > 1) {
        this.tornReads.push(`MGET ${keys.join(" ")} -> ${JSON.stringify(result.values)}`);
      }
      await sleep(READ_PAUSE_MS);
    }
    session.close();
  }

  /** Runs one request and records it; undefined when the coordinator could not be reached. */
  private async record(session: Session, client: string, op: HistoryOp, run: (redis: Redis) => Promise<HistoryResult>): Promise<HistoryResult | undefined> {
    const redis = await session.connected();
    if (redis === undefined) {
      await sleep(RECONNECT_PAUSE_MS);
      return undefined;
    }
    const invoke = nowMicros();
    try {
      const result = await run(redis);
      this.history.push({ client, invoke, complete: nowMicros(), op, result });
      return result;
    } catch (error) {
      const result = failureOutcome(error as Error, op.f !== "get");
      if (!isReplyError(error)) session.close();
      this.history.push({ client, invoke, complete: result.type === "unknown" ? null : nowMicros(), op, result });
      await sleep(ERROR_PAUSE_MS);
      return result;
    }
  }
}

/**
 * What a failed request tells: a RESP error other than an outcome-unknown TIMEOUT changed nothing;
 * a write cut off by a lost connection may or may not have been applied.
 */
function failureOutcome(error: Error, write: boolean): HistoryResult {
  const certain = isReplyError(error) ? !/may or may not/.test(error.message) : !write;
  return certain ? { type: "error", error: error.message } : { type: "unknown", error: error.message };
}

function isReplyError(error: unknown): boolean {
  return error instanceof Error && error.name === "ReplyError";
}

/** One client's connection to the coordinator, opened again after it is lost. */
class Session {
  private redis: Redis | undefined;

  constructor(private readonly port: number, private readonly password?: string) {}

  async connected(): Promise<Redis | undefined> {
    if (this.redis !== undefined) return this.redis;
    const redis = connectClient(this.port, this.password);
    redis.on("error", () => {}); // every failure also rejects the request it hits
    try {
      await redis.connect();
    } catch {
      redis.disconnect();
      return undefined;
    }
    this.redis = redis;
    return redis;
  }

  close(): void {
    this.redis?.disconnect();
    this.redis = undefined;
  }
}

/** Microseconds on the monotonic clock: the history's time base. */
export function nowMicros(): number {
  return Math.round(performance.now() * 1000);
}

/** How many requests ended how ("ok", "values", or the error code), for a test's diagnostics. */
export function outcomeCounts(history: readonly HistoryEntry[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { result } of history) {
    const name = "error" in result ? `${result.type}:${result.error.split(" ")[0]}` : result.type;
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

/**
 * Keys whose value is not their last acknowledged one or a later one of the same writer. Values
 * are "writer:counter", and every key has a single writer.
 */
export function lostWrites(acknowledged: ReadonlyMap<string, string>, found: ReadonlyMap<string, string | null>): string[] {
  const problems: string[] = [];
  for (const [key, expected] of acknowledged) {
    const value = found.get(key) ?? null;
    const [writer, counter] = expected.split(":");
    const [foundWriter, foundCounter] = (value ?? "").split(":");
    if (value === null || foundWriter !== writer || Number(foundCounter) < Number(counter)) {
      problems.push(`${key}: acknowledged ${expected}, found ${value}`);
    }
  }
  return problems;
}

/** Groups whose keys do not all hold one token (null everywhere is fine: never written). */
export function tornGroups(groups: readonly string[][], found: ReadonlyMap<string, string | null>): string[] {
  return groups
    .filter((group) => new Set(group.map((key) => found.get(key) ?? null)).size > 1)
    .map((group) => group.map((key) => `${key}=${found.get(key) ?? null}`).join(" "));
}
