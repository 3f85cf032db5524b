// Commands over the whole keyspace: SCAN, KEYS, RANDOMKEY, FLUSHDB and FLUSHALL. They take the
// whole keyspace on their connection (ordered after every earlier request there). An operator
// can remove FLUSHDB/FLUSHALL (or any command) with the server's disabledCommands setting.
import { isError } from "../core/commands/index.js";
import { bulk, type CommandReply } from "../core/commands/reply.js";
import { parseScanCursor, parseScanOptions } from "../core/commands/scan-options.js";
import { RingkvError } from "../shared/errors.js";
import type { Backend, Bytes } from "./backend.js";
import type { CommandContext, CommandDefinition } from "./context.js";
import { syntaxError } from "./reply-errors.js";
import { mapMaybe, OK, type Reply } from "./reply.js";

export const KEYSPACE_COMMANDS: CommandDefinition[] = [
  {
    name: "scan", arity: -2, flags: ["readonly"], keyspace: "read", group: "generic", since: "2.8.0",
    summary: "Incrementally iterate the keys space (every key present for the whole scan is returned)",
    complexity: "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0.",
    arguments: [
      { name: "cursor", type: "integer" },
      { name: "pattern", type: "pattern", token: "MATCH", optional: true },
      { name: "count", type: "integer", token: "COUNT", optional: true },
      { name: "type", type: "string", token: "TYPE", optional: true },
    ],
    run: runScan,
  },
  {
    name: "keys", arity: 2, flags: ["readonly"], keyspace: "read", group: "generic", since: "1.0.0",
    summary: "Find all keys matching the given pattern", complexity: "O(N) with N being the number of keys in the database",
    arguments: [{ name: "pattern", type: "pattern" }],
    run: (ctx, args) => need(ctx.server.backend, "keys").call(ctx.server.backend, args[1] as Bytes),
  },
  {
    name: "randomkey", arity: 1, flags: ["readonly"], keyspace: "read", group: "generic", since: "1.0.0",
    summary: "Return a random key from the keyspace", complexity: "O(1)",
    run: (ctx) => need(ctx.server.backend, "randomKey").call(ctx.server.backend),
  },
  flushCommand("flushdb", "Remove all keys from the current database"),
  flushCommand("flushall", "Remove all keys from all databases"),
];

function flushCommand(name: string, summary: string): CommandDefinition {
  return {
    name, arity: -1, flags: ["write"], keyspace: "write", group: "server", since: "1.0.0",
    summary: `${summary} (in one atomic, durable write)`, complexity: "O(N) where N is the total number of keys",
    arguments: [{ name: "flush-type", type: "oneof", optional: true, arguments: [
      { name: "async", type: "pure-token", token: "ASYNC" }, { name: "sync", type: "pure-token", token: "SYNC" },
    ] }],
    run: (ctx, args) => {
      const mode = args[1]?.toString("latin1").toUpperCase();
      if (args.length > 2 || (mode !== undefined && mode !== "ASYNC" && mode !== "SYNC")) return syntaxError();
      return mapMaybe(need(ctx.server.backend, "flush").call(ctx.server.backend), () => OK);
    },
  };
}

function runScan(ctx: CommandContext, args: Bytes[]): Reply | Promise<Reply> {
  const cursor = parseScanCursor(args[1] as Bytes);
  if (isError(cursor)) return cursor;
  const options = parseScanOptions(args.slice(2), true);
  if (isError(options)) return options;
  return mapMaybe(need(ctx.server.backend, "scan").call(ctx.server.backend, cursor, options), (page): CommandReply => ({
    kind: "array", items: [bulk(page.cursor.toString()), { kind: "array", items: page.keys.map((key) => bulk(key)) }],
  }));
}

/** The backend's method, or an error saying that this backend has none. */
function need<K extends "scan" | "keys" | "randomKey" | "flush">(backend: Backend, method: K): NonNullable<Backend[K]> {
  const found = backend[method];
  if (found === undefined) throw new RingkvError("ERR", `'${method.toLowerCase()}' is not supported by the cluster coordinator yet`);
  return found as NonNullable<Backend[K]>;
}
