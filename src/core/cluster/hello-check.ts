// The coordinator's check of a storage node's first message: every field a hello must carry, with
// a reason a person can act on when one is missing or malformed. Admission (membership.ts) decides
// on a hello only once it passed this and the port found its proof of the cluster secret right.

import { CLUSTER_NAME_LIMITS } from "../../shared/limits.js";
import { INCARNATION_BYTES, isIncarnation, nodeIdProblem } from "./node-id.js";
import type { Hello } from "./types.js";

export function checkHello(raw: unknown): { hello: Hello } | { problem: string } {
  if (typeof raw !== "object" || raw === null) return { problem: `expected a hello, got ${describeField(raw)}` };
  const hello = raw as Partial<Record<keyof Hello | "type", unknown>>;
  if (hello.type !== "hello") return { problem: `expected a hello, got a message of type ${describeField(hello.type)}` };
  if (typeof hello.nodeId !== "string") return { problem: `nodeId must be a string, got ${describeField(hello.nodeId)}` };
  const idProblem = nodeIdProblem(hello.nodeId);
  if (idProblem !== undefined) return { problem: `nodeId: ${idProblem}` };
  const { addressLengthMax } = CLUSTER_NAME_LIMITS;
  if (typeof hello.address !== "string" || hello.address.length === 0 || hello.address.length > addressLengthMax) {
    return { problem: `address must be host:port of 1 to ${addressLengthMax} characters, got ${describeField(hello.address)}` };
  }
  if (!isIncarnation(hello.incarnation)) {
    const got = describeField(hello.incarnation);
    return { problem: `incarnation must be ${INCARNATION_BYTES * 2} lowercase hex digits, got ${got} (is the node older than the coordinator?)` };
  }
  return { hello: { nodeId: hello.nodeId, incarnation: hello.incarnation, address: hello.address } };
}

/** A received field for a message: strings quoted and cut short, anything else by its type. */
function describeField(value: unknown): string {
  if (typeof value === "string") return value.length <= 64 ? JSON.stringify(value) : `${JSON.stringify(value.slice(0, 64))}… (${value.length} characters)`;
  return value === null ? "null" : typeof value;
}
