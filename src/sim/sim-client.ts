// A simulated client: one request at a time, each with a deadline, retrying what the cluster says
// is safe to retry (TRYAGAIN, CLUSTERDOWN, a refused connection: nothing was done) after a backoff,
// as the real client does. Every attempt is its own history entry, with its own unique value.
// An answer that never comes (deadline passed, connection lost after sending) is an unknown outcome.
// A scan is one history entry made of many requests, a chunk of one partition's keys each, as the
// coordinator's front end strings them into a SCAN cursor (runtime/coordinator-scans.ts); a chunk
// that fails fails the scan, and a retry scans again from the start.

import type { ClientError, ClientOp, ClientResult } from "../core/cluster/types.js";
import { isWrite, type HistoryEntry, type HistoryOp, type HistoryRecorder, type HistoryResult } from "./history.js";
import type { Prng } from "./prng.js";
import type { Scheduler } from "./scheduler.js";
import type { CommandReply } from "../core/commands/index.js";
import { entryToText, textToEntry } from "./entry-text.js";
import { textToBytes } from "./trace.js";
import { keyString } from "../core/cluster/key-string.js";

export type Outcome =
  | { kind: "result"; result: ClientResult }
  | { kind: "error"; error: ClientError }
  /** No connection to the coordinator: the request was never sent. */
  | { kind: "refused" }
  /** The connection closed after the request was sent. */
  | { kind: "lost" };

/** One request of a scan: the keys of `partition` after `after`, a chunk of them. */
export interface ScanChunkOp {
  f: "scanChunk";
  partition: number;
  after: string | null;
}

/** What a client sends: an op of the history, or a chunk of a scan's. */
export type WireOp = HistoryOp | ScanChunkOp;

/** Bytes of keys and values a scan's chunk may carry: a few keys, so that a partition takes several chunks. */
const SCAN_CHUNK_BYTES = 48;

/** How a client reaches the coordinator. */
export interface ClientPort {
  /** Sends `op`; its outcome comes back through the client's `answer`. Returns the request id. */
  send(client: SimClient, op: WireOp): number;
  /** The client stopped waiting for `requestId` (its deadline passed). */
  abandon(requestId: number): void;
}

export interface ClientOptions {
  /** Logical requests to make (retries of one request do not count). */
  requests: number;
  /** Pause between requests: uniform in [0, thinkMaxUs]. */
  thinkMaxUs: number;
  /** How long the client waits for an answer. */
  timeoutUs: number;
  /** Extra attempts of one request after a retryable failure. */
  retriesMax: number;
  backoffMaxUs: number;
}

interface Waiting {
  requestId: number;
  entry: HistoryEntry;
  attempt: number;
  /** A scan's place: the partition (an index into its op's) and key it goes on from, and the keys it was given so far. */
  scan?: { partitionIndex: number; after: string | null; keys: string[] };
}

export class SimClient {
  #requestsMade = 0;
  #sequence = 0;
  #waiting: Waiting | undefined;
  #done = false;

  constructor(
    readonly name: string,
    private readonly scheduler: Scheduler,
    private readonly prng: Prng,
    private readonly port: ClientPort,
    private readonly history: HistoryRecorder,
    private readonly options: ClientOptions,
    /** The next request, given a value unique to it; undefined when there is no more to do. */
    private readonly nextOp: (value: string, index: number) => HistoryOp | undefined,
  ) {}

  get done(): boolean {
    return this.#done;
  }

  start(): void {
    this.#afterThinking();
  }

  /** The answer to `requestId` (ignored if the client gave up on it). */
  answer(requestId: number, outcome: Outcome): void {
    const waiting = this.#waiting;
    if (waiting === undefined || waiting.requestId !== requestId) return;
    this.#waiting = undefined;
    const { scan } = waiting;
    let result: HistoryResult;
    if (scan !== undefined && outcome.kind === "result" && outcome.result.kind === "keys") {
      const { entries, next } = outcome.result;
      scan.keys.push(...entries.map((entry) => keyString(entry.key)));
      if (next !== null) {
        scan.after = keyString(next);
      } else {
        scan.partitionIndex += 1;
        scan.after = null;
      }
      const { op } = waiting.entry;
      if (op.f === "scan" && scan.partitionIndex < op.partitions.length) return this.#request(waiting.entry, waiting.attempt, scan);
      result = { type: "keys", keys: scan.keys };
    } else {
      result = historyResult(waiting.entry.op, outcome);
    }
    this.history.complete(waiting.entry, this.scheduler.nowUs, result);
    if (retryable(outcome) && waiting.attempt < this.options.retriesMax) {
      const backoffUs = 1_000 + this.prng.float() * this.options.backoffMaxUs;
      const op = waiting.entry.op;
      this.scheduler.after(backoffUs, () => this.#send(withFreshValue(op, this.#nextValue()), waiting.attempt + 1));
      return;
    }
    this.#afterThinking();
  }

  #afterThinking(): void {
    if (this.#requestsMade >= this.options.requests) {
      this.#done = true;
      return;
    }
    this.scheduler.after(this.prng.float() * this.options.thinkMaxUs, () => {
      const op = this.nextOp(this.#nextValue(), this.#requestsMade);
      this.#requestsMade += 1;
      if (op === undefined) {
        this.#done = true;
        return;
      }
      this.#send(op, 0);
    });
  }

  #send(op: HistoryOp, attempt: number): void {
    const entry = this.history.invoke(this.name, this.scheduler.nowUs, op);
    this.#request(entry, attempt, op.f === "scan" ? { partitionIndex: 0, after: null, keys: [] } : undefined);
  }

  /** Sends the entry's op, or the next chunk of its scan. */
  #request(entry: HistoryEntry, attempt: number, scan: Waiting["scan"]): void {
    const { op } = entry;
    const wire: WireOp = scan === undefined || op.f !== "scan" ? op : { f: "scanChunk", partition: op.partitions[scan.partitionIndex]!, after: scan.after };
    const requestId = this.port.send(this, wire);
    this.#waiting = scan === undefined ? { requestId, entry, attempt } : { requestId, entry, attempt, scan };
    this.scheduler.after(this.options.timeoutUs, () => {
      if (this.#waiting?.requestId !== requestId) return;
      this.port.abandon(requestId);
      this.answer(requestId, { kind: "lost" });
    });
  }

  #nextValue(): string {
    this.#sequence += 1;
    return `${this.name}.${this.#sequence}`;
  }
}

function retryable(outcome: Outcome): boolean {
  if (outcome.kind === "refused") return true;
  return outcome.kind === "error" && (outcome.error.code === "TRYAGAIN" || outcome.error.code === "CLUSTERDOWN") && outcome.error.outcomeUnknown !== true;
}

/** The same request with the value of a new attempt, so every attempt's writes stay distinguishable. */
function withFreshValue(op: HistoryOp, value: string): HistoryOp {
  if (op.f === "set") return { ...op, value };
  if (op.f === "mset") return { f: "mset", pairs: op.pairs.map(([key]) => [key, value]) };
  return op;
}

/** The coordinator's operation for `op`; values travel as string entries, as the front end stores them. `nowMs`: the wall clock. */
export function clientOp(op: WireOp, nowMs: number): ClientOp {
  const bytes = textToBytes;
  switch (op.f) {
    case "get":
    case "exists":
    case "del":
      return { kind: op.f, keys: op.keys.map(bytes) };
    case "set": {
      const set: ClientOp = { kind: "set", key: bytes(op.key), value: textToEntry(op.value) };
      if (op.condition !== undefined) set.condition = op.condition;
      if (op.get === true) set.returnPrevious = true;
      return set;
    }
    case "mset":
      return { kind: "mset", pairs: op.pairs.map(([key, value]) => [bytes(key), textToEntry(value)]) };
    case "incr":
      return { kind: "command", command: { kind: "incrby", key: bytes(op.key), delta: 1n }, nowMs };
    case "scanChunk":
      return { kind: "scanKeys", partition: op.partition, after: op.after === null ? null : bytes(op.after), bytesMax: SCAN_CHUNK_BYTES };
    case "scan":
      throw new Error("sim: a scan is sent a chunk at a time (scanChunk)");
  }
}

/** What the history records for an outcome. A write with no answer may have happened; a read with none did nothing. */
export function historyResult(op: HistoryOp, outcome: Outcome): HistoryResult {
  switch (outcome.kind) {
    case "refused":
      return { type: "error", error: "connection refused" };
    case "lost":
      return isWrite(op) ? { type: "unknown", error: "no answer" } : { type: "error", error: "no answer to a read" };
    case "error": {
      const text = `${outcome.error.code} ${outcome.error.message}`;
      const unknown = outcome.error.outcomeUnknown === true && isWrite(op);
      return unknown ? { type: "unknown", error: text } : { type: "error", error: text };
    }
    case "result":
      return fromClientResult(outcome.result);
  }
}

function fromClientResult(result: ClientResult): HistoryResult {
  const text = (value: Uint8Array | null): string | null => (value === null ? null : entryToText(value));
  switch (result.kind) {
    case "values":
      return { type: "values", values: result.values.map(text) };
    case "count":
      return { type: "count", count: result.count };
    case "set":
      return result.previous === undefined ? { type: "set", written: result.written } : { type: "set", written: result.written, previous: text(result.previous) };
    case "ok":
    case "repair": // not a data operation: the history keeps only that it was answered
    case "keys": // a scan's chunk: the client gathers chunks into the scan's result (SimClient.answer)
      return { type: "ok" };
    case "reply":
      return fromCommandReply(result.reply);
  }
}

/** INCR's answer: the count it set (an error reply, which changed nothing, is a failure). */
function fromCommandReply(reply: CommandReply): HistoryResult {
  if (reply.kind === "integer") return { type: "count", count: Number(reply.value) };
  if (reply.kind === "error") return { type: "error", error: `${reply.code} ${reply.message}` };
  throw new Error(`sim: the coordinator answered a command with a ${reply.kind} reply`);
}
