// The data commands: GET, SET, MGET, MSET, DEL, EXISTS. They check what the backend
// cannot (syntax, value sizes; key sizes are checked by dispatch for every command) and
// shape the backend's answers into Redis's replies.
import { RingkvError } from "../shared/errors.js";
import type { Bytes, SetOptions } from "./backend.js";
import type { CommandContext, CommandDefinition } from "./context.js";
import { arityError, syntaxError } from "./reply-errors.js";
import { OK, mapMaybe, type Reply } from "./reply.js";

const ONE_KEY = { first: 1, last: 1, step: 1 };
const ALL_KEYS = { first: 1, last: -1, step: 1 };
/** SET's expiry options that take a time argument; one kind may be repeated, two may not mix. */
const EXPIRY_OPTIONS = new Set(["EX", "PX", "EXAT", "PXAT"]);

export const DATA_COMMANDS: CommandDefinition[] = [
  {
    name: "get", arity: 2, flags: ["readonly", "fast"], keys: ONE_KEY, group: "string", since: "1.0.0",
    summary: "Get the value of a key", complexity: "O(1)",
    arguments: [{ name: "key", type: "key" }],
    run: (ctx, args) => ctx.server.backend.get(args[1] as Bytes),
  },
  {
    name: "set", arity: -3, flags: ["write"], keys: ONE_KEY, group: "string", since: "1.0.0",
    summary: "Set the string value of a key (NX/XX conditions, GET the previous value)", complexity: "O(1)",
    arguments: [
      { name: "key", type: "key" },
      { name: "value", type: "string" },
      { name: "condition", type: "oneof", optional: true, arguments: [
        { name: "nx", type: "pure-token", token: "NX" },
        { name: "xx", type: "pure-token", token: "XX" },
      ] },
      { name: "get", type: "pure-token", token: "GET", optional: true },
    ],
    run: runSet,
  },
  {
    name: "mget", arity: -2, flags: ["readonly", "fast"], keys: ALL_KEYS, group: "string", since: "1.0.0",
    summary: "Get the values of all the given keys", complexity: "O(N) where N is the number of keys to retrieve.",
    arguments: [{ name: "key", type: "key", multiple: true }],
    run: (ctx, args) => ctx.server.backend.mget(args.slice(1)),
  },
  {
    name: "mset", arity: -3, flags: ["write"], keys: { first: 1, last: -1, step: 2 }, group: "string", since: "1.0.1",
    summary: "Set multiple keys to multiple values, atomically", complexity: "O(N) where N is the number of keys to set.",
    arguments: [{ name: "data", type: "block", multiple: true, arguments: [
      { name: "key", type: "key" },
      { name: "value", type: "string" },
    ] }],
    run: runMset,
  },
  {
    name: "del", arity: -2, flags: ["write"], keys: ALL_KEYS, group: "generic", since: "1.0.0",
    summary: "Delete keys, atomically; answers how many existed", complexity: "O(N) where N is the number of keys.",
    arguments: [{ name: "key", type: "key", multiple: true }],
    run: (ctx, args) => ctx.server.backend.del(args.slice(1)),
  },
  {
    name: "exists", arity: -2, flags: ["readonly", "fast"], keys: ALL_KEYS, group: "generic", since: "1.0.0",
    summary: "Determine how many of the keys exist (a key named twice counts twice)",
    complexity: "O(N) where N is the number of keys to check.",
    arguments: [{ name: "key", type: "key", multiple: true }],
    run: (ctx, args) => ctx.server.backend.exists(args.slice(1)),
  },
];

function runSet(ctx: CommandContext, args: Bytes[]): Reply | Promise<Reply> {
  const parsed = parseSetOptions(args);
  if (parsed instanceof RingkvError) return parsed;
  const value = args[2] as Bytes;
  const tooLarge = checkValueSize(ctx, value);
  if (tooLarge) return tooLarge;
  return mapMaybe(ctx.server.backend.set(args[1] as Bytes, value, parsed), (result): Reply => {
    if (parsed.returnPrevious) return result.previous ?? null;
    return result.written ? OK : null;
  });
}

/** SET's options after the value, with Redis 7's syntax rules; expiry is refused clearly. */
export function parseSetOptions(args: Bytes[]): SetOptions | RingkvError {
  const options: SetOptions = {};
  let expiry: string | undefined;
  for (let i = 3; i < args.length; i++) {
    const option = (args[i] as Bytes).toString("latin1").toUpperCase();
    const hasNext = i + 1 < args.length;
    if (option === "NX" && options.condition !== "XX") options.condition = "NX";
    else if (option === "XX" && options.condition !== "NX") options.condition = "XX";
    else if (option === "GET") options.returnPrevious = true;
    else if (option === "KEEPTTL" && (expiry === undefined || expiry === option)) expiry = option;
    else if (EXPIRY_OPTIONS.has(option) && hasNext && (expiry === undefined || expiry === option)) {
      expiry = option;
      i++; // the expiry's time argument
    } else {
      return syntaxError();
    }
  }
  if (expiry !== undefined) return new RingkvError("ERR", `expiry (${expiry}) is not supported yet by ringkv`);
  return options;
}

function runMset(ctx: CommandContext, args: Bytes[]): Reply | Promise<Reply> {
  if (args.length % 2 === 0) return arityError("mset");
  const pairs: Array<[Bytes, Bytes]> = [];
  for (let i = 1; i < args.length; i += 2) {
    const value = args[i + 1] as Bytes;
    const tooLarge = checkValueSize(ctx, value);
    if (tooLarge) return tooLarge;
    pairs.push([args[i] as Bytes, value]);
  }
  return mapMaybe(ctx.server.backend.mset(pairs), () => OK);
}

function checkValueSize(ctx: CommandContext, value: Bytes): RingkvError | undefined {
  const bytesMax = ctx.server.limits.valueBytesMax;
  if (value.length <= bytesMax) return undefined;
  return new RingkvError("ERR", `value is ${value.length} bytes, the limit is ${bytesMax} bytes`);
}
