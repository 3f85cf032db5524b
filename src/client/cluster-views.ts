// The coordinator's cluster views as typed values: RINGKV NODES (the storage nodes and their
// share of the ring) and RINGKV LOCATE key (the partition of a key and its replicas, primary
// first). Records may come as RESP3 maps or RESP2 field/value lists; a node's liveness as
// `state` ("up"/"down", what src/runtime/coordinator-views.ts sends) or as an `up` flag.

import type { RespValue } from "../codec/resp-decoder.js";
import { field, flag, integer, list, record, text } from "./reply-shapes.js";

export interface NodeInfo {
  id: string;
  /** host:port of the node's own RESP port. */
  address: string;
  up: boolean;
  /** False while the coordinator is still recording the node as a member. */
  joined?: boolean;
  /** Partitions for which the node is the first replica, and the ones it holds as another replica. */
  primaryPartitions?: number;
  replicaPartitions?: number;
  /** Partitions it replicates and holds every acknowledged write of. */
  inSyncPartitions?: number;
  /** Its catch-up progress ("-" when in sync everywhere). */
  catchUp?: string;
  /** What the node last reported about itself (absent until it has; no uptime while it is down). */
  keys?: number;
  dataBytes?: number;
  version?: string;
  uptimeSeconds?: number;
}

export interface ReplicaInfo {
  id: string;
  address: string;
  up: boolean;
}

export interface KeyLocation {
  partition: number;
  /** Primary first. */
  replicas: ReplicaInfo[];
}

const NODES = "RINGKV NODES";
/** What RINGKV NODES shows for a fact a node has not reported. */
const NOT_REPORTED = "-";
const LOCATE = "RINGKV LOCATE";

export function parseNodes(reply: RespValue): NodeInfo[] {
  return list(reply, NODES).map((item) => {
    const fields = record(item, NODES);
    const node: NodeInfo = { ...replica(fields, NODES) };
    const joined = fields.get("joined");
    if (joined !== undefined) node.joined = flag(joined, NODES);
    const primary = fields.get("primarypartitions");
    const others = fields.get("replicapartitions");
    if (primary !== undefined) node.primaryPartitions = integer(primary, NODES);
    if (others !== undefined) node.replicaPartitions = integer(others, NODES);
    const inSync = fields.get("insyncpartitions");
    const catchUp = fields.get("catchup");
    if (inSync !== undefined) node.inSyncPartitions = integer(inSync, NODES);
    if (catchUp !== undefined) node.catchUp = text(catchUp, NODES);
    const reported = (name: string) => {
      const value = fields.get(name);
      return value === undefined || (typeof value !== "number" && text(value, NODES) === NOT_REPORTED) ? undefined : value;
    };
    const keys = reported("keys");
    const dataBytes = reported("databytes");
    const version = reported("version");
    const uptime = reported("uptimeseconds");
    if (keys !== undefined) node.keys = integer(keys, NODES);
    if (dataBytes !== undefined) node.dataBytes = integer(dataBytes, NODES);
    if (version !== undefined) node.version = text(version, NODES);
    if (uptime !== undefined) node.uptimeSeconds = integer(uptime, NODES);
    return node;
  });
}

export function parseLocation(reply: RespValue): KeyLocation {
  const fields = record(reply, LOCATE);
  return {
    partition: integer(field(fields, "partition", LOCATE), LOCATE),
    replicas: list(field(fields, "replicas", LOCATE), LOCATE).map((item) => replica(record(item, LOCATE), LOCATE)),
  };
}

function replica(fields: Map<string, RespValue>, command: string): ReplicaInfo {
  return {
    id: text(field(fields, "id", command), command),
    address: text(field(fields, "address", command), command),
    up: flag(fields.get("state") ?? field(fields, "up", command), command),
  };
}
