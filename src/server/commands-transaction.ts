// MULTI, EXEC, DISCARD, WATCH and UNWATCH (see transaction.ts for the queue). EXEC hands every
// queued data command to the backend as ONE command, run atomically over all their keys and
// made durable in one write; the data-free commands of the queue answer in their places.
import { parseCommand, findCoreCommand, type CommandReply, type ErrorReply, type SingleCommand } from "../core/commands/index.js";
import { RingkvError } from "../shared/errors.js";
import { REPLY_LIMITS } from "../shared/limits.js";
import type { Bytes, ReplyValue } from "./backend.js";
import type { CommandContext, CommandDefinition, CommandSpec } from "./context.js";
import { errorReply as toErrorReply, isPromise, OK, type Reply } from "./reply.js";
import { releaseWatches } from "./transaction.js";

const FLAGS: CommandDefinition["flags"] = ["noscript", "loading", "stale", "fast"];

export const TRANSACTION_COMMANDS: CommandDefinition[] = [
  {
    name: "multi", arity: 1, flags: FLAGS, group: "transactions", since: "1.2.0", summary: "Mark the start of a transaction block",
    run: (ctx) => {
      if (ctx.session.transaction) return new RingkvError("ERR", "MULTI calls can not be nested");
      ctx.session.transaction = { queued: [], dirty: false };
      return OK;
    },
  },
  {
    name: "exec", arity: 1, flags: ["noscript", "loading", "stale"], keyspace: "write", group: "transactions", since: "1.2.0",
    summary: "Execute all commands issued after MULTI, atomically (also across nodes)", run: runExec,
  },
  {
    name: "discard", arity: 1, flags: FLAGS, group: "transactions", since: "2.0.0", summary: "Discard all commands issued after MULTI",
    run: (ctx) => {
      if (!ctx.session.transaction) return new RingkvError("ERR", "DISCARD without MULTI");
      ctx.session.transaction = undefined;
      releaseWatches(ctx);
      return OK;
    },
  },
  {
    name: "watch", arity: -2, flags: FLAGS, keys: { first: 1, last: -1, step: 1 }, group: "transactions", since: "2.2.0",
    summary: "Watch the given keys to determine execution of the MULTI/EXEC block",
    arguments: [{ name: "key", type: "key", multiple: true }], run: runWatch,
  },
  {
    name: "unwatch", arity: 1, flags: FLAGS, group: "transactions", since: "2.2.0", summary: "Forget about all watched keys",
    run: (ctx) => {
      releaseWatches(ctx);
      return OK;
    },
  },
];

function runWatch(ctx: CommandContext, args: Bytes[]): Reply {
  if (ctx.session.transaction) return new RingkvError("ERR", "WATCH inside MULTI is not allowed");
  const { backend } = ctx.server;
  if (backend.watch === undefined) return new RingkvError("ERR", "'watch' is not supported by the cluster coordinator yet");
  const keys = args.slice(1);
  if (ctx.session.watched.length + keys.length > REPLY_LIMITS.watchedKeysMax) {
    return new RingkvError("ERR", `a connection watches at most ${REPLY_LIMITS.watchedKeysMax} keys`);
  }
  ctx.session.watched.push(...backend.watch(keys));
  return OK;
}

function runExec(ctx: CommandContext): Reply | Promise<Reply> {
  const transaction = ctx.session.transaction;
  if (transaction === undefined) return new RingkvError("ERR", "EXEC without MULTI");
  ctx.session.transaction = undefined;
  const watched = ctx.session.watched;
  if (transaction.dirty) {
    releaseWatches(ctx);
    return { kind: "error", code: "EXECABORT", message: "Transaction discarded because of previous errors." };
  }
  const data: Array<SingleCommand | ErrorReply> = [];
  for (const { args } of transaction.queued) {
    if (findCoreCommand(args) === undefined) continue;
    data.push(parseCommand(args));
  }
  let result: CommandReply | Promise<CommandReply>;
  try {
    // The backend checks the marks when it takes the command, so they can go right after.
    result = ctx.server.backend.command({ kind: "exec", commands: data }, { watched });
  } finally {
    releaseWatches(ctx);
  }
  const finish = (reply: CommandReply): Reply | Promise<Reply> =>
    reply.kind === "array" ? answerInOrder(ctx, transaction.queued, reply.items) : reply;
  return isPromise(result) ? result.then(finish) : finish(result);
}

/** EXEC's reply: the data commands' replies and the data-free commands', in queue order. */
function answerInOrder(ctx: CommandContext, queued: Array<{ spec: CommandSpec; args: Bytes[] }>, dataReplies: CommandReply[]): Reply | Promise<Reply> {
  let next = 0;
  const replies = queued.map(({ spec, args }): ReplyValue | Promise<ReplyValue> => {
    if (findCoreCommand(args) !== undefined) return dataReplies[next++] as CommandReply;
    return runDataFree(ctx, spec, args);
  });
  if (!replies.some(isPromise)) return replies as ReplyValue[];
  return Promise.all(replies);
}

function runDataFree(ctx: CommandContext, spec: CommandSpec, args: Bytes[]): ReplyValue | Promise<ReplyValue> {
  try {
    const reply = (spec.run as NonNullable<CommandSpec["run"]>)(ctx, args);
    return isPromise(reply) ? reply.then(asValue, (error: unknown) => asValue(toErrorReply(error))) : asValue(reply);
  } catch (error) {
    return asValue(toErrorReply(error));
  }
}

/** An error inside EXEC's array is an element like any other. */
function asValue(reply: Reply): ReplyValue {
  return reply instanceof RingkvError ? { kind: "error", code: reply.code, message: reply.message } : reply;
}
