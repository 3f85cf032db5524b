// One logical connection to a server that survives losing the real one: after a loss, the next
// call reconnects (bounded tries, doubling pauses) and authenticates again. Reads that fail in a
// way a later try may fix (lost connection, timeout, TRYAGAIN, CLUSTERDOWN) are retried a few
// times; writes never are, because a write that was sent may have been applied. Every failure
// reaches the caller as a typed error (./errors.ts).

import { RespReplyError, type RespValue } from "../codec/resp-decoder.js";
import { backoffDelayMs, sleep } from "./backoff.js";
import { AuthError, ConnectionError, errorFromReply, RetryableError, RingkvClientError, TimeoutError } from "./errors.js";

export type WireArgs = Array<string | Buffer>;

/** A live connection as the session uses it (a RespConnection, see ./resp-link.ts). `send`
 * rejects with a RespReplyError for an error reply, a TimeoutError when no reply came in time,
 * a RetryableError when it could not send, and a ConnectionError when the link is lost. */
export interface Link {
  send(args: WireArgs): Promise<RespValue>;
  close(): void;
  readonly closed: boolean;
}

/** Opens a link; `onClose` is called once when it closes for any reason but our own close(). */
export type LinkOpener = (onClose: (reason: string) => void) => Promise<Link>;

export type ConnectionEvent = { type: "lost"; reason: string } | { type: "reconnected" };

export interface SessionOptions {
  address: string;
  password?: string | undefined;
  timeoutMs: number;
  reconnectAttemptsMax: number;
  reconnectBackoffMs: number;
  reconnectBackoffMsMax: number;
  readRetriesMax: number;
  onConnectionEvent?: ((event: ConnectionEvent) => void) | undefined;
}

/** Whether a command only reads (safe to send again) or may write. */
export type CommandKind = "read" | "write";

export class Session {
  private link: Link | undefined;
  private connecting: Promise<Link> | undefined;
  private generation = 0;
  private everConnected = false;
  private closed = false;

  constructor(private readonly open: LinkOpener, private readonly options: SessionOptions) {}

  /** Sends a command and resolves with its reply; error replies and failures reject, typed. */
  async call(args: WireArgs, kind: CommandKind): Promise<RespValue> {
    const retriesMax = kind === "read" ? this.options.readRetriesMax : 0;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.sendOnce(args, kind);
      } catch (error) {
        if (attempt >= retriesMax || !this.worthRetrying(error)) throw error;
        await sleep(backoffDelayMs(attempt, this.options.reconnectBackoffMs, this.options.reconnectBackoffMsMax));
      }
    }
  }

  /** Connects now (instead of on the first call); rejects like a call would. */
  async ready(): Promise<void> {
    await this.currentLink();
  }

  close(): void {
    this.closed = true;
    this.link?.close();
    this.link = undefined;
  }

  private async sendOnce(args: WireArgs, kind: CommandKind): Promise<RespValue> {
    const link = await this.currentLink();
    const generation = this.generation;
    try {
      return await link.send(args);
    } catch (error) {
      const failure = this.typedFailure(error, commandName(args), kind);
      // The link may report its close after the failed send: do not hand it to the next call.
      if (failure instanceof ConnectionError) this.lost(generation, failure.message);
      throw failure;
    }
  }

  private worthRetrying(error: unknown): boolean {
    if (this.closed) return false;
    return error instanceof RetryableError || error instanceof TimeoutError || error instanceof ConnectionError;
  }

  private currentLink(): Promise<Link> {
    if (this.closed) return Promise.reject(new ConnectionError("the client is closed; nothing was sent"));
    if (this.link?.closed) this.lost(this.generation, "the connection was closed");
    if (this.link) return Promise.resolve(this.link);
    this.connecting ??= this.connect().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async connect(): Promise<Link> {
    const triesMax = Math.max(1, this.options.reconnectAttemptsMax);
    let lastFailure = "";
    for (let attempt = 0; attempt < triesMax; attempt++) {
      if (attempt > 0) await sleep(backoffDelayMs(attempt - 1, this.options.reconnectBackoffMs, this.options.reconnectBackoffMsMax));
      try {
        const link = await this.openAndAuthenticate();
        if (this.closed) {
          link.close();
          break;
        }
        this.link = link;
        if (this.everConnected) this.options.onConnectionEvent?.({ type: "reconnected" });
        this.everConnected = true;
        return link;
      } catch (error) {
        if (error instanceof AuthError) throw error;
        const message = error instanceof Error ? error.message : String(error);
        lastFailure = message.replace(`cannot connect to ${this.options.address}: `, "");
      }
    }
    if (this.closed) throw new ConnectionError("the client is closed; nothing was sent");
    const tries = triesMax === 1 ? "" : ` after ${triesMax} tries`;
    throw new ConnectionError(`cannot connect to ${this.options.address}${tries}: ${lastFailure} (nothing was sent)`);
  }

  private async openAndAuthenticate(): Promise<Link> {
    const generation = ++this.generation;
    const link = await this.open((reason) => this.lost(generation, reason));
    if (this.options.password === undefined) return link;
    try {
      await link.send(["AUTH", this.options.password]);
      return link;
    } catch (error) {
      link.close();
      if (error instanceof RespReplyError) {
        throw new AuthError(error.code, `AUTH to ${this.options.address} failed: ${error.message}`, { reply: error.message });
      }
      throw error;
    }
  }

  private lost(generation: number, reason: string): void {
    if (generation !== this.generation || this.closed) return;
    const wasUp = this.link !== undefined;
    this.link?.close();
    this.link = undefined;
    if (wasUp) this.options.onConnectionEvent?.({ type: "lost", reason });
  }

  private typedFailure(error: unknown, command: string, kind: CommandKind): RingkvClientError {
    const isWrite = kind === "write";
    const unknownOutcome = isWrite ? "; the write may or may not have been applied" : "";
    if (error instanceof RespReplyError) {
      return errorFromReply(error.code, error.message.slice(error.code.length).trimStart(), command, isWrite);
    }
    if (error instanceof RetryableError) return error;
    if (error instanceof TimeoutError) {
      return new TimeoutError(`${command}: no reply from ${this.options.address} within ${this.options.timeoutMs} ms${unknownOutcome}`,
        { outcomeUnknown: isWrite, cause: error });
    }
    const reason = error instanceof Error ? error.message : String(error);
    return new ConnectionError(`${command}: the connection to ${this.options.address} was lost before the reply (${reason})${unknownOutcome}`,
      { outcomeUnknown: isWrite, cause: error });
  }
}

function commandName(args: WireArgs): string {
  const first = args[0];
  const name = (typeof first === "string" ? first : first?.toString("utf8") ?? "").toUpperCase();
  return name === "RINGKV" && args.length > 1 ? `${name} ${String(args[1]).toUpperCase()}` : name;
}
