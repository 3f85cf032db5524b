// Server commands: INFO, DBSIZE, COMMAND (and its introspection subcommands), CONFIG (GET for
// redis-benchmark and clients that probe settings; SET only for the slow log and latency monitor
// thresholds).
import { RingkvError } from "../shared/errors.js";
import type { Bytes, ReplyValue } from "./backend.js";
import type { CommandContext, CommandDefinition, CommandSpec } from "./context.js";
import { commandDocs, commandInfoEntry, helpReply } from "./command-docs.js";
import { globMatch } from "../core/glob.js";
import { runInfo } from "./info.js";
import { parseInteger, syntaxError } from "./reply-errors.js";
import { OK, type Reply } from "./reply.js";
import { DIAGNOSTIC_SETTINGS, type DiagnosticSetting } from "../observability/diagnostics.js";

const INTROSPECTION_FLAGS: CommandDefinition["flags"] = ["loading", "stale"];

export const SERVER_COMMANDS: CommandDefinition[] = [
  {
    name: "info", arity: -1, flags: ["loading", "stale"], group: "server", since: "1.0.0",
    summary: "Get information and statistics about the server",
    arguments: [{ name: "section", type: "string", optional: true, multiple: true }],
    run: runInfo,
  },
  {
    name: "dbsize", arity: 1, flags: ["readonly", "fast"], keyspace: "read", group: "server", since: "1.0.0",
    summary: "Return the number of keys", run: (ctx) => ctx.server.backend.dbsize(),
  },
  {
    name: "command", arity: -1, flags: INTROSPECTION_FLAGS, group: "server", since: "2.8.13",
    summary: "Get array of command details", run: (ctx) => [...ctx.server.commands.all()].map(commandInfoEntry),
    subcommands: [
      { name: "command|count", arity: 2, flags: INTROSPECTION_FLAGS, group: "server", since: "2.8.13",
        summary: "Get total number of commands", run: (ctx) => ctx.server.commands.size },
      { name: "command|info", arity: -2, flags: INTROSPECTION_FLAGS, group: "server", since: "2.8.13",
        summary: "Get array of specific command details",
        arguments: [{ name: "command-name", type: "string", optional: true, multiple: true }],
        run: (ctx, args) => namedCommands(ctx, args).map((spec) => (spec ? commandInfoEntry(spec) : null)) },
      { name: "command|docs", arity: -2, flags: INTROSPECTION_FLAGS, group: "server", since: "7.0.0",
        summary: "Get array of specific command documentation",
        arguments: [{ name: "command-name", type: "string", optional: true, multiple: true }],
        run: runCommandDocs },
      { name: "command|list", arity: -2, flags: INTROSPECTION_FLAGS, group: "server", since: "7.0.0",
        summary: "Get an array of command names", run: runCommandList },
      { name: "command|help", arity: 2, flags: INTROSPECTION_FLAGS, group: "server", since: "5.0.0",
        summary: "Show helpful text about the different subcommands", run: (ctx) => helpReply(ctx, "command") },
    ],
  },
  {
    name: "time", arity: 1, flags: ["loading", "stale", "fast"], group: "server", since: "2.6.0",
    summary: "Return the current server time: Unix seconds and microseconds", complexity: "O(1)",
    run: () => {
      // The wall clock with microseconds: the process's time origin plus the monotonic time since.
      const micros = BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000));
      return [String(micros / 1_000_000n), String(micros % 1_000_000n)];
    },
  },
  {
    name: "config", arity: -2, flags: [], group: "server", since: "2.0.0",
    summary: "A container for server configuration commands",
    subcommands: [
      { name: "config|get", arity: -3, flags: ["admin", "noscript", "loading", "stale"], group: "server",
        since: "2.0.0", summary: "Get the values of configuration parameters matching glob patterns",
        arguments: [{ name: "parameter", type: "pattern", multiple: true }], run: runConfigGet },
      { name: "config|set", arity: -4, flags: ["admin", "noscript", "loading", "stale"], group: "server",
        since: "2.0.0", summary: `Change ${DIAGNOSTIC_SETTINGS.map((setting) => setting.name).join(", ")}; `
          + "ringkv's other settings are fixed when the process starts",
        arguments: [{ name: "data", type: "block", multiple: true, arguments: [
          { name: "parameter", type: "string" }, { name: "value", type: "string" },
        ] }],
        run: runConfigSet },
      { name: "config|help", arity: 2, flags: ["loading", "stale"], group: "server", since: "5.0.0",
        summary: "Show helpful text about the different subcommands", run: (ctx) => helpReply(ctx, "config") },
    ],
  },
];

/** The specs named in `COMMAND INFO|DOCS name...` (all of them without names); unknown -> undefined. */
function namedCommands(ctx: CommandContext, args: Bytes[]): Array<CommandSpec | undefined> {
  if (args.length === 2) return [...ctx.server.commands.all()];
  return args.slice(2).map((name) => ctx.server.commands.get(name.toString().toLowerCase()));
}

function runCommandDocs(ctx: CommandContext, args: Bytes[]): Reply {
  const docs = new Map<string, ReplyValue>();
  for (const spec of namedCommands(ctx, args)) if (spec) docs.set(spec.name, commandDocs(spec));
  return docs;
}

function runCommandList(ctx: CommandContext, args: Bytes[]): Reply {
  if (args.length > 2) return syntaxError();
  return [...ctx.server.commands.all()].map((spec) => spec.name);
}

/** The settings CONFIG GET shows, read from the running server. */
function configValues(ctx: CommandContext): Array<[string, string]> {
  const { limits } = ctx.server;
  return [
    ["save", ""], // no snapshots: every acknowledged write is already on disk
    ["appendonly", "no"],
    ["appendfsync", "always"],
    ["databases", "1"],
    ["maxclients", String(limits.connectionsMax)],
    ["maxmemory", "0"],
    ["maxmemory-policy", "noeviction"],
    ["proto-max-bulk-len", String(limits.bulkBytesMax)],
    ["client-query-buffer-limit", String(limits.requestBytesMax)],
    ["timeout", "0"],
    ["tcp-keepalive", "0"],
    ["cluster-enabled", "no"], // clients see one standalone server, also in front of a cluster
    ["notify-keyspace-events", ""],
    ["hash-max-listpack-entries", "128"],
    ["hash-max-listpack-value", "64"],
    ["hash-max-ziplist-entries", "128"],
    ["hash-max-ziplist-value", "64"],
    ["port", String(ctx.server.port())],
    ...DIAGNOSTIC_SETTINGS.map((setting): [string, string] => [setting.name, String(setting.get(ctx.server.diagnostics))]),
  ];
}

/** CONFIG SET name value ...: all of them or none, as in Redis; only the diagnostics settings change at run time. */
function runConfigSet(ctx: CommandContext, args: Bytes[]): Reply {
  if (args.length % 2 !== 0) return syntaxError();
  const changes: Array<[DiagnosticSetting, number]> = [];
  for (let index = 2; index < args.length; index += 2) {
    const name = (args[index] as Bytes).toString().toLowerCase();
    const setting = DIAGNOSTIC_SETTINGS.find((candidate) => candidate.name === name);
    if (setting === undefined) {
      if (!configValues(ctx).some(([known]) => known === name)) {
        return new RingkvError("ERR", `Unknown option or number of arguments for CONFIG SET - '${name}'`);
      }
      return new RingkvError("ERR", `CONFIG SET of '${name}' is not supported by ringkv: it is given on the command line `
        + `when the process starts (only ${DIAGNOSTIC_SETTINGS.map((known) => known.name).join(", ")} change at run time)`);
    }
    const value = parseInteger(args[index + 1] as Bytes);
    const failed = `CONFIG SET failed (possibly related to argument '${name}') - `;
    if (value === null) return new RingkvError("ERR", `${failed}argument couldn't be parsed into an integer`);
    if (value < setting.min || value > setting.max) {
      return new RingkvError("ERR", `${failed}argument must be between ${setting.min} and ${setting.max} inclusive`);
    }
    changes.push([setting, value]);
  }
  for (const [setting, value] of changes) setting.set(ctx.server.diagnostics, value);
  return OK;
}

function runConfigGet(ctx: CommandContext, args: Bytes[]): Reply {
  const patterns = args.slice(2).map((arg) => arg.toString());
  const matches = new Map<string, ReplyValue>();
  for (const [name, value] of configValues(ctx)) {
    if (patterns.some((pattern) => globMatch(pattern, name, { ignoreCase: true }))) matches.set(name, value);
  }
  return matches;
}
