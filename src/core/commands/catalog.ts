// Every command src/core/commands runs: its name, Redis's arity and key positions, whether it
// writes, and its parser. The server's command table and COMMAND INFO are built from this list;
// parseCommand reads it too, so a command's shape is written down once.
import { parseCopy, parseExpire } from "./parse-keys.js";
import { parseHincrby, parseHincrbyfloat, parseHrandfield, parseHscan, parseHset } from "./parse-hashes.js";
import {
  parseGetex, parseGetrange, parseGetset, parseIncr, parseMset, parseSet, parseSetex, parseSetnx, parseSetrange,
} from "./parse-strings.js";
import { ERRORS, type ErrorReply } from "./reply.js";
import type { Key, SingleCommand } from "./types.js";

/** Where a command's keys are among its arguments (Redis's first/last/step; last < 0 counts from the end). */
export interface KeyPositions {
  first: number;
  last: number;
  step: number;
}

export interface CoreCommandSpec {
  /** Lower case; a subcommand's is `container|sub`. */
  name: string;
  /** N: exactly N arguments including the name; -N: at least N. */
  arity: number;
  write: boolean;
  /** Redis flags this command `fast` (O(1) or O(log N)). */
  fast: boolean;
  keys: KeyPositions;
  /** Arguments (the name first) to the command; arity is checked before. */
  parse(args: Uint8Array[]): SingleCommand | ErrorReply;
}

const ONE: KeyPositions = { first: 1, last: 1, step: 1 };
const ALL: KeyPositions = { first: 1, last: -1, step: 1 };
const TWO: KeyPositions = { first: 1, last: 2, step: 1 };

type Parse = CoreCommandSpec["parse"];
const key = (args: Uint8Array[]) => args[1] as Key;
const field = (args: Uint8Array[]) => args[2] as Uint8Array;
const keysFrom = (args: Uint8Array[]) => args.slice(1);

function spec(name: string, arity: number, flags: string, keys: KeyPositions, parse: Parse): CoreCommandSpec {
  return { name, arity, write: flags.includes("w"), fast: flags.includes("f"), keys, parse };
}

export const CORE_COMMANDS: readonly CoreCommandSpec[] = Object.freeze([
  // strings
  spec("get", 2, "rf", ONE, (a) => ({ kind: "get", key: key(a) })),
  spec("set", -3, "w", ONE, parseSet),
  spec("setnx", 3, "wf", ONE, parseSetnx),
  spec("setex", 4, "w", ONE, (a) => parseSetex(a, "s")),
  spec("psetex", 4, "w", ONE, (a) => parseSetex(a, "ms")),
  spec("getset", 3, "wf", ONE, parseGetset),
  spec("getex", -2, "wf", ONE, parseGetex),
  spec("getdel", 2, "wf", ONE, (a) => ({ kind: "getdel", key: key(a) })),
  spec("mget", -2, "rf", ALL, (a) => ({ kind: "mget", keys: keysFrom(a) })),
  spec("mset", -3, "w", { first: 1, last: -1, step: 2 }, (a) => parseMset(a, false)),
  spec("msetnx", -3, "w", { first: 1, last: -1, step: 2 }, (a) => parseMset(a, true)),
  spec("append", 3, "wf", ONE, (a) => ({ kind: "append", key: key(a), value: a[2] as Uint8Array })),
  spec("strlen", 2, "rf", ONE, (a) => ({ kind: "strlen", key: key(a) })),
  spec("getrange", 4, "r", ONE, parseGetrange),
  spec("setrange", 4, "w", ONE, parseSetrange),
  spec("incr", 2, "wf", ONE, (a) => parseIncr(a, 1n)),
  spec("decr", 2, "wf", ONE, (a) => parseIncr(a, -1n)),
  spec("incrby", 3, "wf", ONE, (a) => parseIncr(a, 1n)),
  spec("decrby", 3, "wf", ONE, (a) => parseIncr(a, -1n)),
  spec("incrbyfloat", 3, "wf", ONE, (a) => ({ kind: "incrbyfloat", key: key(a), increment: a[2] as Uint8Array })),
  // keys
  spec("del", -2, "w", ALL, (a) => ({ kind: "del", keys: keysFrom(a) })),
  spec("unlink", -2, "wf", ALL, (a) => ({ kind: "del", keys: keysFrom(a) })),
  spec("exists", -2, "rf", ALL, (a) => ({ kind: "exists", keys: keysFrom(a) })),
  spec("touch", -2, "rf", ALL, (a) => ({ kind: "exists", keys: keysFrom(a) })),
  spec("type", 2, "rf", ONE, (a) => ({ kind: "type", key: key(a) })),
  spec("ttl", 2, "rf", ONE, (a) => ({ kind: "ttl", key: key(a), unit: "s", absolute: false })),
  spec("pttl", 2, "rf", ONE, (a) => ({ kind: "ttl", key: key(a), unit: "ms", absolute: false })),
  spec("expiretime", 2, "rf", ONE, (a) => ({ kind: "ttl", key: key(a), unit: "s", absolute: true })),
  spec("pexpiretime", 2, "rf", ONE, (a) => ({ kind: "ttl", key: key(a), unit: "ms", absolute: true })),
  spec("expire", -3, "wf", ONE, (a) => parseExpire(a, "expire", "s", false)),
  spec("pexpire", -3, "wf", ONE, (a) => parseExpire(a, "pexpire", "ms", false)),
  spec("expireat", -3, "wf", ONE, (a) => parseExpire(a, "expireat", "s", true)),
  spec("pexpireat", -3, "wf", ONE, (a) => parseExpire(a, "pexpireat", "ms", true)),
  spec("persist", 2, "wf", ONE, (a) => ({ kind: "persist", key: key(a) })),
  spec("copy", -3, "w", TWO, parseCopy),
  spec("rename", 3, "w", TWO, (a) => ({ kind: "rename", source: key(a), destination: a[2] as Key, onlyIfAbsent: false })),
  spec("renamenx", 3, "wf", TWO, (a) => ({ kind: "rename", source: key(a), destination: a[2] as Key, onlyIfAbsent: true })),
  spec("object|encoding", 3, "r", { first: 2, last: 2, step: 1 }, (a) => ({ kind: "objectEncoding", key: a[2] as Key })),
  // hashes
  spec("hset", -4, "wf", ONE, (a) => parseHset(a, "hset")),
  spec("hmset", -4, "wf", ONE, (a) => parseHset(a, "hmset")),
  spec("hsetnx", 4, "wf", ONE, (a) => ({ kind: "hsetnx", key: key(a), field: field(a), value: a[3] as Uint8Array })),
  spec("hget", 3, "rf", ONE, (a) => ({ kind: "hget", key: key(a), field: field(a) })),
  spec("hmget", -3, "rf", ONE, (a) => ({ kind: "hmget", key: key(a), fields: a.slice(2) })),
  spec("hdel", -3, "wf", ONE, (a) => ({ kind: "hdel", key: key(a), fields: a.slice(2) })),
  spec("hexists", 3, "rf", ONE, (a) => ({ kind: "hexists", key: key(a), field: field(a) })),
  spec("hlen", 2, "rf", ONE, (a) => ({ kind: "hlen", key: key(a) })),
  spec("hstrlen", 3, "rf", ONE, (a) => ({ kind: "hstrlen", key: key(a), field: field(a) })),
  spec("hkeys", 2, "r", ONE, (a) => ({ kind: "hgetall", key: key(a), part: "keys" })),
  spec("hvals", 2, "r", ONE, (a) => ({ kind: "hgetall", key: key(a), part: "values" })),
  spec("hgetall", 2, "r", ONE, (a) => ({ kind: "hgetall", key: key(a), part: "all" })),
  spec("hincrby", 4, "wf", ONE, parseHincrby),
  spec("hincrbyfloat", 4, "wf", ONE, parseHincrbyfloat),
  spec("hrandfield", -2, "r", ONE, parseHrandfield),
  spec("hscan", -3, "r", ONE, parseHscan),
]);

const BY_NAME = new Map(CORE_COMMANDS.map((command) => [command.name, command]));

/** The core command a request names (`object|encoding` for OBJECT ENCODING), in any letter case. */
export function findCoreCommand(args: readonly Uint8Array[]): CoreCommandSpec | undefined {
  const name = lowerText(args[0]);
  return BY_NAME.get(name) ?? (args.length > 1 ? BY_NAME.get(`${name}|${lowerText(args[1])}`) : undefined);
}

/** True when `argc` arguments (the name included) satisfy Redis's arity convention. */
export function arityAllows(arity: number, argc: number): boolean {
  return arity >= 0 ? argc === arity : argc >= -arity;
}

/**
 * A request's arguments as a validated command, or Redis's error reply (arity, syntax, values).
 * Requests for commands outside src/core/commands are refused: the front end answers those.
 */
export function parseCommand(args: Uint8Array[]): SingleCommand | ErrorReply {
  const found = findCoreCommand(args);
  if (found === undefined) return { kind: "error", code: "ERR", message: `unknown command '${lowerText(args[0])}'` };
  if (!arityAllows(found.arity, args.length)) return ERRORS.arity(found.name);
  return found.parse(args);
}

function lowerText(arg: Uint8Array | undefined): string {
  let text = "";
  for (const byte of arg ?? []) text += String.fromCharCode(byte >= 0x41 && byte <= 0x5a ? byte + 0x20 : byte);
  return text;
}

