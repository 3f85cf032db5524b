// What storage nodes tell the coordinator about themselves, for `ringkv status`, RINGKV NODES,
// the metrics and the dashboard: keys, data size, version, uptime. A storage node sends a `facts`
// message over the cluster link when it joins and every FACTS_INTERVAL_MS (reportNodeFacts); the
// coordinator's process, not its machine (nothing the machine decides depends on them), hands
// what arrives to NodeFactsBook.report(). A node that has not reported shows "-".

import type { KVStore } from "../storage/kv-store.js";
import { VERSION } from "../runtime/version.js";

export interface NodeFacts {
  /** Keys in the node's store (each key is on R nodes). */
  keys: number;
  /** Size of the node's data file on disk. */
  dataBytes: number;
  /** ringkv's version on the node. */
  version: string;
  uptimeSeconds: number;
}

/** The link message that carries them (its shape is checked in src/codec/link-messages.ts). */
export type NodeFactsMessage = { type: "facts" } & NodeFacts;

/** A message the link let through (its shape checked) that carries a node's facts. */
export function isFactsMessage(message: unknown): message is NodeFactsMessage {
  return (message as { type?: unknown }).type === "facts";
}

/** The facts in a checked message, without the fields a newer node may add. */
export function factsOf(message: NodeFactsMessage): NodeFacts {
  return { keys: message.keys, dataBytes: message.dataBytes, version: message.version, uptimeSeconds: message.uptimeSeconds };
}

/** How often a storage node reports: status is a look at the cluster, not a live counter. */
export const FACTS_INTERVAL_MS = 2_000;

/** A storage node's facts, as it reports them. */
export function localNodeFacts(store: KVStore, startedAtMs: number, nowMs = Date.now()): NodeFacts {
  return {
    keys: store.count("data"),
    dataBytes: store.stats().fileBytes,
    version: VERSION,
    uptimeSeconds: Math.floor((nowMs - startedAtMs) / 1000),
  };
}

/**
 * Sends the node's facts now and every `intervalMs` until stopped. `send` answers false while
 * the link is down; the node also reports on each join (call `now()`), so a coordinator that
 * restarted learns them at once. Facts that cannot be gathered (a store failing) are not sent
 * that time, and the process carries on.
 */
export function reportNodeFacts(
  facts: () => NodeFacts, send: (message: NodeFactsMessage) => boolean, onError: (error: unknown) => void, intervalMs = FACTS_INTERVAL_MS,
): { now(): void; stop(): void } {
  const now = () => {
    try {
      send({ type: "facts", ...facts() });
    } catch (error) {
      onError(error);
    }
  };
  const timer = setInterval(now, intervalMs);
  timer.unref();
  return { now, stop: () => clearInterval(timer) };
}

/** The coordinator's record of the latest report of each node. */
export class NodeFactsBook {
  readonly #reports = new Map<string, { facts: NodeFacts; reportedAtMs: number }>();

  report(nodeId: string, facts: NodeFacts, nowMs = Date.now()): void {
    this.#reports.set(nodeId, { facts, reportedAtMs: nowMs });
  }

  /** A node that left the cluster. */
  forget(nodeId: string): void {
    this.#reports.delete(nodeId);
  }

  /** The latest report, its uptime carried forward to now. */
  get(nodeId: string, nowMs = Date.now()): NodeFacts | undefined {
    const report = this.#reports.get(nodeId);
    if (report === undefined) return undefined;
    const sinceSeconds = Math.max(0, Math.floor((nowMs - report.reportedAtMs) / 1000));
    return { ...report.facts, uptimeSeconds: report.facts.uptimeSeconds + sinceSeconds };
  }
}
