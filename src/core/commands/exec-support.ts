// What the command executors share: the environment a command runs in, and the lookups that
// every command of a type starts with.
import type { Entry, HashEntry, StringEntry } from "./entry.js";
import { INT64_MAX } from "./int64.js";
import { ERRORS, type CommandReply, type ErrorReply } from "./reply.js";
import type { ExpiryArg } from "./types.js";
import type { KeyView } from "./view.js";

export interface Env {
  nowMs: number;
  /** Uniform in [0, 1). */
  random(): number;
  /** Most elements one reply may hold (HRANDFIELD with a negative count). */
  replyElementsMax: number;
}

export type Executor<C> = (command: C, view: KeyView, env: Env) => CommandReply;

/** The string a key holds, null when absent, or WRONGTYPE. */
export function stringAt(view: KeyView, key: Uint8Array): StringEntry | null | ErrorReply {
  const entry = view.get(key);
  if (entry === null || entry.kind === "string") return entry;
  return ERRORS.wrongType();
}

/** The hash a key holds, null when absent, or WRONGTYPE. */
export function hashAt(view: KeyView, key: Uint8Array): HashEntry | null | ErrorReply {
  const entry = view.get(key);
  if (entry === null || entry.kind === "hash") return entry;
  return ERRORS.wrongType();
}

/** A string entry, with the deadline when there is one. */
export function stringEntry(value: Uint8Array, expiresAtMs: number | undefined): StringEntry {
  return expiresAtMs === undefined ? { kind: "string", value } : { kind: "string", value, expiresAtMs };
}

/** The same entry without a deadline, or with another one. */
export function withDeadline<E extends Entry>(entry: E, expiresAtMs: number | undefined): E {
  const { expiresAtMs: _old, ...rest } = entry;
  return (expiresAtMs === undefined ? rest : { ...rest, expiresAtMs }) as E;
}

/**
 * The deadline SET/SETEX/GETEX's time argument names (Redis's getExpireMillisecondsOrReply):
 * positive, within 64 bits once in milliseconds and added to now; else "invalid expire time".
 */
export function expiryDeadline(expiry: ExpiryArg, commandName: string, nowMs: number): number | ErrorReply {
  if (expiry.value === null) return ERRORS.notInteger();
  let ms = expiry.value;
  if (ms <= 0n || (expiry.unit === "s" && ms > INT64_MAX / 1000n)) return ERRORS.invalidExpireTime(commandName);
  if (expiry.unit === "s") ms *= 1000n;
  if (!expiry.absolute) ms += BigInt(nowMs);
  if (ms > INT64_MAX) return ERRORS.invalidExpireTime(commandName);
  return Number(ms);
}

const encoder = new TextEncoder();

export function asciiBytes(text: string): Uint8Array {
  return encoder.encode(text);
}
