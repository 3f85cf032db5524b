// CLIENT subcommands that tools use to look at and manage connections: CLIENT KILL (both
// forms), CLIENT NO-EVICT and CLIENT NO-TOUCH (answered: ringkv evicts nothing and keeps no
// access times), and the CLIENT LIST / CLIENT INFO line with Redis 7.0's fields.
import { RingkvError } from "../shared/errors.js";
import type { Bytes } from "./backend.js";
import type { CommandContext, CommandDefinition, Session } from "./context.js";
import { syntaxError } from "./reply-errors.js";
import { OK, type Reply } from "./reply.js";

const FLAGS: CommandDefinition["flags"] = ["noscript", "loading", "stale"];
export const DEFAULT_USER = "default";

export const CLIENT_ADMIN_SUBCOMMANDS: CommandDefinition[] = [
  { name: "client|kill", arity: -3, flags: ["admin", ...FLAGS], group: "connection", since: "2.4.0",
    summary: "Kill the connection of a client", arguments: [{ name: "filter", type: "oneof", arguments: [
      { name: "old-format", type: "string" },
      { name: "new-format", type: "block", multiple: true, arguments: [
        { name: "client-id", type: "integer", token: "ID", optional: true },
        { name: "ip:port", type: "string", token: "ADDR", optional: true },
        { name: "ip:port", type: "string", token: "LADDR", optional: true },
        { name: "username", type: "string", token: "USER", optional: true },
        { name: "yes/no", type: "string", token: "SKIPME", optional: true },
      ] },
    ] }],
    run: runClientKill },
  onOff("client|no-evict", "7.0.0", "Set client eviction mode for the current connection (ringkv evicts no client)"),
  onOff("client|no-touch", "7.2.0", "Controls whether commands sent by the client will alter the LRU/LFU of the keys they access (ringkv keeps none)"),
];

function onOff(name: string, since: string, summary: string): CommandDefinition {
  return {
    name, arity: 3, flags: FLAGS, group: "connection", since, summary,
    arguments: [{ name: "enabled", type: "oneof", arguments: [
      { name: "on", type: "pure-token", token: "ON" }, { name: "off", type: "pure-token", token: "OFF" },
    ] }],
    run: (_ctx, args) => (["ON", "OFF"].includes((args[2] as Bytes).toString("latin1").toUpperCase()) ? OK : syntaxError()),
  };
}

interface KillFilter {
  id?: number;
  addr?: string;
  laddr?: string;
  user?: string;
  skipMe: boolean;
}

/** CLIENT KILL addr:port (OK or "No such client"), or CLIENT KILL <filter> ... (how many were killed). */
function runClientKill(ctx: CommandContext, args: Bytes[]): Reply {
  if (args.length === 3) {
    const target = [...ctx.server.sessions()].find((session) => session.remoteAddress === (args[2] as Bytes).toString());
    if (target === undefined) return new RingkvError("ERR", "No such client");
    kill(ctx, target);
    return OK;
  }
  const filter = parseKillFilter(args);
  if (filter instanceof RingkvError) return filter;
  let killed = 0;
  for (const session of [...ctx.server.sessions()]) {
    if (!matches(filter, session) || (filter.skipMe && session === ctx.session)) continue;
    kill(ctx, session);
    killed++;
  }
  return killed;
}

function parseKillFilter(args: Bytes[]): KillFilter | RingkvError {
  const filter: KillFilter = { skipMe: true };
  if ((args.length - 2) % 2 !== 0) return syntaxError();
  for (let i = 2; i < args.length; i += 2) {
    const option = (args[i] as Bytes).toString("latin1").toUpperCase();
    const value = (args[i + 1] as Bytes).toString();
    if (option === "ID") {
      const id = /^[1-9][0-9]*$/.test(value) ? Number(value) : NaN;
      if (!Number.isSafeInteger(id)) return new RingkvError("ERR", "client-id should be greater than 0");
      filter.id = id;
    } else if (option === "ADDR") filter.addr = value;
    else if (option === "LADDR") filter.laddr = value;
    else if (option === "USER") filter.user = value;
    else if (option === "SKIPME") {
      if (value.toLowerCase() !== "yes" && value.toLowerCase() !== "no") return syntaxError();
      filter.skipMe = value.toLowerCase() === "yes";
    } else if (option === "TYPE" && value.toLowerCase() === "normal") {
      // Every ringkv client is a normal one.
    } else return syntaxError();
  }
  return filter;
}

function matches(filter: KillFilter, session: Session): boolean {
  return (filter.id === undefined || filter.id === session.id)
    && (filter.addr === undefined || filter.addr === session.remoteAddress)
    && (filter.laddr === undefined || filter.laddr === session.localAddress)
    && (filter.user === undefined || filter.user === DEFAULT_USER);
}

/** Closes a connection; one's own closes after this reply, as in Redis. */
function kill(ctx: CommandContext, session: Session): void {
  if (session === ctx.session) session.closeRequested = true;
  else session.kill();
}

/** A CLIENT LIST / CLIENT INFO line: Redis 7.2's fields in its order, then ringkv's `pipeline`. */
export function clientInfoLine(session: Session, lastCommand: string): string {
  const nowMs = Date.now();
  const ageSeconds = Math.floor((nowMs - session.createdAtMs) / 1000);
  const idleSeconds = Math.floor((nowMs - session.lastCommandAtMs) / 1000);
  const multi = session.transaction === undefined ? -1 : session.transaction.queued.length;
  const omem = session.outputBytes();
  return `id=${session.id} addr=${session.remoteAddress} laddr=${session.localAddress} fd=-1 name=${session.name} `
    + `age=${ageSeconds} idle=${idleSeconds} flags=${session.transaction ? "x" : "N"} db=0 sub=0 psub=0 ssub=0 `
    + `multi=${multi} qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 omem=${omem} tot-mem=${omem} `
    + `events=r cmd=${lastCommand || "NULL"} user=${DEFAULT_USER} redir=-1 resp=${session.protocol} `
    + `lib-name=${session.libName} lib-ver=${session.libVersion} pipeline=${session.pendingRequests()}\n`;
}
