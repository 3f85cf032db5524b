// From a request's arguments to a reply, in Redis's order of checks: is the command known,
// is the arity right, is the connection authenticated, are the keys within limits; then the
// handler runs. A handler that throws (synchronously) becomes an error reply here; one that
// rejects is handled by the connection, which owns the request's life after this point.
import { RingkvError } from "../shared/errors.js";
import type { Bytes } from "./backend.js";
import { arityAllows, commandKeys } from "./command-table.js";
import type { CommandCatalog, CommandContext, CommandSpec } from "./context.js";
import { arityError, noAuthError, unknownCommandError, unknownSubcommandError } from "./reply-errors.js";
import { errorReply, isInternalError, type Reply } from "./reply.js";
import { flagTransactionError, queueCommand, queuesInTransaction } from "./transaction.js";

/** The command a request names (a container's subcommand when it has one), or the error reply. */
export function resolveCommand(table: CommandCatalog, args: Bytes[]): CommandSpec | RingkvError {
  let spec = table.lookup((args[0] as Bytes).toString("latin1"));
  if (spec === undefined) return unknownCommandError(args);
  if (spec.subcommands && args.length >= 2) {
    const sub = spec.subcommands.get((args[1] as Bytes).toString("latin1").toLowerCase());
    if (sub === undefined) return unknownSubcommandError(args[0] as Bytes, args[1] as Bytes);
    spec = sub;
  }
  if (!arityAllows(spec.arity, args.length) || spec.run === undefined) return arityError(spec.name);
  return spec;
}

/** Runs a resolved command: checks access and limits, then calls its handler. */
export function executeCommand(ctx: CommandContext, spec: CommandSpec, args: Bytes[]): Reply | Promise<Reply> {
  if (!ctx.session.authenticated && !spec.noAuth) {
    flagTransactionError(ctx.session);
    return noAuthError();
  }
  if (spec.keys) {
    const refused = checkKeys(ctx, commandKeys(spec.keys, args));
    if (refused) {
      flagTransactionError(ctx.session);
      return refused;
    }
  }
  if (queuesInTransaction(ctx, spec)) return queueCommand(ctx, spec, args);
  ctx.session.lastCommand = spec.name;
  ctx.session.lastCommandAtMs = Date.now();
  ctx.server.stats.totalCommandsProcessed++;
  // Observability hook: MONITOR, slow log, latency monitor and per-command stats.
  const { diagnostics } = ctx.server;
  const startedMs = diagnostics.commandStarted(ctx.session, spec, args);
  const reply = runHandler(ctx, spec, args);
  diagnostics.commandEnded(ctx.session, spec, args, startedMs, reply);
  return reply;
}

function runHandler(ctx: CommandContext, spec: CommandSpec, args: Bytes[]): Reply | Promise<Reply> {
  try {
    return (spec.run as NonNullable<CommandSpec["run"]>)(ctx, args);
  } catch (error) {
    const reply = errorReply(error);
    if (isInternalError(reply)) {
      ctx.server.logger?.error({ err: error, command: spec.name, client: ctx.session.id }, "command failed unexpectedly");
    }
    return reply;
  }
}

function checkKeys(ctx: CommandContext, keys: Bytes[]): RingkvError | undefined {
  const { keyBytesMax, keysPerCommandMax } = ctx.server.limits;
  if (keys.length > keysPerCommandMax) {
    return new RingkvError("ERR", `too many keys: ${keys.length} in one command, the limit is ${keysPerCommandMax}`);
  }
  for (const key of keys) {
    if (key.length > keyBytesMax) {
      return new RingkvError("ERR", `key is ${key.length} bytes, the limit is ${keyBytesMax} bytes`);
    }
  }
  return undefined;
}
