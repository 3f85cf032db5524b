// What a command handler is and what it may read or change: the server's shared parts and the
// session of the connection it arrived on. The command specs live here too, not in
// command-table.ts: a handler takes this context, and the context lists the commands (COMMAND).
import type { Limits } from "../shared/limits.js";
import type { Backend, Bytes, KeyPositions, MaybePromise, ReplyValue, WatchHandle } from "./backend.js";
import type { ClientMemory } from "./client-memory.js";
import type { Reply } from "./reply.js";
import type { ServerStats } from "./stats.js";
import type { Diagnostics } from "../observability/diagnostics.js";

/** What the process is, for HELLO and INFO; extra fields appear in INFO's server section. */
export interface ServerInfo {
  mode: "standalone" | "coordinator" | "cluster-node";
  /** ringkv's own version. Clients see a Redis-compatible version (7.0.0) in HELLO/INFO. */
  version: string;
  [field: string]: string | number;
}

/** The subset of pino the server uses; any pino logger fits. */
export interface ServerLogger {
  info(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
  error(fields: object, message?: string): void;
}

/** Per-connection state that commands read and change (AUTH, HELLO, CLIENT SETNAME...). */
export interface Session {
  readonly id: number;
  readonly remoteAddress: string;
  readonly localAddress: string;
  readonly createdAtMs: number;
  protocol: 2 | 3;
  authenticated: boolean;
  name: string;
  libName: string;
  libVersion: string;
  /** Set by QUIT: reply to what came before, then close; later requests are ignored. */
  closeRequested: boolean;
  lastCommand: string;
  /** When the last command arrived (CLIENT LIST's `idle`), ms since the Unix epoch. */
  lastCommandAtMs: number;
  /** Closes the connection now (CLIENT KILL from another connection). */
  kill(): void;
  /** MULTI's queue while a transaction is open. */
  transaction: Transaction | undefined;
  /** WATCH's marks, until EXEC, DISCARD, UNWATCH or the connection closes. */
  watched: WatchHandle[];
  /** Bytes of replies not yet handed to the kernel (CLIENT LIST's `omem`). */
  outputBytes(): number;
  /** Requests read but not answered yet (CLIENT LIST's `pipeline`). */
  pendingRequests(): number;
  /** Queues a reply outside the request/response order (MONITOR's lines); false once closed. */
  push(reply: ReplyValue): boolean;
  /** Closes the connection at once, logging why (a MONITOR client that does not read). */
  disconnect(reason: string): void;
}

/** A transaction opened by MULTI. */
export interface Transaction {
  queued: Array<{ spec: CommandSpec; args: Bytes[] }>;
  /** A command was refused while queueing: EXEC answers EXECABORT. */
  dirty: boolean;
}

export interface ServerContext {
  readonly backend: Backend;
  readonly limits: Limits;
  readonly serverInfo: ServerInfo;
  readonly stats: ServerStats;
  readonly commands: CommandCatalog;
  /** Slow log, latency monitor, MONITOR feed and per-command stats (src/observability). */
  readonly diagnostics: Diagnostics;
  readonly logger: ServerLogger | undefined;
  readonly startedAtMs: number;
  /** True when a password is configured: connections start unauthenticated. */
  readonly passwordRequired: boolean;
  /** Checks a password in constant time; true when it is the configured one. */
  passwordMatches(candidate: Buffer): boolean;
  /** The TCP port the server listens on (0 before it listens). */
  port(): number;
  /** Sessions of the open connections, for CLIENT LIST. */
  sessions(): Iterable<Session>;
  /** The bytes all client connections hold, bounded by limits.clientBuffersBytesMax. */
  readonly clientMemory: ClientMemory;
}

export interface CommandContext {
  readonly server: ServerContext;
  readonly session: Session;
}

export type CommandHandler = (ctx: CommandContext, args: Bytes[]) => MaybePromise<Reply>;

/** Redis's command flag names, as COMMAND INFO shows them. */
export type CommandFlag = "write" | "readonly" | "fast" | "no_auth" | "loading" | "stale" | "admin" | "noscript";

/** An argument as COMMAND DOCS describes it (redis-cli builds its hints from these). */
export interface ArgumentDoc {
  name: string;
  type: "key" | "string" | "integer" | "pattern" | "pure-token" | "oneof" | "block";
  token?: string;
  optional?: boolean;
  multiple?: boolean;
  arguments?: ArgumentDoc[];
}

export interface CommandDefinition {
  /** Lower case; a subcommand's is `container|sub` (the name Redis's errors show). */
  name: string;
  /** N = exactly N arguments including the name; -N = at least N. */
  arity: number;
  flags: CommandFlag[];
  keys?: KeyPositions;
  /**
   * The command reads ("read") or may change ("write") any key (SCAN, FLUSHALL, EXEC): on its
   * connection it is ordered after every earlier request and before every later one.
   */
  keyspace?: "read" | "write";
  summary: string;
  group: string;
  since: string;
  complexity?: string;
  arguments?: ArgumentDoc[];
  /** A container's handler runs when it is called without a subcommand (COMMAND). */
  run?: CommandHandler;
  subcommands?: CommandDefinition[];
}

export interface CommandSpec extends Readonly<Omit<CommandDefinition, "subcommands">> {
  readonly subcommands: ReadonlyMap<string, CommandSpec> | undefined;
  /** Changes data: ordered after earlier in-flight requests on the same keys. */
  readonly write: boolean;
  /** Allowed before AUTH. */
  readonly noAuth: boolean;
}

/** The command table as handlers see it (COMMAND, COMMAND DOCS); src/server/command-table.ts. */
export interface CommandCatalog {
  /** The spec named `name` (lower case). */
  get(name: string): CommandSpec | undefined;
  /** The spec a request's name names, in any letter case. */
  lookup(name: string): CommandSpec | undefined;
  all(): IterableIterator<CommandSpec>;
  readonly size: number;
}
