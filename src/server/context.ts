// The state a command handler may read or change: the server's shared parts and the
// session of the connection it arrived on.
import type { Limits } from "../core/limits.js";
import type { Backend } from "./backend.js";
import type { ServerStats } from "./stats.js";
import type { CommandTable } from "./command-table.js";

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
  /** Bytes of replies not yet handed to the kernel (CLIENT LIST's `omem`). */
  outputBytes(): number;
  /** Requests read but not answered yet (CLIENT LIST's `pipeline`). */
  pendingRequests(): number;
}

export interface ServerContext {
  readonly backend: Backend;
  readonly limits: Limits;
  readonly serverInfo: ServerInfo;
  readonly stats: ServerStats;
  readonly commands: CommandTable;
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
}

export interface CommandContext {
  readonly server: ServerContext;
  readonly session: Session;
}
