// The parsed, validated form of every command src/core/commands runs: what parseCommand makes
// from RESP arguments and what planCommand / executeCommand take. Arguments that Redis checks
// only after looking a key up (so that the error, or the lack of one, depends on the key) are
// kept as parsed-but-unchecked values and checked by the executor, in Redis's order.
import type { LongDouble } from "./long-double.js";
import type { ErrorReply } from "./reply.js";

export type Key = Uint8Array;

/** EX/PX/EXAT/PXAT's time argument: `value` null when it is not an integer (checked on run). */
export interface ExpiryArg {
  unit: "s" | "ms";
  /** EXAT/PXAT: a Unix time; EX/PX: relative to now. */
  absolute: boolean;
  value: bigint | null;
}

/** EXPIRE's NX/XX/GT/LT. */
export interface ExpireConditions {
  nx: boolean;
  xx: boolean;
  gt: boolean;
  lt: boolean;
}

export type Command =
  | { kind: "get"; key: Key }
  /** SET and its forms: SETNX (reply 1/0), SETEX/PSETEX, GETSET (= SET ... GET). `name` words errors. */
  | { kind: "set"; name: string; key: Key; value: Uint8Array; condition: "NX" | "XX" | undefined; get: boolean;
      expiry: ExpiryArg | undefined; keepTtl: boolean; replyAs: "ok" | "integer" }
  | { kind: "getex"; key: Key; expiry: ExpiryArg | undefined; persist: boolean }
  | { kind: "getdel"; key: Key }
  | { kind: "mget"; keys: Key[] }
  /** MSET; MSETNX (onlyIfNoneExist) answers 1/0 and writes all or none. */
  | { kind: "mset"; pairs: Array<[Key, Uint8Array]>; onlyIfNoneExist: boolean }
  | { kind: "append"; key: Key; value: Uint8Array }
  | { kind: "strlen"; key: Key }
  | { kind: "getrange"; key: Key; start: bigint; end: bigint }
  | { kind: "setrange"; key: Key; offset: bigint; value: Uint8Array }
  /** INCR, DECR, INCRBY, DECRBY. */
  | { kind: "incrby"; key: Key; delta: bigint }
  /** The increment is parsed on run: Redis checks the key's type and value first. */
  | { kind: "incrbyfloat"; key: Key; increment: Uint8Array }
  /** DEL and UNLINK. */
  | { kind: "del"; keys: Key[] }
  /** EXISTS and TOUCH: how many of the named keys exist, a repeated key counted each time. */
  | { kind: "exists"; keys: Key[] }
  | { kind: "type"; key: Key }
  /** TTL, PTTL, EXPIRETIME, PEXPIRETIME. */
  | { kind: "ttl"; key: Key; unit: "s" | "ms"; absolute: boolean }
  /** EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT. */
  | { kind: "expire"; name: string; key: Key; when: bigint; unit: "s" | "ms"; absolute: boolean; conditions: ExpireConditions }
  | { kind: "persist"; key: Key }
  | { kind: "copy"; source: Key; destination: Key; replace: boolean }
  /** RENAME, RENAMENX (onlyIfAbsent: answers 1/0). */
  | { kind: "rename"; source: Key; destination: Key; onlyIfAbsent: boolean }
  | { kind: "objectEncoding"; key: Key }
  /** HSET (answers how many fields are new) and HMSET (answers OK). */
  | { kind: "hset"; key: Key; pairs: Array<[Uint8Array, Uint8Array]>; replyAs: "count" | "ok" }
  | { kind: "hsetnx"; key: Key; field: Uint8Array; value: Uint8Array }
  | { kind: "hget"; key: Key; field: Uint8Array }
  | { kind: "hmget"; key: Key; fields: Uint8Array[] }
  | { kind: "hdel"; key: Key; fields: Uint8Array[] }
  | { kind: "hexists"; key: Key; field: Uint8Array }
  | { kind: "hlen"; key: Key }
  | { kind: "hstrlen"; key: Key; field: Uint8Array }
  /** HKEYS, HVALS, HGETALL. */
  | { kind: "hgetall"; key: Key; part: "keys" | "values" | "all" }
  | { kind: "hincrby"; key: Key; field: Uint8Array; delta: bigint }
  | { kind: "hincrbyfloat"; key: Key; field: Uint8Array; increment: LongDouble }
  | { kind: "hrandfield"; key: Key; count: bigint | undefined; withValues: boolean }
  /** HSCAN: a whole hash fits one entry, so one call returns every field (cursor 0), as Redis does for small hashes. */
  | { kind: "hscan"; key: Key; cursor: bigint; options: Uint8Array[] }
  /** Deletes those of the keys whose deadline has passed (the background expiry's command). */
  | { kind: "deleteExpired"; keys: Key[] }
  /** EXEC: the queued commands (or why one could not be parsed), run in order as one command. */
  | { kind: "exec"; commands: Array<SingleCommand | ErrorReply> };

export type CommandKind = Command["kind"];
/** Any command but EXEC (transactions do not nest). */
export type SingleCommand = Exclude<Command, { kind: "exec" }>;
