// Redis's debugging commands: SLOWLOG GET/LEN/RESET, LATENCY LATEST/HISTORY/RESET and MONITOR.
// The state behind them (src/observability/diagnostics.ts) is the server's; these only answer.
import { RingkvError } from "../shared/errors.js";
import type { Bytes } from "./backend.js";
import type { CommandContext, CommandDefinition, CommandFlag } from "./context.js";
import { helpReply } from "./command-docs.js";
import { parseInteger } from "./reply-errors.js";
import { OK, type Reply } from "./reply.js";
import { slowLogReply } from "../observability/slowlog.js";

const ADMIN: CommandFlag[] = ["admin", "loading", "stale"];
const SLOWLOG_GET_DEFAULT_COUNT = 10;

export const DIAGNOSTIC_COMMANDS: CommandDefinition[] = [
  {
    name: "slowlog", arity: -2, flags: [], group: "server", since: "2.2.12",
    summary: "A container for slow log commands",
    subcommands: [
      { name: "slowlog|get", arity: -2, flags: ADMIN, group: "server", since: "2.2.12",
        summary: "Get the slow log's entries, newest first (default: 10, -1 means all)",
        arguments: [{ name: "count", type: "integer", optional: true }], run: runSlowlogGet },
      { name: "slowlog|len", arity: 2, flags: ADMIN, group: "server", since: "2.2.12",
        summary: "Get the slow log's length", run: (ctx) => ctx.server.diagnostics.slowlog.length },
      { name: "slowlog|reset", arity: 2, flags: ADMIN, group: "server", since: "2.2.12",
        summary: "Clear all entries from the slow log", run: (ctx) => {
          ctx.server.diagnostics.slowlog.reset();
          return OK;
        } },
      { name: "slowlog|help", arity: 2, flags: ["loading", "stale"], group: "server", since: "6.2.0",
        summary: "Show helpful text about the different subcommands", run: (ctx) => helpReply(ctx, "slowlog") },
    ],
  },
  {
    name: "latency", arity: -2, flags: [], group: "server", since: "2.8.13",
    summary: "A container for latency diagnostics commands (LATEST, HISTORY, RESET)",
    subcommands: [
      { name: "latency|latest", arity: 2, flags: ADMIN, group: "server", since: "2.8.13",
        summary: "Return the latest latency samples for all events", run: (ctx) => ctx.server.diagnostics.latency.latest() },
      { name: "latency|history", arity: 3, flags: ADMIN, group: "server", since: "2.8.13",
        summary: "Return time-latency samples for the event class (command, fast-command, persist)",
        arguments: [{ name: "event", type: "string" }],
        run: (ctx, args) => ctx.server.diagnostics.latency.history((args[2] as Bytes).toString()) },
      { name: "latency|reset", arity: -2, flags: ADMIN, group: "server", since: "2.8.13",
        summary: "Reset latency data of one or more event classes (default: all of them)",
        arguments: [{ name: "event", type: "string", optional: true, multiple: true }],
        run: (ctx, args) => ctx.server.diagnostics.latency.reset(args.slice(2).map((arg) => arg.toString())) },
      { name: "latency|help", arity: 2, flags: ["loading", "stale"], group: "server", since: "2.8.13",
        summary: "Show helpful text about the different subcommands", run: (ctx) => helpReply(ctx, "latency") },
    ],
  },
  {
    name: "monitor", arity: 1, flags: ["admin", "noscript", "loading", "stale"], group: "server", since: "1.0.0",
    summary: "Listen for all requests received by the server in real time",
    run: (ctx) => {
      ctx.server.diagnostics.monitors.add(ctx.session);
      return OK;
    },
  },
];

function runSlowlogGet(ctx: CommandContext, args: Bytes[]): Reply {
  if (args.length > 3) return new RingkvError("ERR", "unknown subcommand or wrong number of arguments for 'get'. Try SLOWLOG HELP.");
  let count = SLOWLOG_GET_DEFAULT_COUNT;
  if (args.length === 3) {
    const parsed = parseInteger(args[2] as Bytes);
    // Redis answers a count that is not an integer with the same message.
    if (parsed === null || parsed < -1) return new RingkvError("ERR", "count should be greater than or equal to -1");
    count = parsed;
  }
  return ctx.server.diagnostics.slowlog.newest(count).map(slowLogReply);
}
