// The RESP front end's TCP server: accepts connections up to connectionsMax, gives each a
// session and a ClientConnection, keeps the counters INFO shows, and closes gracefully
// (stop accepting, answer what was already read within a bounded wait, then close).
import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { DEFAULTS } from "../shared/defaults.js";
import { makeLimits, type Limits } from "../shared/limits.js";
import type { Backend } from "./backend.js";
import { buildCommandTable } from "./commands.js";
import { ClientConnection } from "./connection.js";
import type { ServerContext, ServerInfo, ServerLogger } from "./context.js";
import { ReplyBuffer } from "./reply-buffer.js";
import { RingkvError } from "../shared/errors.js";
import { ServerStats } from "./stats.js";

export interface RespServerOptions {
  /** Address to listen on; 127.0.0.1 unless told otherwise (DESIGN.md §2.6). */
  host?: string;
  /** TCP port; 0 picks a free one (see address()). */
  port: number;
  backend: Backend;
  /** Bounds; missing ones take the defaults of src/shared/limits.ts. */
  limits?: Partial<Limits>;
  /** When set, clients must AUTH (or HELLO ... AUTH) with it before other commands. */
  password?: string;
  logger?: ServerLogger;
  serverInfo: ServerInfo;
  /**
   * Called instead of serving RESP for a connection whose first byte is INTERNAL_CONNECTION_BYTE
   * (the coordinator's port also takes its storage nodes' links). `firstBytes` is the first chunk
   * read, that byte included. Without this option every connection speaks RESP.
   */
  onInternalConnection?: (socket: Socket, firstBytes: Buffer) => void;
  /** How long close() waits for in-flight requests before dropping connections; default: the request deadline + 1 s. */
  closeWaitMs?: number;
}

export interface RespServer {
  address(): AddressInfo;
  readonly stats: ServerStats;
  /** Stops accepting, lets in-flight requests finish (bounded wait), then closes connections. */
  close(): Promise<void>;
}

const STATS_SAMPLE_INTERVAL_MS = 1000;

/** No RESP client ever sends 0x00 first: a request starts with '*' or an inline command's text. */
export const INTERNAL_CONNECTION_BYTE = 0x00;

export async function startRespServer(options: RespServerOptions): Promise<RespServer> {
  const limits = makeLimits(options.limits);
  const stats = new ServerStats();
  const connections = new Set<ClientConnection>();
  /** Sockets whose first byte has not arrived yet (only with onInternalConnection). */
  const undecided = new Set<Socket>();
  const passwordDigest = options.password === undefined ? undefined : sha256(Buffer.from(options.password));
  let nextClientId = 1;
  const listener: Server = createServer({ noDelay: true, allowHalfOpen: true }, (socket) => accept(socket));

  const context: ServerContext = {
    backend: options.backend,
    limits,
    serverInfo: options.serverInfo,
    stats,
    commands: buildCommandTable(options.backend),
    logger: options.logger,
    startedAtMs: Date.now(),
    passwordRequired: passwordDigest !== undefined,
    // Comparing digests keeps the comparison constant-time whatever the candidate's length.
    passwordMatches: (candidate) => passwordDigest !== undefined && timingSafeEqual(sha256(candidate), passwordDigest),
    port: () => (listener.address() as AddressInfo | null)?.port ?? 0,
    sessions: () => [...connections].map((connection) => connection.session),
  };

  function accept(socket: Socket): void {
    socket.on("error", () => undefined); // a reset before we are done with it; 'close' follows
    if (connections.size + undecided.size >= limits.connectionsMax) {
      stats.rejectedConnections++;
      const refusal = new ReplyBuffer();
      refusal.append(new RingkvError("ERR", "max number of clients reached"), 2);
      refusal.writeTo(socket);
      socket.end();
      return;
    }
    const internal = options.onInternalConnection;
    if (internal === undefined) {
      serveClient(socket);
      return;
    }
    // Peek at the first chunk to tell a storage node's link from a RESP client.
    undecided.add(socket);
    socket.once("close", () => undecided.delete(socket));
    socket.once("data", (firstBytes: Buffer) => {
      undecided.delete(socket);
      if (firstBytes[0] === INTERNAL_CONNECTION_BYTE) {
        socket.allowHalfOpen = false; // a link closes when its peer ends it: Node's default
        internal(socket, firstBytes);
      }
      else serveClient(socket).receive(firstBytes);
    });
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

  await listen(listener, options.port, options.host ?? DEFAULTS.host);
  const sampler = setInterval(() => stats.sample(performance.now()), STATS_SAMPLE_INTERVAL_MS);
  sampler.unref();
  options.logger?.info({ address: listener.address() }, "RESP server listening");

  let closing: Promise<void> | undefined;
  const closeWaitMs = options.closeWaitMs ?? limits.requestTimeoutMs + 1000;
  return {
    address: () => listener.address() as AddressInfo,
    stats,
    close: () => {
      closing ??= (async () => {
        clearInterval(sampler);
        const stopped = new Promise<void>((resolve) => listener.close(() => resolve()));
        for (const socket of undecided) socket.destroy();
        await Promise.all([...connections].map((connection) => connection.closeGracefully(closeWaitMs)));
        await stopped;
      })();
      return closing;
    },
  };
}

function sha256(bytes: Buffer): Buffer {
  return createHash("sha256").update(bytes).digest();
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
