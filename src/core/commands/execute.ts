// planCommand and executeCommand: the two pure functions every backend runs a command with.
// A backend (the standalone node, the cluster coordinator) locks and reads the planned keys,
// calls executeCommand with what they hold and the time, and makes the writes durable in one
// atomic write before it sends the reply. EXEC is one command over the keys of all its queued
// commands, so it is atomic wherever the keys live.
import { keyString } from "../cluster/key-string.js";
import { DEFAULT_LIMITS, REPLY_LIMITS } from "../../shared/limits.js";
import type { Entry } from "./entry.js";
import type { Env, Executor } from "./exec-support.js";
import * as hashes from "./exec-hashes.js";
import * as keys from "./exec-keys.js";
import * as strings from "./exec-strings.js";
import { array, isError, type CommandReply } from "./reply.js";
import type { Command, CommandKind, Key, SingleCommand } from "./types.js";
import { KeyView } from "./view.js";

export interface CommandPlan {
  /** Every key the command reads or writes, each once, in order of first mention. */
  keys: Key[];
  /** True when the command may change a key. */
  write: boolean;
}

export interface CommandResult {
  reply: CommandReply;
  /** Aligned with the plan's keys: the new entry, null to delete, undefined for no change. */
  writes: Array<Entry | null | undefined>;
}

export interface ExecuteOptions {
  /** Largest string, or encoded hash, one key may hold; default: the value limit of src/core/limits.ts. */
  valueBytesMax?: number;
  /** Uniform in [0, 1), for HRANDFIELD; default: a generator seeded from nowMs (the core has no Math.random). */
  random?: () => number;
  /** planCommand(command), when the caller has made it already (it read `current` by it). */
  plan?: CommandPlan;
}

const WRITE_KINDS: ReadonlySet<CommandKind> = new Set<CommandKind>([
  "set", "getex", "getdel", "mset", "append", "setrange", "incrby", "incrbyfloat", "del", "expire", "persist",
  "copy", "rename", "hset", "hsetnx", "hdel", "hincrby", "hincrbyfloat", "deleteExpired",
]);

export function planCommand(command: Command): CommandPlan {
  if (command.kind !== "exec") {
    // Most commands name one key (GET, SET): nothing to de-duplicate, so no Map and no keyString.
    const keys = keysOf(command);
    if (keys.length <= 1) return { keys: keys.slice(), write: WRITE_KINDS.has(command.kind) };
  }
  const unique = new Map<string, Key>();
  let write = false;
  const visit = (cmd: Command): void => {
    if (cmd.kind === "exec") {
      for (const queued of cmd.commands) if (!isError(queued)) visit(queued);
      return;
    }
    write ||= WRITE_KINDS.has(cmd.kind);
    for (const key of keysOf(cmd)) if (!unique.has(keyString(key))) unique.set(keyString(key), key);
  };
  visit(command);
  return { keys: [...unique.values()], write };
}

function keysOf(cmd: SingleCommand): Key[] {
  switch (cmd.kind) {
    case "mget": case "del": case "exists": case "deleteExpired": return cmd.keys;
    case "mset": return cmd.pairs.map(([key]) => key);
    case "copy": case "rename": return [cmd.source, cmd.destination];
    default: return [cmd.key];
  }
}

/**
 * Runs the command over `current` (aligned with planCommand's keys: what each holds, null for
 * nothing) at time `nowMs` (ms since the Unix epoch). Deterministic: the same inputs give the
 * same result. An entry whose deadline has passed counts as absent, and a write command deletes it.
 */
export function executeCommand(
  command: Command, current: ReadonlyArray<Entry | null>, nowMs: number, options: ExecuteOptions = {},
): CommandResult {
  const plan = options.plan ?? planCommand(command);
  const view = new KeyView(plan.keys, current, nowMs, options.valueBytesMax ?? DEFAULT_LIMITS.valueBytesMax);
  const env: Env = { nowMs, random: options.random ?? seededRandom(nowMs), replyElementsMax: REPLY_LIMITS.elementsMax };
  const reply = command.kind === "exec" ? runExec(command, view, env) : runOne(command, view, env);
  return { reply, writes: view.writes(plan.write) };
}

/** EXEC: each queued command in turn over the same view; one that fails changes nothing. */
function runExec(command: Extract<Command, { kind: "exec" }>, view: KeyView, env: Env): CommandReply {
  return array(command.commands.map((queued) => (isError(queued) ? queued : runOne(queued, view, env))));
}

/** One command; if it answers an error, whatever it had put is taken back. */
function runOne(command: SingleCommand, view: KeyView, env: Env): CommandReply {
  const mark = view.mark();
  const execute = EXECUTORS[command.kind] as unknown as Executor<typeof command>;
  const reply = execute(command, view, env);
  if (isError(reply)) view.restore(mark);
  return reply;
}

const EXECUTORS: { [K in Exclude<CommandKind, "exec">]: Executor<Extract<Command, { kind: K }>> } = {
  get: strings.execGet,
  set: strings.execSet,
  getex: strings.execGetex,
  getdel: strings.execGetdel,
  mget: strings.execMget,
  mset: strings.execMset,
  append: strings.execAppend,
  strlen: strings.execStrlen,
  getrange: strings.execGetrange,
  setrange: strings.execSetrange,
  incrby: strings.execIncrby,
  incrbyfloat: strings.execIncrbyfloat,
  del: keys.execDel,
  exists: keys.execExists,
  type: keys.execType,
  ttl: keys.execTtl,
  expire: keys.execExpire,
  persist: keys.execPersist,
  copy: keys.execCopy,
  rename: keys.execRename,
  objectEncoding: keys.execObjectEncoding,
  deleteExpired: keys.execDeleteExpired,
  hset: hashes.execHset,
  hsetnx: hashes.execHsetnx,
  hget: hashes.execHget,
  hmget: hashes.execHmget,
  hdel: hashes.execHdel,
  hexists: hashes.execHexists,
  hlen: hashes.execHlen,
  hstrlen: hashes.execHstrlen,
  hgetall: hashes.execHgetall,
  hincrby: hashes.execHincrby,
  hincrbyfloat: hashes.execHincrbyfloat,
  hrandfield: hashes.execHrandfield,
  hscan: hashes.execHscan,
};

/** A small deterministic generator (mulberry32) for callers that bring no randomness. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
