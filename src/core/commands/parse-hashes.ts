// Parsers of the hash commands, with redis-server 7.0's checks and error texts.
import { int64Arg, pairsFrom, token } from "./parse-support.js";
import { parseLongDouble } from "./long-double.js";
import { parseScanCursor } from "./scan-options.js";
import { ERRORS, errorReply, isError, type ErrorReply } from "./reply.js";
import type { SingleCommand } from "./types.js";

type Parsed = SingleCommand | ErrorReply;
/** HRANDFIELD's count must be within ±LONG_MAX, and within ±LONG_MAX/2 WITHVALUES. */
const LONG_MAX = (1n << 63n) - 1n;

export function parseHset(args: Uint8Array[], name: "hset" | "hmset"): Parsed {
  if (args.length % 2 === 1) return ERRORS.arity(name);
  return { kind: "hset", key: args[1] as Uint8Array, pairs: pairsFrom(args, 2), replyAs: name === "hset" ? "count" : "ok" };
}

export function parseHincrby(args: Uint8Array[]): Parsed {
  const delta = int64Arg(args[3] as Uint8Array);
  if (isError(delta)) return delta;
  return { kind: "hincrby", key: args[1] as Uint8Array, field: args[2] as Uint8Array, delta };
}

export function parseHincrbyfloat(args: Uint8Array[]): Parsed {
  const increment = parseLongDouble(args[3] as Uint8Array);
  if (increment === null) return ERRORS.notFloat();
  if (increment.kind === "infinity") return errorReply("ERR", "value is NaN or Infinity");
  return { kind: "hincrbyfloat", key: args[1] as Uint8Array, field: args[2] as Uint8Array, increment };
}

/** HRANDFIELD key [count [WITHVALUES]]. */
export function parseHrandfield(args: Uint8Array[]): Parsed {
  const key = args[1] as Uint8Array;
  if (args.length === 2) return { kind: "hrandfield", key, count: undefined, withValues: false };
  const count = int64Arg(args[2] as Uint8Array);
  if (isError(count)) return count;
  if (count < -LONG_MAX) {
    return errorReply("ERR", `value is out of range, value must between ${-LONG_MAX} and ${LONG_MAX}`);
  }
  if (args.length > 4 || (args.length === 4 && token(args[3] as Uint8Array) !== "WITHVALUES")) return ERRORS.syntax();
  const withValues = args.length === 4;
  if (withValues && (count < -LONG_MAX / 2n || count > LONG_MAX / 2n)) return errorReply("ERR", "value is out of range");
  return { kind: "hrandfield", key, count, withValues };
}

/** HSCAN key cursor [MATCH pattern] [COUNT count]: the options are checked on run, after the key. */
export function parseHscan(args: Uint8Array[]): Parsed {
  const cursor = parseScanCursor(args[2] as Uint8Array);
  if (isError(cursor)) return cursor;
  return { kind: "hscan", key: args[1] as Uint8Array, cursor, options: args.slice(3) };
}
