// The cluster's status as one plain object — health and why, and one entry per storage node —
// shared by `ringkv status` (table or --json), RINGKV STATUS (its RESP form), the dashboard's
// /api/status, and INFO's cluster_state fields.

import type { ReplyValue } from "../server/backend.js";
import type { RespValue } from "../codec/resp-decoder.js";
import { clusterHealth, type HealthStatus, type PartitionCounts } from "./cluster-health.js";
import type { CatchUpSnapshot, ClusterSnapshot, MoveSnapshot, NodeSnapshot, NodeState } from "./cluster-snapshot.js";

/** Anti-entropy repair as a person asks about it: running or not, and what the last round found. */
export interface RepairSummary {
  running: boolean;
  /** Rounds finished since the coordinator started, and keys they found different and fixed. */
  rounds: number;
  keysDiverged: number;
  keysFixed: number;
  /** The last finished round's keys that could not be decided (reported, never guessed). */
  lastRoundUnresolved: number | null;
}

export interface NodeStatus {
  id: string;
  state: NodeState;
  /** active in the ring, or joining / leaving it during a membership change, or standby. */
  role: NodeSnapshot["role"];
  address: string;
  /** Share of the partitions the node holds a replica of, in percent (over all nodes: R × 100). */
  ownsPercent: number;
  primaryPartitions: number;
  replicaPartitions: number;
  inSyncPartitions: number;
  /** Partitions it is catching up on. */
  learningPartitions: number;
  keys: number | null;
  dataBytes: number | null;
  version: string | null;
  /** null while the node is down or has not reported. */
  uptimeSeconds: number | null;
}

export interface StatusReport {
  health: HealthStatus;
  reasons: string[];
  actions: string[];
  /** The coordinator's own state: starting, waiting-for-nodes or serving. */
  state: string;
  epoch: number;
  coordinator: { address: string; version: string; uptimeSeconds: number };
  placement: { partitions: number; replicas: number; vnodesPerNode: number };
  partitions: PartitionCounts;
  nodes: NodeStatus[];
  /** The membership change in progress, if any. */
  move: MoveSnapshot | null;
  catchUps: CatchUpSnapshot[];
  repair: RepairSummary;
}

export function statusReport(snapshot: ClusterSnapshot, coordinator: StatusReport["coordinator"]): StatusReport {
  const health = clusterHealth(snapshot);
  const { partitions } = snapshot.placement;
  return {
    health: health.status,
    reasons: health.reasons,
    actions: health.actions,
    state: snapshot.state,
    epoch: snapshot.epoch,
    coordinator,
    placement: snapshot.placement,
    partitions: health.partitions,
    nodes: snapshot.nodes.map((node) => ({
      id: node.id,
      state: node.state,
      role: node.role,
      address: node.address,
      ownsPercent: partitions === 0 ? 0 : Math.round((node.replicaPartitions / partitions) * 1000) / 10,
      primaryPartitions: node.primaryPartitions,
      replicaPartitions: node.replicaPartitions,
      inSyncPartitions: node.inSyncPartitions,
      learningPartitions: node.learningPartitions,
      keys: node.facts?.keys ?? null,
      dataBytes: node.facts?.dataBytes ?? null,
      version: node.facts?.version ?? null,
      uptimeSeconds: node.state === "up" ? node.facts?.uptimeSeconds ?? null : null,
    })),
    move: snapshot.move,
    catchUps: snapshot.catchUps,
    repair: {
      running: snapshot.repair.current !== null,
      rounds: snapshot.repair.rounds,
      keysDiverged: snapshot.repair.keysDiverged,
      keysFixed: snapshot.repair.keysFixed,
      lastRoundUnresolved: snapshot.repair.last?.keysUnresolved ?? null,
    },
  };
}

/** INFO cluster's state fields: `serving` when healthy, else `degraded` or the coordinator's own state, and why. */
export function clusterStateFields(snapshot: ClusterSnapshot): Record<string, string | number> {
  const health = clusterHealth(snapshot);
  const state = health.status === "healthy" ? "serving" : health.status === "degraded" ? "degraded" : snapshot.state;
  const fields: Record<string, string | number> = { cluster_state: state };
  // INFO is one field a line: the reasons go on one line.
  if (health.reasons.length > 0) fields.cluster_state_reason = health.reasons.join("; ").replace(/[\r\n]+/g, " ");
  fields.storage_nodes_down = snapshot.nodes.filter((node) => node.state === "down").length;
  fields.partitions_under_replicated = health.partitions.underReplicated;
  fields.partitions_unwritable = health.partitions.unwritable;
  fields.partitions_unavailable = health.partitions.unavailable;
  return fields;
}

/** RINGKV STATUS's reply: the report with snake_case fields (a map in RESP3, field/value lists in RESP2). */
export function statusReply(report: StatusReport): ReplyValue {
  return toReply(report);
}

function toReply(value: unknown): ReplyValue {
  if (value === null || value === undefined) return null;
  if (typeof value === "number") return Number.isInteger(value) ? value : String(value);
  if (typeof value === "string") return value;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (Array.isArray(value)) return value.map(toReply);
  const fields = new Map<string, ReplyValue>();
  for (const [name, item] of Object.entries(value as Record<string, unknown>)) fields.set(snakeCase(name), toReply(item));
  return fields;
}

/**
 * The report back from RINGKV STATUS read over RESP3, where records are maps (over RESP2 a record
 * and a list look alike). Fractions, sent as text (RESP2 has no doubles), come back as numbers.
 */
export function statusFromReply(reply: RespValue): StatusReport {
  const report = fromReply(reply);
  if (report === null || typeof report !== "object" || Array.isArray(report) || typeof (report as StatusReport).health !== "string"
    || !Array.isArray((report as StatusReport).nodes)) {
    throw new Error("RINGKV STATUS answered something that is not a status report");
  }
  return report as StatusReport;
}

/** Fields that are numbers with a fraction, and yes/no fields (sent as 1 and 0). */
const FRACTIONS = new Set(["ownsPercent"]);
const FLAGS = new Set(["running"]);

function fromReply(value: RespValue, field = ""): unknown {
  if (value instanceof Map) {
    const object: Record<string, unknown> = {};
    for (const [name, item] of value) {
      const key = camelCase(textOf(name));
      object[key] = fromReply(item, key);
    }
    return object;
  }
  if (Array.isArray(value)) return value.map((item) => fromReply(item));
  if (Buffer.isBuffer(value)) return FRACTIONS.has(field) ? Number(value.toString("utf8")) : value.toString("utf8");
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "number" && FLAGS.has(field)) return value === 1;
  if (value instanceof Error) throw value;
  return value;
}

function textOf(value: RespValue): string {
  return Buffer.isBuffer(value) ? value.toString("utf8") : String(value);
}

function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

function camelCase(name: string): string {
  return name.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
}
