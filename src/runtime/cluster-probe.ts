// How the launcher knows a local cluster is ready: it asks the coordinator, over RESP as any
// client would, until the coordinator says it is serving and lists every storage node it
// started as joined and up — then a write of any key would be accepted.

import { createClient, type ConnectOptions } from "../client/connect.js";
import type { RingkvClient } from "../client/ringkv-client.js";
import { DEFAULTS } from "../shared/defaults.js";

const PROBE_INTERVAL_MS = 100;

export interface ClusterProbe {
  state: string;
  /** Nodes started but not (yet) joined and up, by name. */
  missing: string[];
}

/** Resolves once the coordinator on `port` serves with every one of `nodeNames` up; rejects at the deadline saying what was missing. */
export async function waitUntilServing(
  port: number, nodeNames: readonly string[], timeoutMs: number, stopped: () => boolean, access: Pick<ConnectOptions, "password" | "tls"> = {},
): Promise<void> {
  const client = createClient({ host: DEFAULTS.host, port, timeoutMs: 1_000, reconnectAttemptsMax: 1, readRetriesMax: 0, ...access });
  const deadline = Date.now() + timeoutMs;
  let last: ClusterProbe | string;
  try {
    while (!stopped()) {
      try {
        last = await probe(client, nodeNames);
        if (last.state === "serving" && last.missing.length === 0) return;
      } catch (error) {
        last = (error as Error).message;
      }
      if (Date.now() >= deadline) {
        const detail = typeof last === "string" ? last : `state ${last.state}; not joined and up: ${last.missing.join(", ") || "none"}`;
        throw new Error(`the cluster was not serving after ${timeoutMs} ms (the coordinator said: ${detail})`);
      }
      await new Promise((resolve) => setTimeout(resolve, PROBE_INTERVAL_MS));
    }
    throw new Error("the cluster is stopping");
  } finally {
    await client.close();
  }
}

/** The storage nodes the coordinator on `port` has as members (from its durable membership), by id. */
export async function clusterMembers(port: number, timeoutMs: number, access: Pick<ConnectOptions, "password" | "tls"> = {}): Promise<string[]> {
  const client = createClient({ host: DEFAULTS.host, port, timeoutMs, reconnectAttemptsMax: 1, readRetriesMax: 0, ...access });
  try {
    return (await client.nodes()).map((node) => node.id);
  } finally {
    await client.close();
  }
}

async function probe(client: RingkvClient, nodeNames: readonly string[]): Promise<ClusterProbe> {
  let state = (await client.info("cluster")).cluster?.cluster_state ?? "unknown";
  // Partitions moving to a node that joins (or off one that leaves) make the cluster degraded while
  // it serves: that is ready; the launcher shows the move's progress.
  if (state === "degraded" && (await movesState(client)) !== "none") state = "serving";
  const ready = new Set((await client.nodes()).filter((node) => node.up && node.joined !== false).map((node) => node.id));
  return { state, missing: nodeNames.filter((name) => !ready.has(name)) };
}

/** RINGKV MOVES's state: none, moving or cleanup. */
async function movesState(client: RingkvClient): Promise<string> {
  const reply = await client.command("RINGKV", "MOVES");
  const pairs = reply instanceof Map ? [...reply] : [];
  const state = pairs.find(([key]) => String(key) === "state")?.[1];
  return state === undefined ? "none" : String(state);
}
