// The string commands, as redis-server 7.0 runs them (t_string.c): the order of their checks
// decides which error a bad request gets, so each follows Redis's order.
import { addLongDouble, formatLongDouble, longDoubleFromInteger, parseLongDouble } from "./long-double.js";
import { INT64_MAX, INT64_MIN, parseInt64 } from "./int64.js";
import {
  asciiBytes, expiryDeadline, stringAt, stringEntry, withDeadline, type Executor,
} from "./exec-support.js";
import { ERRORS, NIL, OK_REPLY, array, bulk, bulkOrNil, integer, isError, type ErrorReply } from "./reply.js";
import type { Command } from "./types.js";

type Of<K extends Command["kind"]> = Extract<Command, { kind: K }>;
const EMPTY = new Uint8Array(0);

export const execGet: Executor<Of<"get">> = (cmd, view) => {
  const found = stringAt(view, cmd.key);
  return isError(found) ? found : bulkOrNil(found?.value);
};

export const execSet: Executor<Of<"set">> = (cmd, view, env) => {
  let deadline: number | undefined;
  if (cmd.expiry !== undefined) {
    const computed = expiryDeadline(cmd.expiry, cmd.name, env.nowMs);
    if (isError(computed)) return computed;
    deadline = computed;
  }
  const current = view.get(cmd.key);
  if (cmd.get && current !== null && current.kind !== "string") return ERRORS.wrongType();
  const previous = cmd.get ? bulkOrNil(current?.kind === "string" ? current.value : null) : undefined;
  const found = current !== null;
  if ((cmd.condition === "NX" && found) || (cmd.condition === "XX" && !found)) {
    return previous ?? (cmd.replyAs === "integer" ? integer(0) : NIL);
  }
  const expiresAtMs = deadline ?? (cmd.keepTtl ? current?.expiresAtMs : undefined);
  const refused = view.put(cmd.key, stringEntry(cmd.value, expiresAtMs));
  if (refused) return refused;
  return previous ?? (cmd.replyAs === "integer" ? integer(1) : OK_REPLY);
};

export const execGetex: Executor<Of<"getex">> = (cmd, view, env) => {
  const found = stringAt(view, cmd.key);
  if (found === null || isError(found)) return found ?? NIL;
  if (cmd.expiry !== undefined) {
    const deadline = expiryDeadline(cmd.expiry, "getex", env.nowMs);
    if (isError(deadline)) return deadline;
    view.put(cmd.key, withDeadline(found, deadline)); // a deadline already past deletes the key
  } else if (cmd.persist && found.expiresAtMs !== undefined) {
    view.put(cmd.key, withDeadline(found, undefined));
  }
  return bulk(found.value);
};

export const execGetdel: Executor<Of<"getdel">> = (cmd, view) => {
  const found = stringAt(view, cmd.key);
  if (found === null || isError(found)) return found ?? NIL;
  view.put(cmd.key, null);
  return bulk(found.value);
};

export const execMget: Executor<Of<"mget">> = (cmd, view) =>
  array(cmd.keys.map((key) => {
    const entry = view.get(key);
    return entry?.kind === "string" ? bulk(entry.value) : NIL;
  }));

export const execMset: Executor<Of<"mset">> = (cmd, view) => {
  if (cmd.onlyIfNoneExist && cmd.pairs.some(([key]) => view.get(key) !== null)) return integer(0);
  for (const [key, value] of cmd.pairs) {
    const refused = view.put(key, stringEntry(value, undefined));
    if (refused) return refused;
  }
  return cmd.onlyIfNoneExist ? integer(1) : OK_REPLY;
};

export const execAppend: Executor<Of<"append">> = (cmd, view) => {
  const found = stringAt(view, cmd.key);
  if (isError(found)) return found;
  const value = found === null ? cmd.value : concat(found.value, cmd.value);
  const refused = view.put(cmd.key, stringEntry(value, found?.expiresAtMs));
  return refused ?? integer(value.length);
};

export const execStrlen: Executor<Of<"strlen">> = (cmd, view) => {
  const found = stringAt(view, cmd.key);
  return isError(found) ? found : integer(found?.value.length ?? 0);
};

export const execGetrange: Executor<Of<"getrange">> = (cmd, view) => {
  const found = stringAt(view, cmd.key);
  if (found === null) return bulk(EMPTY);
  if (isError(found)) return found;
  const length = BigInt(found.value.length);
  let { start, end } = cmd;
  if (start < 0n && end < 0n && start > end) return bulk(EMPTY);
  if (start < 0n) start += length;
  if (end < 0n) end += length;
  if (start < 0n) start = 0n;
  if (end < 0n) end = 0n;
  if (end >= length) end = length - 1n;
  if (start > end || length === 0n) return bulk(EMPTY);
  return bulk(found.value.subarray(Number(start), Number(end) + 1));
};

export const execSetrange: Executor<Of<"setrange">> = (cmd, view) => {
  const found = stringAt(view, cmd.key);
  if (isError(found)) return found;
  const current = found?.value ?? EMPTY;
  if (cmd.value.length === 0) return integer(current.length);
  const end = cmd.offset + BigInt(cmd.value.length);
  const size = end > BigInt(current.length) ? end : BigInt(current.length);
  const tooLarge = view.refuseValueBytes(size); // before allocating: the offset may be huge
  if (tooLarge) return tooLarge;
  const value = new Uint8Array(Number(size));
  value.set(current);
  value.set(cmd.value, Number(cmd.offset));
  const refused = view.put(cmd.key, stringEntry(value, found?.expiresAtMs));
  return refused ?? integer(value.length);
};

export const execIncrby: Executor<Of<"incrby">> = (cmd, view) => {
  const found = stringAt(view, cmd.key);
  if (isError(found)) return found;
  const current = found === null ? 0n : parseInt64(found.value);
  if (current === null) return ERRORS.notInteger();
  const next = current + cmd.delta;
  if (next > INT64_MAX || next < INT64_MIN) return ERRORS.overflow();
  const refused = view.put(cmd.key, stringEntry(asciiBytes(next.toString()), found?.expiresAtMs));
  return refused ?? integer(next);
};

export const execIncrbyfloat: Executor<Of<"incrbyfloat">> = (cmd, view) => {
  const found = stringAt(view, cmd.key);
  if (isError(found)) return found;
  const sum = addFloatText(found?.value, cmd.increment);
  if (isError(sum)) return sum;
  const text = asciiBytes(sum);
  const refused = view.put(cmd.key, stringEntry(text, found?.expiresAtMs));
  return refused ?? bulk(text);
};

/** current + increment as INCRBYFLOAT computes them, both read as long doubles; the sum's text. */
function addFloatText(current: Uint8Array | undefined, increment: Uint8Array): string | ErrorReply {
  const value = current === undefined ? longDoubleFromInteger(0n) : parseLongDouble(current);
  if (value === null) return ERRORS.notFloat();
  const by = parseLongDouble(increment);
  if (by === null) return ERRORS.notFloat();
  const sum = addLongDouble(value, by);
  return sum.kind === "finite" ? formatLongDouble(sum) : ERRORS.nanOrInfinity();
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
