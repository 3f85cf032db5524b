// The hash commands (t_hash.c in redis-server 7.0). A hash is one entry, replaced whole by each
// write: entries are never changed in place, so a command copies the field map it changes.
import { addLongDouble, formatLongDouble, longDoubleFromInteger, parseLongDouble } from "./long-double.js";
import { keyString } from "../cluster/key-string.js";
import type { HashEntry } from "./entry.js";
import { globMatch } from "../glob.js";
import { INT64_MAX, INT64_MIN, parseInt64 } from "./int64.js";
import { asciiBytes, hashAt, type Env, type Executor } from "./exec-support.js";
import { parseScanOptions } from "./scan-options.js";
import {
  EMPTY_ARRAY, ERRORS, NIL, OK_REPLY, array, bulk, bulkOrNil, errorReply, integer, isError, type CommandReply,
  type ErrorReply,
} from "./reply.js";
import type { Command } from "./types.js";
import type { KeyView } from "./view.js";

type Of<K extends Command["kind"]> = Extract<Command, { kind: K }>;
type Fields = HashEntry["fields"];

/** Replaces the hash's fields (none left deletes the key), keeping its deadline. */
function putFields(view: KeyView, key: Uint8Array, previous: HashEntry | null, fields: Fields): CommandReply | undefined {
  if (fields.size === 0) return view.put(key, null);
  const entry: HashEntry = previous?.expiresAtMs === undefined ? { kind: "hash", fields } : { kind: "hash", fields, expiresAtMs: previous.expiresAtMs };
  return view.put(key, entry);
}

export const execHset: Executor<Of<"hset">> = (cmd, view) => {
  const hash = hashAt(view, cmd.key);
  if (isError(hash)) return hash;
  const fields: Fields = new Map(hash?.fields);
  let added = 0;
  for (const [name, value] of cmd.pairs) {
    const id = keyString(name);
    if (!fields.has(id)) added++;
    fields.set(id, [name, value]);
  }
  return putFields(view, cmd.key, hash, fields) ?? (cmd.replyAs === "count" ? integer(added) : OK_REPLY);
};

export const execHsetnx: Executor<Of<"hsetnx">> = (cmd, view) => {
  const hash = hashAt(view, cmd.key);
  if (isError(hash)) return hash;
  const id = keyString(cmd.field);
  if (hash?.fields.has(id)) return integer(0);
  const fields: Fields = new Map(hash?.fields).set(id, [cmd.field, cmd.value]);
  return putFields(view, cmd.key, hash, fields) ?? integer(1);
};

export const execHget: Executor<Of<"hget">> = (cmd, view) => {
  const hash = hashAt(view, cmd.key);
  if (isError(hash)) return hash;
  return bulkOrNil(hash?.fields.get(keyString(cmd.field))?.[1]);
};

export const execHmget: Executor<Of<"hmget">> = (cmd, view) => {
  const hash = hashAt(view, cmd.key);
  if (isError(hash)) return hash;
  return array(cmd.fields.map((name) => bulkOrNil(hash?.fields.get(keyString(name))?.[1])));
};

export const execHdel: Executor<Of<"hdel">> = (cmd, view) => {
  const hash = hashAt(view, cmd.key);
  if (hash === null || isError(hash)) return hash ?? integer(0);
  const fields: Fields = new Map(hash.fields);
  let deleted = 0;
  for (const name of cmd.fields) if (fields.delete(keyString(name))) deleted++;
  if (deleted === 0) return integer(0);
  return putFields(view, cmd.key, hash, fields) ?? integer(deleted);
};

export const execHexists: Executor<Of<"hexists">> = (cmd, view) => {
  const hash = hashAt(view, cmd.key);
  if (isError(hash)) return hash;
  return integer(hash?.fields.has(keyString(cmd.field)) ? 1 : 0);
};

export const execHlen: Executor<Of<"hlen">> = (cmd, view) => {
  const hash = hashAt(view, cmd.key);
  return isError(hash) ? hash : integer(hash?.fields.size ?? 0);
};

export const execHstrlen: Executor<Of<"hstrlen">> = (cmd, view) => {
  const hash = hashAt(view, cmd.key);
  if (isError(hash)) return hash;
  return integer(hash?.fields.get(keyString(cmd.field))?.[1].length ?? 0);
};

export const execHgetall: Executor<Of<"hgetall">> = (cmd, view) => {
  const hash = hashAt(view, cmd.key);
  if (isError(hash)) return hash;
  const entries = [...(hash?.fields.values() ?? [])];
  if (cmd.part === "keys") return array(entries.map(([name]) => bulk(name)));
  if (cmd.part === "values") return array(entries.map(([, value]) => bulk(value)));
  return { kind: "map", entries: entries.map(([name, value]) => [bulk(name), bulk(value)]) };
};

export const execHincrby: Executor<Of<"hincrby">> = (cmd, view) => {
  const hash = hashAt(view, cmd.key);
  if (isError(hash)) return hash;
  const id = keyString(cmd.field);
  const stored = hash?.fields.get(id)?.[1];
  const current = stored === undefined ? 0n : parseInt64(stored);
  if (current === null) return errorReply("ERR", "hash value is not an integer");
  const next = current + cmd.delta;
  if (next > INT64_MAX || next < INT64_MIN) return ERRORS.overflow();
  const fields: Fields = new Map(hash?.fields).set(id, [cmd.field, asciiBytes(next.toString())]);
  return putFields(view, cmd.key, hash, fields) ?? integer(next);
};

export const execHincrbyfloat: Executor<Of<"hincrbyfloat">> = (cmd, view) => {
  const hash = hashAt(view, cmd.key);
  if (isError(hash)) return hash;
  const id = keyString(cmd.field);
  const stored = hash?.fields.get(id)?.[1];
  const current = stored === undefined ? longDoubleFromInteger(0n) : parseLongDouble(stored);
  if (current === null) return errorReply("ERR", "hash value is not a float");
  const sum = addLongDouble(current, cmd.increment);
  if (sum.kind !== "finite") return ERRORS.nanOrInfinity();
  const text = asciiBytes(formatLongDouble(sum));
  const fields: Fields = new Map(hash?.fields).set(id, [cmd.field, text]);
  return putFields(view, cmd.key, hash, fields) ?? bulk(text);
};

export const execHrandfield: Executor<Of<"hrandfield">> = (cmd, view, env) => {
  const hash = hashAt(view, cmd.key);
  if (isError(hash)) return hash;
  if (cmd.count === undefined) {
    if (hash === null) return NIL;
    return bulk((pick([...hash.fields.values()], env) as [Uint8Array, Uint8Array])[0]);
  }
  if (hash === null || cmd.count === 0n) return EMPTY_ARRAY;
  const entries = [...hash.fields.values()];
  const chosen = cmd.count < 0n ? withRepeats(entries, -cmd.count, env) : distinct(entries, cmd.count, env);
  if (isError(chosen)) return chosen;
  if (!cmd.withValues) return array(chosen.map(([name]) => bulk(name)));
  return { kind: "pairs", entries: chosen.map(([name, value]) => [bulk(name), bulk(value)]) };
};

function pick<T>(items: T[], env: Env): T {
  return items[Math.floor(env.random() * items.length)] as T;
}

/** `count` fields drawn independently (a negative count). */
function withRepeats<T>(items: T[], count: bigint, env: Env): T[] | ErrorReply {
  if (count > BigInt(env.replyElementsMax)) {
    return errorReply("ERR", `count is ${count}, the limit is ${env.replyElementsMax} elements in one reply`);
  }
  return Array.from({ length: Number(count) }, () => pick(items, env));
}

/** `count` distinct fields in random order; the whole hash, in its order, when it has no more. */
function distinct<T>(items: T[], count: bigint, env: Env): T[] {
  if (count >= BigInt(items.length)) return items;
  const pool = [...items];
  for (let i = 0; i < Number(count); i++) {
    const j = i + Math.floor(env.random() * (pool.length - i));
    [pool[i], pool[j]] = [pool[j] as T, pool[i] as T];
  }
  return pool.slice(0, Number(count));
}

export const execHscan: Executor<Of<"hscan">> = (cmd, view) => {
  const hash = hashAt(view, cmd.key);
  if (hash === null) return array([bulk("0"), EMPTY_ARRAY]);
  if (isError(hash)) return hash;
  const options = parseScanOptions(cmd.options, false);
  if (isError(options)) return options;
  const page: CommandReply[] = [];
  const pattern = options.match === undefined ? undefined : keyString(options.match);
  for (const [id, [name, value]] of hash.fields) {
    if (pattern !== undefined && !globMatch(pattern, id)) continue;
    page.push(bulk(name), bulk(value));
  }
  return array([bulk("0"), array(page)]);
};
