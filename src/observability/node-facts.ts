// What storage nodes tell the coordinator about themselves, for `ringkv status` and the
// dashboard: keys, data size, version, uptime. The storage node builds its report with
// localNodeFacts(); the cluster link carries it (a message of the driver's); the coordinator
// hands what arrives to NodeFactsBook.report(). A node that has not reported shows "-".

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

/** A storage node's facts, as it reports them. */
export function localNodeFacts(store: KVStore, startedAtMs: number, nowMs = Date.now()): NodeFacts {
  return {
    keys: store.count("data"),
    dataBytes: store.stats().fileBytes,
    version: VERSION,
    uptimeSeconds: Math.floor((nowMs - startedAtMs) / 1000),
  };
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
