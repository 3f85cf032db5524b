// A pipelined RESP client over one TCP socket: commands go out as they are sent (all sends of
// one tick in a single socket write), replies are matched to them in order. The low level under
// the client library, `ringkv bench` and the tests: no reconnecting, no retries, no auth; every
// failure is a typed error (./errors.ts) and every request ends — with a reply, an error reply
// (RespReplyError), a timeout, or the connection's close.
import { connect as netConnect, type Socket } from "node:net";
import { connect as tlsConnect, type ConnectionOptions as TlsConnectionOptions } from "node:tls";
import { RespDecoder, RespReplyError, type ReplyLimits, type RespValue } from "../codec/resp-decoder.js";
import { encodeCommand } from "../codec/resp-encoder.js";
import { CLIENT_LIMITS, DEFAULT_LIMITS } from "../shared/limits.js";
import { Fifo } from "../shared/fifo.js";
import { ConnectionError, RetryableError, TimeoutError } from "./errors.js";

export interface RespConnectionOptions {
  host: string;
  port: number;
  /** Deadline to open the connection (and to finish HELLO 3 when asked). */
  connectTimeoutMs?: number;
  /** 3 sends `HELLO 3` before connect() resolves; 2 (the default) sends nothing. */
  protocol?: 2 | 3;
  /** Most requests sent and not yet answered; more are refused with TRYAGAIN, unsent. */
  pendingMax?: number;
  /** Bounds on the replies accepted; a reply over them closes the connection. */
  replyLimits?: ReplyLimits;
  /** Speak TLS (node:tls options: ca, and cert and key to present one); the server's certificate is checked. */
  tls?: TlsConnectionOptions;
}

export interface SendOptions {
  /** Deadline of this request, from send to reply. */
  timeoutMs?: number;
}

/** Node's timers cannot wait longer (a longer delay fires after 1 ms). */
const TIMER_MS_MAX = 2 ** 31 - 1;

export type CloseListener = (reason: string) => void;

interface Pending {
  command: string;
  resolve(value: RespValue): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout | undefined;
}

/** A command's name as messages show it: its first argument, upper case, cut short. */
function commandName(args: readonly (string | Buffer)[]): string {
  const first = args[0];
  const name = typeof first === "string" ? first : first?.toString("latin1") ?? "";
  return name.slice(0, 32).toUpperCase();
}

export class RespConnection {
  readonly address: string;
  private readonly pending = new Fifo<Pending>();
  private readonly decoder: RespDecoder;
  private readonly closeListeners: CloseListener[] = [];
  private readonly pendingMax: number;
  /** Encoded commands waiting for the end of the tick, to leave in one write. */
  private unsent: Buffer[] = [];
  private closeReason: string | undefined;
  private writes = 0;

  private constructor(private readonly socket: Socket, address: string, options: RespConnectionOptions) {
    this.address = address;
    this.pendingMax = options.pendingMax ?? DEFAULT_LIMITS.pipelineDepthMax;
    this.decoder = new RespDecoder({
      mode: "reply",
      limits: options.replyLimits,
      onReply: (value) => this.settle(value),
      // Out-of-band RESP3 pushes (client tracking, pub/sub) are not replies to anything sent.
      onPush: () => undefined,
      onProtocolError: (error) => this.shutdown(`the server broke the protocol (${error.message})`),
    });
    socket.on("data", (chunk: Buffer) => this.decoder.write(chunk));
    let socketError: Error | undefined;
    socket.on("error", (error) => { socketError = error; });
    socket.on("close", () => {
      this.shutdown(socketError ? `socket error: ${socketError.message}` : "the server closed the connection");
    });
  }

  /** Opens a connection; rejects with a ConnectionError when it cannot within the deadline. */
  static async connect(options: RespConnectionOptions): Promise<RespConnection> {
    const address = `${options.host}:${options.port}`;
    const connectTimeoutMs = options.connectTimeoutMs ?? CLIENT_LIMITS.connectTimeoutMs;
    const socket = await openSocket(options, address, connectTimeoutMs);
    const connection = new RespConnection(socket, address, options);
    if (options.protocol === 3) await connection.hello3(connectTimeoutMs);
    return connection;
  }

  /** Requests sent (or about to be) and not yet answered. */
  get pendingCount(): number {
    return this.pending.length;
  }

  /** Socket writes made so far: sends of one tick share one. */
  get socketWrites(): number {
    return this.writes;
  }

  get closed(): boolean {
    return this.closeReason !== undefined;
  }

  /**
   * Sends a command; resolves with its reply. Rejects with a RespReplyError for an error reply,
   * a TimeoutError (outcome unknown; the connection is closed, since later replies could no
   * longer be matched), a ConnectionError when the connection closes first, and a TRYAGAIN
   * RetryableError, without sending, when `pendingMax` requests are already pending.
   */
  send(args: readonly (string | Buffer)[], options: SendOptions = {}): Promise<RespValue> {
    const command = commandName(args);
    if (this.closeReason !== undefined) {
      return Promise.reject(new ConnectionError(
        `${command} not sent: the connection to ${this.address} is closed (${this.closeReason})`));
    }
    if (this.pending.length >= this.pendingMax) {
      return Promise.reject(new RetryableError("TRYAGAIN",
        `${command} not sent: ${this.pendingMax} requests are already pending on the connection to ${this.address}`));
    }
    const timeoutMs = options.timeoutMs ?? CLIENT_LIMITS.requestTimeoutMs;
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0 || timeoutMs > TIMER_MS_MAX) {
      throw new RangeError(`timeoutMs must be an integer from 1 to ${TIMER_MS_MAX}, got ${timeoutMs}`);
    }
    return new Promise<RespValue>((resolve, reject) => {
      const request: Pending = { command, resolve, reject, timer: undefined };
      request.timer = setTimeout(() => this.timedOut(request, timeoutMs), timeoutMs);
      this.pending.push(request);
      if (this.unsent.length === 0) queueMicrotask(() => this.flush());
      this.unsent.push(encodeCommand(args));
    });
  }

  /** Closes the connection; requests still pending reject with a ConnectionError. */
  close(): void {
    this.shutdown("closed by the client");
  }

  /** Calls `listener` once when the connection closes, with the reason (also after close()). */
  onClose(listener: CloseListener): void {
    if (this.closeReason !== undefined) listener(this.closeReason);
    else this.closeListeners.push(listener);
  }

  private async hello3(timeoutMs: number): Promise<void> {
    try {
      await this.send(["HELLO", "3"], { timeoutMs });
    } catch (error) {
      this.close();
      const reason = error instanceof Error ? error.message : String(error);
      throw new ConnectionError(`${this.address} did not switch to RESP3: ${reason}`, { cause: error });
    }
  }

  private flush(): void {
    if (this.closeReason !== undefined || this.unsent.length === 0) return;
    const batch = this.unsent.length === 1 ? this.unsent[0] as Buffer : Buffer.concat(this.unsent);
    this.unsent = [];
    this.writes += 1;
    this.socket.write(batch);
  }

  private settle(value: RespValue): void {
    const request = this.pending.shift();
    if (request === undefined) {
      this.shutdown("the server sent a reply with no request pending");
      return;
    }
    clearTimeout(request.timer);
    if (value instanceof RespReplyError) request.reject(value);
    else request.resolve(value);
  }

  private timedOut(request: Pending, timeoutMs: number): void {
    // Only the request that timed out is told "unknown"; the others learn of the close. A
    // promise settles once, so the close's rejection of this request is a no-op.
    request.reject(new TimeoutError(
      `${request.command} to ${this.address}: no reply within ${timeoutMs} ms; the outcome is unknown (it may or may not have been applied)`,
      { outcomeUnknown: true }));
    this.shutdown(`a ${request.command} got no reply within ${timeoutMs} ms`, 1);
  }

  /** Closes for `reason`; `alreadyRejected` pending requests were told otherwise. */
  private shutdown(reason: string, alreadyRejected = 0): void {
    if (this.closeReason !== undefined) return;
    this.closeReason = reason;
    this.unsent = [];
    this.socket.destroy();
    const count = this.pending.length - alreadyRejected;
    const requests = count === 1 ? "1 request" : `${count} requests`;
    const error = new ConnectionError(`connection to ${this.address} closed with ${requests} pending: ${reason}`);
    for (let request = this.pending.shift(); request !== undefined; request = this.pending.shift()) {
      clearTimeout(request.timer);
      request.reject(error);
    }
    for (const listener of this.closeListeners.splice(0)) listener(reason);
  }
}

/** A connected socket, or a ConnectionError saying why not. */
function openSocket(options: RespConnectionOptions, address: string, timeoutMs: number): Promise<Socket> {
  const { host, port, tls } = options;
  return new Promise((resolve, reject) => {
    const socket = tls === undefined ? netConnect({ host, port }) : tlsConnect({ ...tls, host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new ConnectionError(`cannot connect to ${address}: no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once("error", (error) => {
      clearTimeout(timer);
      reject(new ConnectionError(`cannot connect to ${address}: ${error.message}`, { cause: error }));
    });
    socket.once(tls === undefined ? "connect" : "secureConnect", () => {
      clearTimeout(timer);
      socket.removeAllListeners("error");
      socket.setNoDelay(true);
      resolve(socket);
    });
  });
}
