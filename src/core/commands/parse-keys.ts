// Parsers of the commands on whole keys: DEL/UNLINK, EXISTS/TOUCH, TYPE, TTL and EXPIRE
// families, PERSIST, COPY, RENAME(NX), OBJECT ENCODING.
import { argText, int64Arg, token } from "./parse-support.js";
import { ERRORS, errorReply, isError, type ErrorReply } from "./reply.js";
import type { ExpireConditions, SingleCommand } from "./types.js";

type Parsed = SingleCommand | ErrorReply;

/** EXPIRE key time [NX|XX|GT|LT]: options first, then the time, as Redis checks them. */
export function parseExpire(args: Uint8Array[], name: string, unit: "s" | "ms", absolute: boolean): Parsed {
  const conditions: ExpireConditions = { nx: false, xx: false, gt: false, lt: false };
  for (const arg of args.slice(3)) {
    const word = token(arg);
    if (word === "NX") conditions.nx = true;
    else if (word === "XX") conditions.xx = true;
    else if (word === "GT") conditions.gt = true;
    else if (word === "LT") conditions.lt = true;
    else return errorReply("ERR", `Unsupported option ${argText(arg)}`);
  }
  if (conditions.nx && (conditions.xx || conditions.gt || conditions.lt)) {
    return errorReply("ERR", "NX and XX, GT or LT options at the same time are not compatible");
  }
  if (conditions.gt && conditions.lt) return errorReply("ERR", "GT and LT options at the same time are not compatible");
  const when = int64Arg(args[2] as Uint8Array);
  if (isError(when)) return when;
  return { kind: "expire", name, key: args[1] as Uint8Array, when, unit, absolute, conditions };
}

/** COPY source destination [DB index] [REPLACE]; ringkv has database 0 only. */
export function parseCopy(args: Uint8Array[]): Parsed {
  let replace = false;
  for (let i = 3; i < args.length; i++) {
    const word = token(args[i] as Uint8Array);
    if (word === "REPLACE") {
      replace = true;
    } else if (word === "DB" && i + 1 < args.length) {
      const db = int64Arg(args[++i] as Uint8Array);
      if (isError(db) || db < -(2n ** 31n) || db >= 2n ** 31n) return ERRORS.notInteger();
      if (db !== 0n) return ERRORS.dbIndexOutOfRange();
    } else {
      return ERRORS.syntax();
    }
  }
  if (sameBytes(args[1] as Uint8Array, args[2] as Uint8Array)) return ERRORS.sameObject();
  return { kind: "copy", source: args[1] as Uint8Array, destination: args[2] as Uint8Array, replace };
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
