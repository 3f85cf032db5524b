// What a storage node id may be: it is shown in logs, RINGKV NODES, error messages and file
// names, and compared byte for byte, so a short name of plain characters.

import { CLUSTER_NAME_LIMITS } from "../../shared/limits.js";

const NODE_ID_PATTERN = /^[A-Za-z0-9._-]+$/;

/** Why `id` cannot name a storage node, or undefined when it can. */
export function nodeIdProblem(id: string): string | undefined {
  const { nodeIdLengthMax } = CLUSTER_NAME_LIMITS;
  if (id.length === 0) return "a node id cannot be empty";
  if (id.length > nodeIdLengthMax) return `a node id has at most ${nodeIdLengthMax} characters; this one has ${id.length}`;
  if (!NODE_ID_PATTERN.test(id)) return `a node id is made of letters, digits, '.', '_' and '-'; got ${JSON.stringify(id)}`;
  return undefined;
}

/** Random bytes in an incarnation (MemberInfo); it is kept and sent as their lowercase hex. */
export const INCARNATION_BYTES = 16;

/** True for a well-formed incarnation (what a hello must carry). */
export function isIncarnation(value: unknown): value is string {
  return typeof value === "string" && value.length === INCARNATION_BYTES * 2 && /^[0-9a-f]+$/.test(value);
}
