// The Prometheus metrics of a ringkv process, by what they come from. Every name follows
// Prometheus's conventions: ringkv_ prefix, _total counters, _seconds and _bytes units. Values
// are read at scrape time from counters the process keeps anyway (metric-family.ts); prom-client
// adds its default process metrics (CPU, RSS, heap, event-loop lag: process_*, nodejs_*).

import type { KVCacheStats } from "../core/kv-cache.js";

/** What the cache metrics read of a KVCache's stats(). */
export type CacheCounters = Pick<KVCacheStats, "hits" | "misses" | "evictions" | "entries" | "bytes" | "bytesMax">;
import type { RespServer } from "../server/server.js";
import type { KVStore } from "../storage/kv-store.js";
import { clusterHealth } from "./cluster-health.js";
import type { ClusterSnapshot } from "./cluster-snapshot.js";
import type { Families, Sample } from "./metric-family.js";
import type { LabelledHistograms } from "./stage-timings.js";

/** The RESP front end: commands by name and outcome, their latency, connections, client buffers. */
export function registerServerMetrics(families: Families, server: RespServer): void {
  const { commands } = server.diagnostics;
  families.counter("ringkv_commands_total", "Commands run, by command and outcome (ok, or the error code of the reply).", () => {
    const samples: Sample[] = [];
    for (const entry of commands.entries()) {
      samples.push({ labels: { command: entry.name, outcome: "ok" }, value: entry.calls - entry.failed });
      for (const [code, count] of Object.entries(entry.errors)) samples.push({ labels: { command: entry.name, outcome: code.toLowerCase() }, value: count });
    }
    return samples;
  });
  families.histogram("ringkv_command_duration_seconds", "Time from a command's start to its reply, by command (at the coordinator: end to end).",
    () => [...commands.entries()].map((entry) => ({ labels: { command: entry.name }, histogram: entry.latency })));
  families.histogram("ringkv_read_duration_seconds", "Reads (GET, MGET, EXISTS) by how they were answered: immediate "
    + "(at the coordinator: from its cache or a decided write) or waited (for a storage node's reply, or the disk).",
  () => [
    { labels: { answer: "immediate" }, histogram: commands.reads.immediate },
    { labels: { answer: "waited" }, histogram: commands.reads.waited },
  ]);
  families.gauge("ringkv_connected_clients", "Client connections open.", () => [{ value: server.stats.connectedClients }]);
  families.counter("ringkv_connections_received_total", "Client connections accepted.", () => [{ value: server.stats.totalConnectionsReceived }]);
  families.counter("ringkv_connections_rejected_total", "Client connections refused (the connection limit).", () => [{ value: server.stats.rejectedConnections }]);
  families.gauge("ringkv_client_output_buffer_bytes", "Replies queued toward clients and not yet taken by the kernel, over all connections.", () => {
    let bytes = 0;
    for (const session of server.sessions()) bytes += session.outputBytes();
    return [{ value: bytes }];
  });
  families.gauge("ringkv_client_buffers_bytes", "Bytes all client connections hold together (requests being read or waiting, replies not yet sent), "
    + "bounded by --client-buffers-bytes-max.", () => [{ value: server.clientMemory.heldBytes }]);
  families.gauge("ringkv_client_buffers_max_bytes", "The bound on what client connections hold together.", () => [{ value: server.clientMemory.bytesMax }]);
  families.counter("ringkv_clients_evicted_total", "Connections disconnected for holding the most client-buffer memory past the bound.", () =>
    [{ value: server.clientMemory.evictedClients }]);
  families.gauge("ringkv_client_pending_requests", "Requests read from clients and not yet answered, over all connections.", () => {
    let pending = 0;
    for (const session of server.sessions()) pending += session.pendingRequests();
    return [{ value: pending }];
  });
  families.gauge("ringkv_slowlog_entries", "Entries in the slow log (SLOWLOG LEN).", () => [{ value: server.diagnostics.slowlog.length }]);
}

/** The LMDB store of a process (data on a storage node; decisions and membership at the coordinator). */
export function registerStoreMetrics(families: Families, store: KVStore, countsKeys: boolean): void {
  if (countsKeys) families.gauge("ringkv_store_keys", "Keys in this process's store.", () => [{ value: store.count("data") }]);
  families.gauge("ringkv_store_file_bytes", "Size of the store's data file on disk.", () => [{ value: store.stats().fileBytes }]);
  families.counter("ringkv_store_commits_total", "Durable store commits (each one synced before anything waiting on it is answered).", () => [{ value: store.stats().commits }]);
  families.counter("ringkv_store_written_bytes_total", "Bytes of keys and values written to the store.", () => [{ value: store.stats().bytesWritten }]);
}

/** A KVCache (the coordinator's read cache, or a storage node's). */
export function registerCacheMetrics(families: Families, stats: () => CacheCounters): void {
  families.counter("ringkv_cache_hits_total", "Reads answered from the cache. Hit ratio: rate(hits) / (rate(hits) + rate(misses)).", () => [{ value: stats().hits }]);
  families.counter("ringkv_cache_misses_total", "Reads the cache could not answer.", () => [{ value: stats().misses }]);
  families.counter("ringkv_cache_evictions_total", "Entries evicted to make room.", () => [{ value: stats().evictions }]);
  families.gauge("ringkv_cache_entries", "Entries in the cache.", () => [{ value: stats().entries }]);
  families.gauge("ringkv_cache_bytes", "Bytes the cache holds (keys, values and per-entry overhead).", () => [{ value: stats().bytes }]);
  families.gauge("ringkv_cache_max_bytes", "The cache's size limit.", () => [{ value: stats().bytesMax }]);
}

export interface StageHistograms {
  /** Durable writes by the records they held. */
  durableWrites: LabelledHistograms;
  /** Coordinator: message -> answer round trips by message. */
  roundTrips?: LabelledHistograms;
  /** Storage node: its time from a message to its answer, by message. */
  responses?: LabelledHistograms;
}

export function registerStageMetrics(families: Families, stages: StageHistograms): void {
  families.histogram("ringkv_durable_write_seconds", "Durable writes (store commit and fsync), by the records they held "
    + "(decision, forget, members, epoch at the coordinator; prepared, committed, aborted at a storage node).",
  () => [...stages.durableWrites.entries()].map(([records, histogram]) => ({ labels: { records }, histogram })));
  const { roundTrips, responses } = stages;
  if (roundTrips !== undefined) {
    families.histogram("ringkv_link_round_trip_seconds", "Coordinator to storage node and back, by message: prepare (until the vote), "
      + "commit and abort (until the ack), read (until the reply), ping (until the pong).",
    () => [...roundTrips.entries()].map(([message, histogram]) => ({ labels: { message }, histogram })));
  }
  if (responses !== undefined) {
    families.histogram("ringkv_node_response_seconds", "A storage node's time from a coordinator's message to its answer, by message "
      + "(prepare includes forcing the prepared record; commit includes applying it durably).",
    () => [...responses.entries()].map(([message, histogram]) => ({ labels: { message }, histogram })));
  }
}

/** The cluster as the coordinator sees it. */
export function registerClusterMetrics(families: Families, snapshot: () => ClusterSnapshot): void {
  // One snapshot serves every family of one scrape.
  let cached: { snapshot: ClusterSnapshot; atMs: number } | undefined;
  const current = (): ClusterSnapshot => {
    const now = Date.now();
    if (cached === undefined || now - cached.atMs > 500) cached = { snapshot: snapshot(), atMs: now };
    return cached.snapshot;
  };
  families.gauge("ringkv_cluster_health", "1 for the cluster's current health (healthy, degraded, down), 0 for the others.", () => {
    const status = clusterHealth(current()).status;
    return (["healthy", "degraded", "down"] as const).map((name) => ({ labels: { status: name }, value: name === status ? 1 : 0 }));
  });
  families.gauge("ringkv_storage_nodes", "Storage nodes by state (up, down, joining).", () => {
    const nodes = current().nodes;
    return (["up", "down", "joining"] as const).map((state) => ({ labels: { state }, value: nodes.filter((node) => node.state === state).length }));
  });
  families.gauge("ringkv_node_up", "1 while the storage node is up, per node.", () =>
    current().nodes.map((node) => ({ labels: { node: node.id }, value: node.state === "up" ? 1 : 0 })));
  families.gauge("ringkv_node_partitions", "Partitions a storage node holds, as primary or as any replica.", () =>
    current().nodes.flatMap((node) => [
      { labels: { node: node.id, role: "primary" }, value: node.primaryPartitions },
      { labels: { node: node.id, role: "replica" }, value: node.replicaPartitions },
    ]));
  families.gauge("ringkv_node_in_sync_partitions", "Partitions whose in-sync set holds the node.", () =>
    current().nodes.map((node) => ({ labels: { node: node.id }, value: node.inSyncPartitions })));
  // What each node last reported about itself (node-facts.ts); absent for a node that has not.
  const reported = () => current().nodes.flatMap((node) => (node.facts === undefined ? [] : [{ node: node.id, state: node.state, facts: node.facts }]));
  families.gauge("ringkv_node_keys", "Keys in a storage node's store, as it last reported (each key is on R nodes).", () =>
    reported().map(({ node, facts }) => ({ labels: { node }, value: facts.keys })));
  families.gauge("ringkv_node_data_bytes", "Size of a storage node's data file, as it last reported.", () =>
    reported().map(({ node, facts }) => ({ labels: { node }, value: facts.dataBytes })));
  families.gauge("ringkv_node_uptime_seconds", "Seconds since a storage node that is up started.", () =>
    reported().filter(({ state }) => state === "up").map(({ node, facts }) => ({ labels: { node }, value: facts.uptimeSeconds })));
  families.gauge("ringkv_node_build_info", "Always 1; the version label says what a storage node last reported running.", () =>
    reported().map(({ node, facts }) => ({ labels: { node, version: facts.version }, value: 1 })));
  families.gauge("ringkv_node_learning_partitions", "Partitions the node is catching up on (a learner, not yet in sync).", () =>
    current().nodes.map((node) => ({ labels: { node: node.id }, value: node.learningPartitions })));
  families.gauge("ringkv_partitions", "Partitions by replication state: total, under_replicated (fewer live in-sync replicas than R), "
    + "unwritable (an in-sync replica down, or fewer than W in sync), unavailable (no live in-sync replica).", () => {
    const counts = clusterHealth(current()).partitions;
    return [
      { labels: { state: "total" }, value: counts.total },
      { labels: { state: "under_replicated" }, value: counts.underReplicated },
      { labels: { state: "unwritable" }, value: counts.unwritable },
      { labels: { state: "unavailable" }, value: counts.unavailable },
    ];
  });
  families.gauge("ringkv_move_in_progress", "1 while a membership change moves partitions or cleans up after a move, else 0.",
    () => [{ value: current().move === null ? 0 : 1 }]);
  families.gauge("ringkv_move_partitions", "The membership change's partitions whose replicas change (total) and those whose new replicas are all in sync (in_sync).", () => {
    const move = current().move;
    return move === null ? [] : [
      { labels: { progress: "total" }, value: move.partitions },
      { labels: { progress: "in_sync" }, value: move.partitionsDone },
    ];
  });
  families.gauge("ringkv_partition_learners", "Replicas catching up (a move's new replicas or a returning node), over all partitions.",
    () => [{ value: current().learners.reduce((sum, learners) => sum + learners.length, 0) }]);
  families.gauge("ringkv_catchup_partitions", "Partitions a storage node is catching up on, and how many of them have been streamed to it.", () =>
    current().catchUps.flatMap((c) => [
      { labels: { node: c.node, progress: "total" }, value: c.partitions },
      { labels: { node: c.node, progress: "streamed" }, value: c.streamedPartitions },
    ]));
  families.gauge("ringkv_catchup_streamed_keys", "Keys streamed so far to a catching-up node.", () =>
    current().catchUps.map((c) => ({ labels: { node: c.node }, value: c.keys })));
  families.gauge("ringkv_catchup_streamed_bytes", "Bytes streamed so far to a catching-up node.", () =>
    current().catchUps.map((c) => ({ labels: { node: c.node }, value: c.bytes })));
  families.gauge("ringkv_transactions_in_flight", "Client writes admitted and not yet decided.", () => [{ value: current().transactionsInFlight }]);
  families.gauge("ringkv_decisions_unacknowledged", "Decided writes some replica has not acknowledged yet.", () => [{ value: current().decisionsUnacknowledged }]);
  families.gauge("ringkv_reads_in_flight", "Reads sent to storage nodes and not yet answered.", () => [{ value: current().readsInFlight }]);
  families.gauge("ringkv_locked_keys", "Keys held by a write.", () => [{ value: current().lockedKeys }]);
  families.gauge("ringkv_lock_waiters", "Places in the per-key lock queues behind the holder: writes waiting for a key.", () => [{ value: current().lockWaiters }]);
  families.counter("ringkv_repair_rounds_total", "Anti-entropy repair rounds finished since the coordinator started.", () => [{ value: current().repair.rounds }]);
  families.counter("ringkv_repair_keys_total", "Keys repair rounds found held differently by in-sync replicas (diverged), and those they rewrote (fixed).", () => [
    { labels: { outcome: "diverged" }, value: current().repair.keysDiverged },
    { labels: { outcome: "fixed" }, value: current().repair.keysFixed },
  ]);
  families.gauge("ringkv_repair_running", "1 while a repair round compares replicas, else 0.", () => [{ value: current().repair.current === null ? 0 : 1 }]);
  families.gauge("ringkv_repair_last_round_keys", "The last finished repair round's keys, by what became of them.", () => {
    const last = current().repair.last;
    return last === null ? [] : [
      { labels: { outcome: "compared" }, value: last.keysCompared },
      { labels: { outcome: "diverged" }, value: last.keysDiverged },
      { labels: { outcome: "fixed" }, value: last.keysFixed },
      { labels: { outcome: "unresolved" }, value: last.keysUnresolved },
    ];
  });
  families.gauge("ringkv_epoch", "The coordinator's epoch (bumped on every start).", () => [{ value: current().epoch }]);
}
