// Parsers of the string commands (GET, SET and its forms, GETEX, counters, ranges), with
// redis-server 7.0's option rules and error texts.
import { int64Arg, pairsFrom, token } from "./parse-support.js";
import { parseInt64 } from "./int64.js";
import { ERRORS, errorReply, isError, type ErrorReply } from "./reply.js";
import type { ExpiryArg, SingleCommand } from "./types.js";

type Parsed = SingleCommand | ErrorReply;
const EXPIRY_UNITS: Record<string, Omit<ExpiryArg, "value">> = {
  EX: { unit: "s", absolute: false },
  PX: { unit: "ms", absolute: false },
  EXAT: { unit: "s", absolute: true },
  PXAT: { unit: "ms", absolute: true },
};

interface StringOptions {
  condition: "NX" | "XX" | undefined;
  get: boolean;
  keepTtl: boolean;
  persist: boolean;
  expiry: ExpiryArg | undefined;
  expiryWord: string | undefined;
}

/**
 * SET's and GETEX's options (Redis's parseExtendedStringArgumentsOrReply): NX/XX/GET/KEEPTTL
 * for SET, PERSIST for GETEX, one kind of EX/PX/EXAT/PXAT for both (repeating the same kind is
 * allowed, the last one counts); anything else is a syntax error.
 */
function parseStringOptions(args: Uint8Array[], from: number, forSet: boolean): StringOptions | ErrorReply {
  const options: StringOptions = { condition: undefined, get: false, keepTtl: false, persist: false, expiry: undefined, expiryWord: undefined };
  for (let i = from; i < args.length; i++) {
    const word = token(args[i] as Uint8Array);
    const next = args[i + 1];
    const expiryFree = (allowed?: string) => options.expiryWord === undefined || options.expiryWord === allowed;
    if (forSet && word === "NX" && options.condition !== "XX") options.condition = "NX";
    else if (forSet && word === "XX" && options.condition !== "NX") options.condition = "XX";
    else if (forSet && word === "GET") options.get = true;
    else if (forSet && word === "KEEPTTL" && expiryFree()) options.keepTtl = true;
    else if (!forSet && word === "PERSIST" && expiryFree()) options.persist = true;
    else if (EXPIRY_UNITS[word] && !options.keepTtl && !options.persist && expiryFree(word) && next !== undefined) {
      options.expiryWord = word;
      options.expiry = { ...(EXPIRY_UNITS[word] as Omit<ExpiryArg, "value">), value: parseInt64(next) };
      i++;
    } else {
      return ERRORS.syntax();
    }
  }
  return options;
}

export function parseSet(args: Uint8Array[]): Parsed {
  const options = parseStringOptions(args, 3, true);
  if (isError(options)) return options;
  return {
    kind: "set", name: "set", key: args[1] as Uint8Array, value: args[2] as Uint8Array, condition: options.condition,
    get: options.get, expiry: options.expiry, keepTtl: options.keepTtl, replyAs: "ok",
  };
}

export function parseSetnx(args: Uint8Array[]): Parsed {
  return { kind: "set", name: "setnx", key: args[1] as Uint8Array, value: args[2] as Uint8Array, condition: "NX",
    get: false, expiry: undefined, keepTtl: false, replyAs: "integer" };
}

/** SETEX key seconds value / PSETEX key milliseconds value. */
export function parseSetex(args: Uint8Array[], unit: "s" | "ms"): Parsed {
  return { kind: "set", name: unit === "s" ? "setex" : "psetex", key: args[1] as Uint8Array, value: args[3] as Uint8Array,
    condition: undefined, get: false, expiry: { unit, absolute: false, value: parseInt64(args[2] as Uint8Array) },
    keepTtl: false, replyAs: "ok" };
}

export function parseGetset(args: Uint8Array[]): Parsed {
  return { kind: "set", name: "getset", key: args[1] as Uint8Array, value: args[2] as Uint8Array, condition: undefined,
    get: true, expiry: undefined, keepTtl: false, replyAs: "ok" };
}

export function parseGetex(args: Uint8Array[]): Parsed {
  const options = parseStringOptions(args, 2, false);
  if (isError(options)) return options;
  return { kind: "getex", key: args[1] as Uint8Array, expiry: options.expiry, persist: options.persist };
}

export function parseMset(args: Uint8Array[], onlyIfNoneExist: boolean): Parsed {
  if (args.length % 2 === 0) return ERRORS.arity(onlyIfNoneExist ? "msetnx" : "mset");
  return { kind: "mset", pairs: pairsFrom(args, 1), onlyIfNoneExist };
}

export function parseGetrange(args: Uint8Array[]): Parsed {
  const start = int64Arg(args[2] as Uint8Array);
  if (isError(start)) return start;
  const end = int64Arg(args[3] as Uint8Array);
  if (isError(end)) return end;
  return { kind: "getrange", key: args[1] as Uint8Array, start, end };
}

export function parseSetrange(args: Uint8Array[]): Parsed {
  const offset = int64Arg(args[2] as Uint8Array);
  if (isError(offset)) return offset;
  if (offset < 0n) return errorReply("ERR", "offset is out of range");
  return { kind: "setrange", key: args[1] as Uint8Array, offset, value: args[3] as Uint8Array };
}

/** INCR/DECR (delta ±1) and INCRBY/DECRBY (delta from the argument). */
export function parseIncr(args: Uint8Array[], sign: 1n | -1n): Parsed {
  if (args.length === 2) return { kind: "incrby", key: args[1] as Uint8Array, delta: sign };
  const delta = int64Arg(args[2] as Uint8Array);
  if (isError(delta)) return delta;
  // -INT64_MIN does not fit 64 bits.
  if (sign === -1n && delta === -(1n << 63n)) return errorReply("ERR", "decrement would overflow");
  return { kind: "incrby", key: args[1] as Uint8Array, delta: sign * delta };
}
