// MULTI's queue and WATCH's marks, per connection. While a transaction is open every command
// but the transaction's own (EXEC, DISCARD, MULTI, WATCH, QUIT) is queued and answered QUEUED;
// a request refused while queueing (unknown command, wrong arity, a key over the limit) makes
// EXEC answer EXECABORT, as in Redis. Errors that only running a command finds (syntax,
// WRONGTYPE) are answered inside EXEC's reply, per command.
import { findCoreCommand } from "../core/commands/index.js";
import { REPLY_LIMITS } from "../shared/limits.js";
import type { Bytes } from "./backend.js";
import type { CommandContext, CommandSpec, Session } from "./context.js";
import type { Reply } from "./reply.js";

/** Commands that act on the transaction itself instead of being queued. */
const CONTROL_COMMANDS = new Set(["exec", "discard", "multi", "watch", "quit"]);

/** True when the request is to be queued rather than run. */
export function queuesInTransaction(ctx: CommandContext, spec: CommandSpec): boolean {
  return ctx.session.transaction !== undefined && !CONTROL_COMMANDS.has(spec.name);
}

/**
 * Queues a request of an open transaction. Data commands of src/core/commands run at EXEC as one
 * atomic command; commands without data (PING, ECHO, TIME, CLIENT...) run in their place at EXEC;
 * commands over the whole keyspace (SCAN, KEYS, FLUSHALL...) cannot join: refused, so EXEC aborts.
 */
export function queueCommand(ctx: CommandContext, spec: CommandSpec, args: Bytes[]): Reply {
  const transaction = ctx.session.transaction;
  if (transaction === undefined) throw new Error("queueCommand outside a transaction");
  const dataFree = !spec.write && !spec.flags.includes("readonly") && spec.keyspace === undefined;
  if (findCoreCommand(args) === undefined && !dataFree) {
    transaction.dirty = true;
    return { kind: "error", code: "ERR", message: `${spec.name.toUpperCase()} inside MULTI is not supported by ringkv` };
  }
  if (transaction.queued.length >= REPLY_LIMITS.transactionCommandsMax) {
    transaction.dirty = true;
    return { kind: "error", code: "ERR", message: `a transaction holds at most ${REPLY_LIMITS.transactionCommandsMax} commands` };
  }
  transaction.queued.push({ spec, args });
  return { simple: "QUEUED" };
}

/** A request refused before it ran: inside MULTI, the transaction can no longer commit. */
export function flagTransactionError(session: Session): void {
  if (session.transaction) session.transaction.dirty = true;
}

/** Drops the connection's WATCH marks (UNWATCH, EXEC, DISCARD, a closed connection). */
export function releaseWatches(ctx: CommandContext): void {
  if (ctx.session.watched.length === 0) return;
  ctx.server.backend.unwatch?.(ctx.session.watched);
  ctx.session.watched = [];
}
