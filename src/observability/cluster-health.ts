// Is the cluster healthy, and if not, why and what to do: one judgement shared by `ringkv
// status`, RINGKV STATUS, INFO's cluster_state, the dashboard, the metrics and the log lines
// that mark each change.
//   down:     nothing is served (the coordinator is starting, or too few nodes have joined);
//   degraded: served, but some node is down, some partition has fewer live in-sync replicas than R
//             (so some writes, or even reads, fail, or one more failure would lose a copy), or a
//             replica is catching up;
//   healthy:  every node up, every partition fully replicated.

import { liveReplicaCounts, type ClusterSnapshot } from "./cluster-snapshot.js";

export type HealthStatus = "healthy" | "degraded" | "down";

export interface PartitionCounts {
  total: number;
  /** Fewer live in-sync replicas than R. */
  underReplicated: number;
  /** Writes to their keys fail: an in-sync member is down, or fewer than W are in sync. */
  unwritable: number;
  /** No live in-sync replica: their keys can be neither read nor written. */
  unavailable: number;
}

export interface Health {
  status: HealthStatus;
  /** Why it is not healthy, most serious first (empty when healthy). */
  reasons: string[];
  /** What an operator should do about it. */
  actions: string[];
  partitions: PartitionCounts;
}

/** A partition's condition, worst last: what the dashboard colours it by. */
export const PARTITION_CONDITION = { full: 0, underReplicated: 1, unwritable: 2, unavailable: 3 } as const;

/** Each partition's condition (PARTITION_CONDITION). */
export function partitionConditions(snapshot: ClusterSnapshot): Uint8Array {
  const live = liveReplicaCounts(snapshot);
  const conditions = new Uint8Array(live.length);
  const wanted = snapshot.placement.replicas;
  live.forEach((count, partition) => {
    const inSync = snapshot.inSync[partition]!.length;
    // A write prepares on every in-sync member: one down stops it (until the set shrinks), and so
    // does a set smaller than W.
    if (count === 0) conditions[partition] = PARTITION_CONDITION.unavailable;
    else if (count < inSync || inSync < snapshot.minInSync) conditions[partition] = PARTITION_CONDITION.unwritable;
    else if (count < wanted) conditions[partition] = PARTITION_CONDITION.underReplicated;
  });
  return conditions;
}

export function partitionCounts(snapshot: ClusterSnapshot): PartitionCounts {
  const counts: PartitionCounts = { total: 0, underReplicated: 0, unwritable: 0, unavailable: 0 };
  for (const condition of partitionConditions(snapshot)) {
    counts.total++;
    if (condition >= PARTITION_CONDITION.underReplicated) counts.underReplicated++;
    if (condition >= PARTITION_CONDITION.unwritable) counts.unwritable++;
    if (condition === PARTITION_CONDITION.unavailable) counts.unavailable++;
  }
  return counts;
}

export function clusterHealth(snapshot: ClusterSnapshot): Health {
  const partitions = partitionCounts(snapshot);
  if (snapshot.state === "starting") {
    return { status: "down", reasons: ["the coordinator is starting: it is reading its log"], actions: [], partitions };
  }
  const joined = snapshot.nodes.filter((node) => node.state !== "joining").length;
  if (snapshot.state === "waiting-for-nodes") {
    return {
      status: "down",
      reasons: [`${joined} of the ${snapshot.minNodes} storage nodes needed have joined; nothing is served until they have`],
      actions: ["start the missing storage nodes (ringkv node --join <coordinator host:port> --data <dir>)"],
      partitions,
    };
  }
  const reasons: string[] = [];
  const actions: string[] = [];
  const down = snapshot.nodes.filter((node) => node.state === "down");
  if (down.length > 0) {
    reasons.push(`${plural(down.length, "storage node")} down: ${down.map((node) => `${node.id} (${node.address})`).join(", ")}`);
    actions.push(`start ${down.map((node) => node.id).join(", ")} again on ${down.length === 1 ? "its" : "their"} data `
      + `${down.length === 1 ? "directory" : "directories"}; a node rejoins by itself`);
  }
  const { total, unavailable, unwritable, underReplicated } = partitions;
  if (unavailable > 0) reasons.push(`${unavailable} of ${total} partitions have no live replica: their keys can be neither read nor written`);
  if (unwritable > unavailable) {
    reasons.push(`${unwritable - unavailable} of ${total} partitions cannot take writes (an in-sync replica is down, or fewer than ${snapshot.minInSync} are in sync): writes to their keys fail`);
  }
  if (underReplicated > unwritable) reasons.push(`${underReplicated - unwritable} of ${total} partitions have fewer than ${snapshot.placement.replicas} live replicas`);
  for (const catchUp of snapshot.catchUps) {
    reasons.push(`${catchUp.node} is catching up on ${plural(catchUp.partitions, "partition")} (${catchUp.streamedPartitions} streamed so far, ${plural(catchUp.keys, "key")})`);
  }
  if (down.length === 0 && underReplicated > 0 && snapshot.catchUps.length === 0 && joined < snapshot.placement.replicas) {
    actions.push(`add storage nodes: ${snapshot.placement.replicas} replicas need at least ${snapshot.placement.replicas} nodes`);
  }
  return { status: reasons.length === 0 ? "healthy" : "degraded", reasons, actions, partitions };
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

