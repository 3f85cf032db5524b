// Turns raw replies into the typed results of the client's methods, checking that each reply has
// the shape its command promises. A reply of another shape is an UnexpectedReplyError that names
// the command and what came, never a silently wrong value.

import { RespReplyError, type RespValue } from "../codec/resp-decoder.js";
import { UnexpectedReplyError } from "./errors.js";

export function bulkOrNull(reply: RespValue, command: string): Buffer | null {
  if (reply === null || Buffer.isBuffer(reply)) return reply;
  throw unexpected(command, reply, "a bulk string or nil");
}

export function integer(reply: RespValue, command: string): number {
  if (typeof reply === "number" && Number.isInteger(reply)) return reply;
  if (typeof reply === "bigint") return Number(reply);
  throw unexpected(command, reply, "an integer");
}

/** Text from a simple or bulk string. */
export function text(reply: RespValue, command: string): string {
  if (typeof reply === "string") return reply;
  if (Buffer.isBuffer(reply)) return reply.toString("utf8");
  throw unexpected(command, reply, "a string");
}

export function list(reply: RespValue, command: string): RespValue[] {
  if (Array.isArray(reply)) return reply;
  throw unexpected(command, reply, "an array");
}

/** A record from a RESP3 map, or from a RESP2 flat array of field, value, field, value, ... */
export function record(reply: RespValue, command: string): Map<string, RespValue> {
  const entries: Array<[RespValue, RespValue]> = [];
  if (reply instanceof Map) entries.push(...reply);
  else if (Array.isArray(reply) && reply.length % 2 === 0) {
    for (let i = 0; i < reply.length; i += 2) entries.push([reply[i]!, reply[i + 1]!]);
  } else throw unexpected(command, reply, "a map or a list of field/value pairs");
  return new Map(entries.map(([field, value]) => [normalizeField(text(field, command)), value]));
}

/** "primary_partitions", "primary-partitions" and "primaryPartitions" are one field. */
function normalizeField(name: string): string {
  return name.replace(/[-_]/g, "").toLowerCase();
}

export function field(fields: Map<string, RespValue>, name: string, command: string): RespValue {
  const value = fields.get(normalizeField(name));
  if (value === undefined) throw new UnexpectedReplyError(`${command} answered a record without the field "${name}"`);
  return value;
}

/** true, 1, "1", "yes", "true" and "up" are true; false, 0, "0", "no", "false" and "down" are false. */
export function flag(reply: RespValue, command: string): boolean {
  if (typeof reply === "boolean") return reply;
  const value = typeof reply === "number" ? String(reply) : text(reply, command).toLowerCase();
  if (["1", "yes", "true", "up"].includes(value)) return true;
  if (["0", "no", "false", "down"].includes(value)) return false;
  throw unexpected(command, reply, "a yes/no flag");
}

function unexpected(command: string, reply: RespValue, expected: string): UnexpectedReplyError {
  return new UnexpectedReplyError(`${command} answered ${describe(reply)}, expected ${expected}`);
}

function describe(reply: RespValue): string {
  if (reply === null) return "nil";
  if (reply instanceof RespReplyError) return `the error "${reply.message}"`;
  if (Buffer.isBuffer(reply)) return `a bulk string of ${reply.length} bytes`;
  if (Array.isArray(reply)) return `an array of ${reply.length}`;
  if (reply instanceof Map) return `a map of ${reply.size}`;
  return `${typeof reply} ${JSON.stringify(String(reply)).slice(0, 60)}`;
}
