// The RESP front end's TCP server: accepts connections up to connectionsMax (storage nodes'
// links included), gives each client a session and a ClientConnection, keeps the counters INFO
// shows, sweeps out connections that stay idle, unauthenticated or half-way through a request
// too long, bounds the memory all clients hold together (client-memory.ts), and closes
// gracefully (stop accepting, answer what was already read within a bounded wait, then close).
import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { createServer as createTlsServer, type TLSSocket, type TlsOptions } from "node:tls";
import { readOpening } from "../codec/link-opening.js";
import { DEFAULTS } from "../shared/defaults.js";
import { makeLimits, type Limits } from "../shared/limits.js";
import type { Backend } from "./backend.js";
import { ClientMemory } from "./client-memory.js";
import { buildCommandTable } from "./commands.js";
import { ClientConnection } from "./connection.js";
import type { ServerContext, ServerInfo, ServerLogger, Session } from "./context.js";
import { ReplyBuffer } from "./reply-buffer.js";
import { RingkvError } from "../shared/errors.js";
import { ServerStats } from "./stats.js";
import { passwordChecker } from "./password-check.js";
import { Diagnostics } from "../observability/diagnostics.js";

export interface RespServerOptions {
  /** Address to listen on; 127.0.0.1 unless told otherwise (DESIGN.md §2.6). */
  host?: string;
  /** TCP port; 0 picks a free one (see address()). */
  port: number;
  backend: Backend;
  /** Bounds; missing ones take the defaults of src/shared/limits.ts. */
  limits?: Partial<Limits>;
  /** Commands (lower-case names) to leave out of the table: clients get "unknown command". */
  disabledCommands?: string[];
  /** When set, clients must AUTH (or HELLO ... AUTH) with it before other commands. */
  password?: string;
  logger?: ServerLogger;
  serverInfo: ServerInfo;
  /**
   * Called instead of serving RESP for a connection that opens with a storage node's link
   * opening (link-opening.ts): the coordinator's port also takes its nodes' links. `nodeNonce`
   * is the node's challenge from the opening, `rest` what followed it in the bytes read so far.
   * The link stays counted against connectionsMax until it closes. Without this option every
   * connection speaks RESP.
   */
  onInternalConnection?: (socket: Socket, nodeNonce: Buffer, rest: Buffer) => void;
  /**
   * TLS for every connection of this port (serverTlsOptions in runtime/tls-files.ts). A storage
   * node's link must then present a certificate the CA signed: with requestCert and no
   * rejectUnauthorized, a RESP client need not have one.
   */
  tls?: TlsOptions;
  /** How long close() waits for in-flight requests before dropping connections; default: the request deadline + 1 s. */
  closeWaitMs?: number;
  /** Slow log, latency monitor, MONITOR and command stats; default: Redis's default settings. */
  diagnostics?: Diagnostics;
}

export interface RespServer {
  address(): AddressInfo;
  readonly stats: ServerStats;
  readonly diagnostics: Diagnostics;
  /** Sessions of the open client connections (for metrics: their buffers). */
  sessions(): Iterable<Session>;
  /** The bytes all client connections hold together, their bound, and the connections evicted for it. */
  readonly clientMemory: Pick<ClientMemory, "heldBytes" | "bytesMax" | "evictedClients">;
  /** Stops accepting, lets in-flight requests finish (bounded wait), then closes connections. */
  close(): Promise<void>;
}

const STATS_SAMPLE_INTERVAL_MS = 1000;
/** Connections over connectionsMax that are still answered "max number of clients reached". */
const REFUSED_POLITELY_MAX = 64;
/** How long a TLS handshake may take before the connection is dropped. */
const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;
/** How often connections are checked for their timeouts, at most (see sweepIntervalMs). */
const SWEEP_INTERVAL_MS_MAX = 1000;

export async function startRespServer(options: RespServerOptions): Promise<RespServer> {
  const limits = makeLimits(options.limits);
  const stats = new ServerStats();
  const connections = new Set<ClientConnection>();
  /** Sockets whose opening has not been judged yet (only with onInternalConnection). */
  const undecided = new Set<Socket>();
  /** Storage nodes' links handed to onInternalConnection and still open. */
  const links = new Set<Socket>();
  const clientMemory = new ClientMemory(limits.clientBuffersBytesMax, () => connections);
  const checkPassword = passwordChecker(options.password);
  let nextClientId = 1;
  const listener: Server = options.tls === undefined
    ? createServer({ noDelay: true, allowHalfOpen: true }, (socket) => accept(socket))
    : createTlsServer({ ...options.tls, noDelay: true, allowHalfOpen: true, handshakeTimeout: TLS_HANDSHAKE_TIMEOUT_MS }, (socket) => accept(socket));
  // Connections still in their TLS handshake count too, so none pile up beyond the bound; the
  // margin lets a few over it be told why they are refused (accept) before the rest are dropped.
  listener.maxConnections = limits.connectionsMax + REFUSED_POLITELY_MAX;
  listener.on("tlsClientError", () => undefined); // a failed handshake: the socket is closed, nothing to answer

  const context: ServerContext = {
    backend: options.backend,
    limits,
    serverInfo: options.serverInfo,
    stats,
    commands: buildCommandTable(options.backend, options.disabledCommands),
    diagnostics: options.diagnostics ?? new Diagnostics({}, limits.replyBufferBytesMax),
    logger: options.logger,
    startedAtMs: Date.now(),
    passwordRequired: checkPassword !== undefined,
    passwordMatches: (candidate) => checkPassword !== undefined && checkPassword(candidate),
    port: () => (listener.address() as AddressInfo | null)?.port ?? 0,
    sessions: () => [...connections].map((connection) => connection.session),
    clientMemory,
  };

  function accept(socket: Socket): void {
    socket.on("error", () => undefined); // a reset before we are done with it; 'close' follows
    if (connections.size + undecided.size + links.size >= limits.connectionsMax) {
      stats.rejectedConnections++;
      const refusal = new ReplyBuffer();
      refusal.append(new RingkvError("ERR", "max number of clients reached"), 2);
      refusal.writeTo(socket);
      socket.end();
      return;
    }
    if (options.onInternalConnection === undefined) serveClient(socket);
    else judgeOpening(socket, options.onInternalConnection);
  }

  /**
   * Reads a connection's first bytes until they are clearly not a link's opening (a RESP client:
   * served at once, most often on its first byte) or are a whole one (handed over as a link).
   */
  function judgeOpening(socket: Socket, onLink: NonNullable<RespServerOptions["onInternalConnection"]>): void {
    undecided.add(socket);
    let received: Buffer = Buffer.alloc(0);
    const timer = setTimeout(() => socket.destroy(), limits.halfSentRequestTimeoutMs);
    const decided = () => {
      clearTimeout(timer);
      undecided.delete(socket);
      socket.off("data", onData);
    };
    const onData = (chunk: Buffer) => {
      received = received.length === 0 ? chunk : Buffer.concat([received, chunk]);
      const verdict = readOpening(received);
      if (verdict.kind === "incomplete") return;
      decided();
      if (verdict.kind === "resp") {
        serveClient(socket).receive(received);
        return;
      }
      if (options.tls !== undefined && !(socket as TLSSocket).authorized) {
        options.logger?.warn({ remote: socket.remoteAddress, reason: (socket as TLSSocket).authorizationError },
          "refused a storage node's link without a certificate the CA signed");
        socket.destroy();
        return;
      }
      links.add(socket);
      socket.once("close", () => links.delete(socket));
      socket.allowHalfOpen = false; // a link closes when its peer ends it: Node's default
      onLink(socket, verdict.nodeNonce, verdict.rest);
    };
    socket.on("data", onData);
    socket.once("close", decided);
  }

  function serveClient(socket: Socket): ClientConnection {
    stats.totalConnectionsReceived++;
    stats.connectedClients++;
    const connection = new ClientConnection(socket, context, nextClientId++);
    connections.add(connection);
    socket.once("close", () => {
      connections.delete(connection);
      stats.connectedClients--;
    });
    return connection;
  }

  /** Closes the connections whose time is up (ClientConnection.expiredReason). */
  function sweep(): void {
    const nowMs = performance.now();
    for (const connection of connections) {
      const reason = connection.expiredReason(nowMs);
      if (reason !== undefined) connection.drop(reason);
    }
  }

  await listen(listener, options.port, options.host ?? DEFAULTS.host);
  const sampler = setInterval(() => stats.sample(performance.now()), STATS_SAMPLE_INTERVAL_MS);
  sampler.unref();
  const sweeper = setInterval(sweep, sweepIntervalMs(limits));
  sweeper.unref();
  options.logger?.info({ address: listener.address() }, "RESP server listening");

  let closing: Promise<void> | undefined;
  const closeWaitMs = options.closeWaitMs ?? limits.requestTimeoutMs + 1000;
  return {
    address: () => listener.address() as AddressInfo,
    stats,
    diagnostics: context.diagnostics,
    sessions: context.sessions,
    clientMemory,
    close: () => {
      closing ??= (async () => {
        clearInterval(sampler);
        clearInterval(sweeper);
        const stopped = new Promise<void>((resolve) => listener.close(() => resolve()));
        for (const socket of undecided) socket.destroy();
        await Promise.all([...connections].map((connection) => connection.closeGracefully(closeWaitMs)));
        await stopped;
      })();
      return closing;
    },
  };
}

/** Often enough that a timeout is kept to within a quarter of itself, and at least once a second. */
function sweepIntervalMs(limits: Limits): number {
  const timeouts = [limits.unauthenticatedTimeoutMs, limits.halfSentRequestTimeoutMs, limits.idleTimeoutMs].filter((ms) => ms > 0);
  return Math.max(10, Math.min(SWEEP_INTERVAL_MS_MAX, ...timeouts.map((ms) => Math.floor(ms / 4))));
}

function listen(listener: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    listener.once("error", reject);
    listener.listen(port, host, () => {
      listener.off("error", reject);
      resolve();
    });
  });
}
