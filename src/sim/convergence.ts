// After the run, healed and settled, the disks must agree (DESIGN.md §2.1-2.2): no transaction left
// in doubt (no prepared record on any node, no unforgotten decision at the coordinator), every
// replica of each key holding the same value, no node holding a key it does not replicate, and the
// value the final read returned through the coordinator being the one on the replicas.

import { keyString } from "../core/cluster/key-string.js";
import type { NodeId } from "../core/cluster/types.js";
import { Ring } from "../core/ring.js";
import type { CoordinatorDurable, ParticipantDurable } from "./sim-disk.js";
import { entryToText } from "./entry-text.js";
import { textToBytes } from "./trace.js";

export interface ConvergenceInput {
  coordinator: CoordinatorDurable;
  nodes: ReadonlyMap<NodeId, ParticipantDurable>;
  /** Every key the workload could have written. */
  keys: readonly string[];
  /** What the final read of each key returned (keys whose final read failed are absent). */
  finalValues: ReadonlyMap<string, string | null>;
}

export function checkConvergence(input: ConvergenceInput): string[] {
  const problems: string[] = [];
  const { coordinator, nodes } = input;
  if (coordinator.decisions.size > 0) {
    problems.push(`the coordinator still holds decisions never forgotten: ${[...coordinator.decisions.keys()].join(", ")}`);
  }
  for (const [id, durable] of nodes) {
    if (durable.prepared.size > 0) problems.push(`${id} still holds prepared records: ${[...durable.prepared.keys()].join(", ")}`);
  }
  if (coordinator.placement === undefined) {
    problems.push("the coordinator never persisted its membership");
    return problems;
  }
  const ring = new Ring(coordinator.placement, coordinator.layout?.ring ?? coordinator.members.map((member) => member.id));
  for (const key of input.keys) problems.push(...checkKey(key, ring, nodes, input.finalValues));
  const known = new Set(input.keys.map((key) => keyString(textToBytes(key))));
  for (const [id, durable] of nodes) {
    for (const stored of durable.data.keys()) {
      if (!known.has(stored)) problems.push(`${id} holds key ${JSON.stringify(stored)}, which no client wrote`);
    }
  }
  return problems;
}

function checkKey(key: string, ring: Ring, nodes: ReadonlyMap<NodeId, ParticipantDurable>, finalValues: ReadonlyMap<string, string | null>): string[] {
  const problems: string[] = [];
  const stored = keyString(textToBytes(key));
  const replicas = ring.replicasForKey(textToBytes(key));
  const held = (id: NodeId): string | null => {
    const value = nodes.get(id)?.data.get(stored);
    return value === undefined ? null : entryToText(value);
  };
  const values = replicas.map((id) => `${id}=${JSON.stringify(held(id))}`);
  const distinct = new Set(replicas.map(held));
  if (distinct.size > 1) problems.push(`replicas of ${key} differ: ${values.join(" ")}`);
  for (const id of nodes.keys()) {
    if (!replicas.includes(id) && held(id) !== null) problems.push(`${id} holds ${key} but is not one of its replicas (${replicas.join(",")})`);
  }
  const finalValue = finalValues.get(key);
  if (distinct.size === 1 && finalValue !== undefined && !distinct.has(finalValue)) {
    problems.push(`the final read of ${key} returned ${JSON.stringify(finalValue)}, the replicas hold ${values.join(" ")}`);
  }
  return problems;
}
