// The stages of a write and a read, timed where the runtime carries the machines' effects out —
// at the link and around durable writes — so that the deterministic core needs no clock:
//   coordinator: prepare -> vote, commit/abort -> ack, read -> readReply, ping -> pong (round trips);
//   storage node: prepare -> vote, commit/abort -> ack, read -> readReply (its own response times);
//   every process: how long each durable write (commit + fsync) took, by the records it held.

import { OBSERVABILITY_LIMITS } from "../shared/limits.js";
import type { CoordinatorToNode, NodeToCoordinator } from "../core/cluster/types.js";
import { LatencyHistogram } from "./latency-histogram.js";

/** Histograms by label, made on first use. */
export class LabelledHistograms {
  readonly #byLabel = new Map<string, LatencyHistogram>();

  record(label: string, seconds: number): void {
    let histogram = this.#byLabel.get(label);
    if (histogram === undefined) {
      histogram = new LatencyHistogram();
      this.#byLabel.set(label, histogram);
    }
    histogram.record(seconds);
  }

  entries(): IterableIterator<[string, LatencyHistogram]> {
    return this.#byLabel.entries();
  }
}

/** Times from a message to its answer; a message never answered is dropped once the bound is reached. */
export class AnswerTimer {
  readonly histograms = new LabelledHistograms();
  readonly #awaiting = new Map<string, { label: string; startedMs: number }>();

  constructor(private readonly awaitingMax: number = OBSERVABILITY_LIMITS.linkTimingsMax) {}

  /** The first of several sends of one message counts (a resend does not restart the clock). */
  start(key: string, label: string): void {
    if (this.#awaiting.has(key)) return;
    if (this.#awaiting.size >= this.awaitingMax) this.#awaiting.delete(this.#awaiting.keys().next().value as string);
    this.#awaiting.set(key, { label, startedMs: performance.now() });
  }

  finish(key: string): void {
    const started = this.#awaiting.get(key);
    if (started === undefined) return;
    this.#awaiting.delete(key);
    this.histograms.record(started.label, (performance.now() - started.startedMs) / 1000);
  }

  get awaiting(): number {
    return this.#awaiting.size;
  }
}

/** At the coordinator: a message it sent to storage node `to`. */
export function sentToNode(timer: AnswerTimer, to: string, message: CoordinatorToNode): void {
  switch (message.type) {
    case "prepare": return timer.start(`${to} p ${message.txid}`, "prepare");
    case "commit": return timer.start(`${to} d ${message.txid}`, "commit");
    case "abort": return timer.start(`${to} d ${message.txid}`, "abort");
    case "read": return timer.start(`${to} r ${message.readId}`, "read");
    case "ping": return timer.start(`${to} t ${message.tick}`, "ping");
  }
}

/** At the coordinator: a message from storage node `from`. */
export function heardFromNode(timer: AnswerTimer, from: string, message: NodeToCoordinator): void {
  switch (message.type) {
    case "vote": return timer.finish(`${from} p ${message.txid}`);
    case "ack": return timer.finish(`${from} d ${message.txid}`);
    case "readReply": return timer.finish(`${from} r ${message.readId}`);
    case "pong": return timer.finish(`${from} t ${message.tick}`);
    case "inquire": return;
  }
}

/** At a storage node: a message from the coordinator. */
export function heardFromCoordinator(timer: AnswerTimer, message: CoordinatorToNode): void {
  switch (message.type) {
    case "prepare": return timer.start(`p ${message.txid}`, "prepare");
    case "commit": return timer.start(`d ${message.txid}`, "commit");
    case "abort": return timer.start(`d ${message.txid}`, "abort");
    case "read": return timer.start(`r ${message.readId}`, "read");
    case "ping": return;
  }
}

/** At a storage node: its answer to the coordinator. */
export function sentToCoordinator(timer: AnswerTimer, message: NodeToCoordinator): void {
  switch (message.type) {
    case "vote": return timer.finish(`p ${message.txid}`);
    case "ack": return timer.finish(`d ${message.txid}`);
    case "readReply": return timer.finish(`r ${message.readId}`);
    case "pong":
    case "inquire":
      return;
  }
}

/** The label of a durable write: the kinds of records it held, e.g. "decision" or "decision+members". */
export function recordsLabel(records: ReadonlyArray<{ type: string }>): string {
  if (records.length === 1) return records[0]!.type;
  return [...new Set(records.map((record) => record.type))].sort().join("+");
}
