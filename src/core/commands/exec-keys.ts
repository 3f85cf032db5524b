// The commands on whole keys (db.c, expire.c, object.c in redis-server 7.0): DEL, EXISTS, TYPE,
// the TTL and EXPIRE families, PERSIST, COPY, RENAME, OBJECT ENCODING, and the background
// expiry's delete.
import type { Entry } from "./entry.js";
import { INT64_MAX, INT64_MIN, parseInt64 } from "./int64.js";
import { withDeadline, type Executor } from "./exec-support.js";
import { sameBytes } from "./parse-keys.js";
import { ERRORS, NIL, OK_REPLY, bulk, integer, status } from "./reply.js";
import type { Command } from "./types.js";

type Of<K extends Command["kind"]> = Extract<Command, { kind: K }>;

/** Redis keeps small strings in one allocation with their header (embstr) up to 44 bytes. */
const EMBSTR_BYTES_MAX = 44;
/** Redis keeps a hash as a listpack while it has at most 128 fields of at most 64 bytes. */
const LISTPACK_FIELDS_MAX = 128;
const LISTPACK_VALUE_BYTES_MAX = 64;

export const execDel: Executor<Of<"del">> = (cmd, view) => {
  let deleted = 0;
  for (const key of cmd.keys) {
    if (view.get(key) === null) continue;
    view.put(key, null);
    deleted++;
  }
  return integer(deleted);
};

export const execExists: Executor<Of<"exists">> = (cmd, view) =>
  integer(cmd.keys.filter((key) => view.get(key) !== null).length);

export const execType: Executor<Of<"type">> = (cmd, view) => status(view.get(cmd.key)?.kind ?? "none");

export const execTtl: Executor<Of<"ttl">> = (cmd, view, env) => {
  const entry = view.get(cmd.key);
  if (entry === null) return integer(-2);
  if (entry.expiresAtMs === undefined) return integer(-1);
  const ms = Math.max(0, cmd.absolute ? entry.expiresAtMs : entry.expiresAtMs - env.nowMs);
  return integer(cmd.unit === "ms" ? ms : Math.floor((ms + 500) / 1000));
};

export const execExpire: Executor<Of<"expire">> = (cmd, view, env) => {
  let when = cmd.when;
  if (cmd.unit === "s") {
    if (when > INT64_MAX / 1000n || when < INT64_MIN / 1000n) return ERRORS.invalidExpireTime(cmd.name);
    when *= 1000n;
  }
  const base = cmd.absolute ? 0n : BigInt(env.nowMs);
  if (when > INT64_MAX - base) return ERRORS.invalidExpireTime(cmd.name);
  when += base;
  const entry = view.get(cmd.key);
  if (entry === null) return integer(0);
  if (!expireAllowed(cmd.conditions, entry.expiresAtMs, when)) return integer(0);
  view.put(cmd.key, withDeadline(entry, Number(when))); // a deadline already past deletes the key
  return integer(1);
};

/** NX: no deadline yet; XX: one already; GT: later than the current (none counts as infinite); LT: earlier. */
function expireAllowed(conditions: Of<"expire">["conditions"], current: number | undefined, when: bigint): boolean {
  if (conditions.nx && current !== undefined) return false;
  if (conditions.xx && current === undefined) return false;
  if (conditions.gt && (current === undefined || when <= BigInt(current))) return false;
  if (conditions.lt && current !== undefined && when >= BigInt(current)) return false;
  return true;
}

export const execPersist: Executor<Of<"persist">> = (cmd, view) => {
  const entry = view.get(cmd.key);
  if (entry?.expiresAtMs === undefined) return integer(0);
  view.put(cmd.key, withDeadline(entry, undefined));
  return integer(1);
};

export const execCopy: Executor<Of<"copy">> = (cmd, view) => {
  const source = view.get(cmd.source);
  if (source === null) return integer(0);
  if (view.get(cmd.destination) !== null && !cmd.replace) return integer(0);
  view.put(cmd.destination, source); // entries are never changed in place, so sharing one is a copy
  return integer(1);
};

export const execRename: Executor<Of<"rename">> = (cmd, view) => {
  const source = view.get(cmd.source);
  if (source === null) return ERRORS.noSuchKey();
  const done = cmd.onlyIfAbsent ? integer(1) : OK_REPLY;
  if (sameBytes(cmd.source, cmd.destination)) return cmd.onlyIfAbsent ? integer(0) : OK_REPLY;
  if (cmd.onlyIfAbsent && view.get(cmd.destination) !== null) return integer(0);
  view.put(cmd.destination, source);
  view.put(cmd.source, null);
  return done;
};

export const execObjectEncoding: Executor<Of<"objectEncoding">> = (cmd, view) => {
  const entry = view.get(cmd.key);
  return entry === null ? NIL : bulk(encodingName(entry));
};

/** The encoding Redis would most likely use for this value (it also depends on how it was written). */
function encodingName(entry: Entry): string {
  if (entry.kind === "hash") {
    if (entry.fields.size > LISTPACK_FIELDS_MAX) return "hashtable";
    for (const [name, value] of entry.fields.values()) {
      if (name.length > LISTPACK_VALUE_BYTES_MAX || value.length > LISTPACK_VALUE_BYTES_MAX) return "hashtable";
    }
    return "listpack";
  }
  if (entry.value.length <= 20 && parseInt64(entry.value) !== null) return "int";
  return entry.value.length <= EMBSTR_BYTES_MAX ? "embstr" : "raw";
}

export const execDeleteExpired: Executor<Of<"deleteExpired">> = (cmd, view) =>
  // The view deletes every expired key a write command touches; this command only counts them.
  integer(cmd.keys.filter((key) => view.heldExpired(key)).length);
