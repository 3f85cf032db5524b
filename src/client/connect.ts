// Making a client: `connect()` connects (and authenticates) before it resolves, so a wrong
// address or password shows at once; `createClient()` connects on the first call instead.

import { DEFAULTS } from "../shared/defaults.js";
import { CLIENT_LIMITS } from "../shared/limits.js";
import { RingkvClient } from "./ringkv-client.js";
import { openRespLink } from "./resp-link.js";
import { Session, type ConnectionEvent } from "./session.js";
import type { ConnectionOptions as TlsConnectionOptions } from "node:tls";

/** The coordinator's port unless told otherwise (`ringkv coordinator`, `ringkv start`). */
export const DEFAULT_PORT = DEFAULTS.coordinatorPort;

export interface ConnectOptions {
  host?: string;
  port?: number;
  password?: string | undefined;
  /** Deadline of one request; past it the call fails with a TimeoutError. */
  timeoutMs?: number;
  connectTimeoutMs?: number;
  /** Tries to (re)connect before a call fails with a ConnectionError. */
  reconnectAttemptsMax?: number;
  /** Extra tries of a read after a retryable failure; writes are never retried. */
  readRetriesMax?: number;
  /** Told when the connection is lost and when a later call reconnected. */
  onConnectionEvent?: (event: ConnectionEvent) => void;
  /** Speak TLS: node:tls options (`ca` to trust a private CA; `cert` and `key` to present a certificate). */
  tls?: TlsConnectionOptions;
}

export function createClient(options: ConnectOptions = {}): RingkvClient {
  const host = options.host ?? DEFAULTS.host;
  const port = options.port ?? DEFAULT_PORT;
  const address = `${host}:${port}`;
  const timeoutMs = options.timeoutMs ?? CLIENT_LIMITS.requestTimeoutMs;
  const connectTimeoutMs = options.connectTimeoutMs ?? CLIENT_LIMITS.connectTimeoutMs;
  const session = new Session((onClose) => openRespLink({ host, port, connectTimeoutMs, timeoutMs, tls: options.tls }, onClose), {
    address,
    password: options.password,
    timeoutMs,
    reconnectAttemptsMax: options.reconnectAttemptsMax ?? CLIENT_LIMITS.reconnectAttemptsMax,
    reconnectBackoffMs: CLIENT_LIMITS.reconnectBackoffMs,
    reconnectBackoffMsMax: CLIENT_LIMITS.reconnectBackoffMsMax,
    readRetriesMax: options.readRetriesMax ?? CLIENT_LIMITS.readRetriesMax,
    onConnectionEvent: options.onConnectionEvent,
  });
  return new RingkvClient(session, address);
}

export async function connect(options: ConnectOptions = {}): Promise<RingkvClient> {
  const client = createClient(options);
  await client.ready();
  return client;
}
