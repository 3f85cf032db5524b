// One client connection: requests in, replies out, in order. Requests of one read are
// decoded together; each runs as soon as ordering allows (see key-locks.ts) and most answer
// synchronously, encoded straight into the reply buffer; the replies of one read leave in
// one socket write. Requests whose backend call is asynchronous wait in a FIFO with their
// replies until everything before them has been answered.
//
// Bounds: at most pipelineDepthMax requests waiting per connection and at most
// replyBufferBytesMax of replies queued toward the client; past either, the socket stops
// being read (TCP then pushes back on the client) until replies drain. What the connection
// holds (the request being read, requests waiting, replies not yet sent) is reported to the
// server's ClientMemory, which disconnects the largest holders past its bound. The server's
// sweep closes connections that stay idle, unauthenticated or half-way through a request too long.
import type { Socket } from "node:net";
import { RespDecoder } from "../codec/resp-decoder.js";
import { RingkvError } from "../shared/errors.js";
import type { Bytes } from "./backend.js";
import { commandKeys } from "./command-table.js";
import type { CommandContext, CommandSpec, ServerContext, Session } from "./context.js";
import type { MemoryHolder } from "./client-memory.js";
import { executeCommand, resolveCommand } from "./dispatch.js";
import { Fifo } from "../shared/fifo.js";
import { KeyLocks } from "./key-locks.js";
import { ReplyBuffer } from "./reply-buffer.js";
import { flagTransactionError, releaseWatches } from "./transaction.js";
import { errorReply, isInternalError, isPromise, type Reply } from "./reply.js";

const enum State {
  Queued,
  Running,
  Done,
}

/** A request that could not be answered in the pass that read it. */
interface Pending {
  state: State;
  readonly spec: CommandSpec | undefined;
  readonly args: Bytes[];
  readonly arrivalMs: number;
  reply: Reply | undefined;
  /** The protocol the reply is encoded in: the session's when the request ran. */
  protocol: 2 | 3;
  /** Keys held in the connection's KeyLocks while the request runs. */
  lockedKeys: string[] | undefined;
  /** Bytes of `args`, counted in what the connection holds until the entry leaves `pending`. */
  readonly argsBytes: number;
}

export class ClientConnection implements CommandContext, MemoryHolder {
  readonly session: Session;
  private readonly decoder: RespDecoder;
  private readonly replies = new ReplyBuffer();
  private readonly pending = new Fifo<Pending>();
  /** How many entries at the tail of `pending` have not started yet. */
  private queuedCount = 0;
  private readonly locks = new KeyLocks();
  private readingPaused = false;
  private flushScheduled = false;
  private deadlineTimer: NodeJS.Timeout | undefined;
  private lingerTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Read nothing more, answer what was read, then close (closeGracefully, fatal protocol errors). */
  private finishing = false;
  /** Arrival time of the requests of the read being decoded: read from the clock at most once
   * per read, and only if one of its requests has to wait (most are answered at once). */
  private readMs = NaN;
  private readonly closedPromise: Promise<void>;
  /** What this connection holds, as last told to the server's ClientMemory. */
  reportedBytes = 0;
  private pendingArgsBytes = 0;
  private evicted = false;
  /** When the last bytes were read (performance.now()), for the idle timeout. */
  private lastReadMs = performance.now();
  private readonly openedMs = this.lastReadMs;
  /** When the request being read began to arrive; undefined between requests. */
  private requestStartedMs: number | undefined;

  constructor(
    private readonly socket: Socket,
    readonly server: ServerContext,
    clientId: number,
  ) {
    this.session = {
      id: clientId,
      remoteAddress: `${socket.remoteAddress}:${socket.remotePort}`,
      localAddress: `${socket.localAddress}:${socket.localPort}`,
      createdAtMs: Date.now(),
      protocol: 2,
      authenticated: !server.passwordRequired,
      name: "",
      libName: "",
      libVersion: "",
      closeRequested: false,
      lastCommand: "",
      lastCommandAtMs: Date.now(),
      kill: () => socket.destroy(),
      transaction: undefined,
      watched: [],
      outputBytes: () => this.replies.byteLength + socket.writableLength,
      pendingRequests: () => this.pending.length,
      push: (reply) => {
        if (this.closed) return false;
        this.encode(reply, this.session.protocol);
        this.scheduleFlush();
        return true;
      },
      disconnect: (reason) => {
        this.server.logger?.warn({ client: clientId, reason }, "closing a client connection");
        socket.destroy();
      },
    };
    this.decoder = new RespDecoder({
      mode: "request",
      limits: server.limits,
      onCommand: (args) => this.onRequest(args),
      onProtocolError: (error) => this.onProtocolError(error),
      isAuthenticated: () => this.session.authenticated,
    });
    this.closedPromise = new Promise((resolve) => socket.once("close", resolve));
    socket.on("data", (chunk: Buffer) => this.receive(chunk));
    socket.on("drain", () => this.onDrain());
    // The client finished sending (half-close, e.g. `... | nc`): answer what it sent, then close.
    // The server is created with allowHalfOpen, so our side stays writable until then.
    socket.on("end", () => {
      this.finishing = true;
      this.flush();
    });
    socket.on("close", () => this.onClose());
    // Resets and aborts surface as 'close' right after; nothing else to do with them.
    socket.on("error", () => undefined);
  }

  /** Stops reading, answers what was already read, then closes (destroys after `waitMs`). */
  async closeGracefully(waitMs: number): Promise<void> {
    if (this.closed) return;
    this.finishing = true;
    this.pauseReading();
    this.flush();
    const timer = setTimeout(() => this.socket.destroy(), waitMs);
    await this.closedPromise;
    clearTimeout(timer);
  }

  /** Takes bytes read from the socket (the server hands over a first chunk it peeked at). */
  receive(chunk: Buffer): void {
    this.readMs = NaN;
    this.lastReadMs = performance.now();
    try {
      this.decoder.write(chunk);
    } catch (error) {
      // A bug on this connection's path must not take the process (and every client) down.
      this.server.logger?.error({ err: error, client: this.session.id }, "closing a connection after an unexpected error");
      this.socket.destroy();
      return;
    }
    // onRequest cleared the start of every request completed in this chunk.
    if (this.decoder.midRequest) this.requestStartedMs ??= this.lastReadMs;
    this.flush();
  }

  /** Why this connection should be closed now, if it should (the server's sweep asks). */
  expiredReason(nowMs: number): string | undefined {
    const { unauthenticatedTimeoutMs, halfSentRequestTimeoutMs, idleTimeoutMs } = this.server.limits;
    if (!this.session.authenticated && nowMs - this.openedMs > unauthenticatedTimeoutMs) {
      return `not authenticated within ${unauthenticatedTimeoutMs} ms`;
    }
    if (this.requestStartedMs !== undefined && nowMs - this.requestStartedMs > halfSentRequestTimeoutMs) {
      return `a request still incomplete ${halfSentRequestTimeoutMs} ms after it began`;
    }
    // A MONITOR client listens and never speaks: not idle, as in Redis.
    const idle = this.pending.length === 0 && this.requestStartedMs === undefined && !this.server.diagnostics.monitors.has(this.session);
    if (idleTimeoutMs > 0 && idle && nowMs - this.lastReadMs > idleTimeoutMs) return `idle for ${idleTimeoutMs} ms`;
    return undefined;
  }

  /** Closes the connection at once (a timeout, the server's memory bound). */
  drop(reason: string): void {
    this.server.logger?.info({ client: this.session.id, address: this.session.remoteAddress, reason }, "closing a client connection");
    this.socket.destroy();
  }

  /** ClientMemory: the server holds too much for its clients, and this connection the most. */
  evict(reason: string): void {
    this.evicted = true;
    this.reportedBytes = 0;
    this.server.logger?.warn({ client: this.session.id, address: this.session.remoteAddress, reason }, "disconnecting a client");
    this.socket.destroy();
  }

  /** Tells ClientMemory what this connection holds now. */
  private reportMemory(): void {
    if (this.evicted) return;
    const heldBytes = this.closed
      ? 0
      : this.decoder.heldBytes + this.pendingArgsBytes + this.replies.byteLength + this.socket.writableLength;
    if (heldBytes === this.reportedBytes) return;
    const before = this.reportedBytes;
    this.reportedBytes = heldBytes;
    this.server.clientMemory.changed(before, heldBytes);
  }

  private onRequest(args: Bytes[]): void {
    this.requestStartedMs = undefined;
    if (this.acceptsNoMore()) return;
    const spec = resolveCommand(this.server.commands, args);
    if (spec instanceof RingkvError) {
      flagTransactionError(this.session);
      this.answerInOrder(spec);
    } else if (this.pending.length === 0 && !this.replyBufferFull()) {
      this.runNow(spec, args);
    } else {
      this.pending.push(this.newPending(State.Queued, spec, args));
      this.queuedCount++;
      this.progress();
    }
  }

  /** Bytes that cannot be parsed: answer the error after what came before, then close. */
  private onProtocolError(error: RingkvError): void {
    if (this.acceptsNoMore()) return;
    this.answerInOrder(error);
    this.finishing = true;
  }

  /** After QUIT, a fatal protocol error or closeGracefully, requests are ignored. */
  private acceptsNoMore(): boolean {
    return this.session.closeRequested || this.finishing;
  }

  /** Fast path: nothing is pending, so a synchronous reply is encoded at once. */
  private runNow(spec: CommandSpec, args: Bytes[]): void {
    const reply = executeCommand(this, spec, args);
    if (!isPromise(reply)) {
      this.encode(reply, this.session.protocol);
      return;
    }
    const entry = this.newPending(State.Running, spec, args);
    this.pending.push(entry);
    this.track(entry, reply);
  }

  /** An answer known at once (an error) that must still wait for the requests before it. */
  private answerInOrder(reply: Reply): void {
    if (this.pending.length === 0) {
      this.encode(reply, this.session.protocol);
      return;
    }
    const entry = this.newPending(State.Queued, undefined, []);
    entry.reply = reply;
    this.pending.push(entry);
    this.queuedCount++;
    this.progress();
  }

  private newPending(state: State, spec: CommandSpec | undefined, args: Bytes[]): Pending {
    if (Number.isNaN(this.readMs)) this.readMs = performance.now();
    let argsBytes = 0;
    for (const arg of args) argsBytes += arg.length;
    this.pendingArgsBytes += argsBytes;
    return {
      state, spec, args, arrivalMs: this.readMs, reply: undefined, protocol: this.session.protocol, lockedKeys: undefined, argsBytes,
    };
  }

  /** Takes the oldest entry out of `pending`. */
  private shiftPending(): Pending {
    const entry = this.pending.shift() as Pending;
    this.pendingArgsBytes -= entry.argsBytes;
    return entry;
  }

  /** Starts what may start, and encodes the answered requests at the head, in order. */
  private progress(): void {
    for (;;) {
      this.encodeAnsweredHead();
      if (!this.startNextQueued()) return;
    }
  }

  private encodeAnsweredHead(): void {
    for (let head = this.pending.at(0); head?.state === State.Done; head = this.pending.at(0)) {
      this.shiftPending();
      this.encode(head.reply as Reply, head.protocol);
    }
  }

  /** Starts the oldest queued request if ordering and the reply bound allow; true if it did. */
  private startNextQueued(): boolean {
    if (this.queuedCount === 0 || this.replyBufferFull()) return false;
    const entry = this.pending.at(this.pending.length - this.queuedCount) as Pending;
    if (entry.spec === undefined) {
      // An answer queued in order (see answerInOrder): it is ready as soon as it is reached.
      entry.state = State.Done;
      this.queuedCount--;
      return true;
    }
    const keys = this.lockKeysOf(entry);
    const whole = entry.spec.keyspace !== undefined;
    if ((keys || whole) && !this.locks.idle && this.locks.conflicts(keys ?? [], isWrite(entry.spec), whole)) return false;
    this.queuedCount--;
    const reply = executeCommand(this, entry.spec, entry.args);
    entry.protocol = this.session.protocol;
    if (isPromise(reply)) {
      this.track(entry, reply);
    } else {
      entry.state = State.Done;
      entry.reply = reply;
    }
    if (this.session.closeRequested) this.dropQueued(); // QUIT: what follows it is not run
    return true;
  }

  private lockKeysOf(entry: Pending): string[] | undefined {
    if (entry.lockedKeys === undefined && entry.spec?.keys) {
      entry.lockedKeys = commandKeys(entry.spec.keys, entry.args).map((key) => key.toString("latin1"));
    }
    return entry.lockedKeys;
  }

  /** Follows an asynchronous request: holds its keys, answers it, or times it out. */
  private track(entry: Pending, reply: Promise<Reply>): void {
    entry.state = State.Running;
    const keys = this.lockKeysOf(entry);
    const spec = entry.spec as CommandSpec;
    if (spec.keyspace !== undefined) this.locks.acquire([], isWrite(spec), true);
    else if (keys) this.locks.acquire(keys, spec.write);
    reply.then(
      (value) => this.settle(entry, value),
      (error: unknown) => this.settle(entry, errorReply(error)),
    );
    this.armDeadline();
  }

  private settle(entry: Pending, reply: Reply): void {
    if (reply instanceof RingkvError && isInternalError(reply)) this.logInternalError(entry, reply);
    const answered = entry.state === State.Running && !this.closed;
    if (entry.state === State.Running) this.finish(entry, reply);
    // Timed out already, or the client left: the backend call completed, its reply is dropped.
    if (!answered) return;
    this.progress();
    this.scheduleFlush();
  }

  private finish(entry: Pending, reply: Reply): void {
    const spec = entry.spec as CommandSpec;
    if (spec.keyspace !== undefined) this.locks.release([], isWrite(spec), true);
    else if (entry.lockedKeys) this.locks.release(entry.lockedKeys, spec.write);
    entry.state = State.Done;
    entry.reply = reply;
  }

  private logInternalError(entry: Pending, reply: RingkvError): void {
    this.server.logger?.error({ err: reply.cause, command: entry.spec?.name, client: this.session.id },
      "request failed with an unexpected error");
  }

  private armDeadline(): void {
    if (this.deadlineTimer !== undefined || this.closed) return;
    const head = this.pending.at(0);
    if (head?.state !== State.Running) return;
    const delayMs = Math.max(0, head.arrivalMs + this.server.limits.requestTimeoutMs - performance.now());
    this.deadlineTimer = setTimeout(() => this.onDeadline(), delayMs);
  }

  /** Answers TIMEOUT for running requests past their deadline (they are at the head: FIFO). */
  private onDeadline(): void {
    this.deadlineTimer = undefined;
    const timeoutMs = this.server.limits.requestTimeoutMs;
    const nowMs = performance.now();
    for (let i = 0; i < this.pending.length; i++) {
      const entry = this.pending.at(i) as Pending;
      if (entry.arrivalMs + timeoutMs > nowMs) break;
      if (entry.state === State.Running) this.finish(entry, timeoutError(entry.spec as CommandSpec, timeoutMs));
    }
    this.progress();
    this.flush();
    this.armDeadline();
  }

  private encode(reply: Reply, protocol: 2 | 3): void {
    this.replies.append(reply, protocol);
  }

  private replyBufferFull(): boolean {
    return this.replies.byteLength + this.socket.writableLength >= this.server.limits.replyBufferBytesMax;
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // After the current burst of settled promises, so that their replies share one write.
    process.nextTick(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    if (this.closed) return;
    this.writeOut();
    this.reportMemory();
  }

  private writeOut(): void {
    this.replies.writeTo(this.socket);
    // The kernel may take a write at once, leaving no 'drain' to wait for: requests held back
    // by the reply bound must be started here, as long as the bound allows.
    while (this.queuedCount > 0 && !this.replyBufferFull()) {
      this.progress();
      if (this.replies.byteLength === 0) break; // held back by key order, not by the bound
      this.replies.writeTo(this.socket);
    }
    if (this.acceptsNoMore() && this.pending.length === 0) {
      this.endSocket();
      return;
    }
    this.updateReading();
  }

  /**
   * Ends our side, then drops the connection if the client has not closed its side within
   * closeLingerMs: a client that never closes (or keeps sending) must not keep holding a
   * connection slot. Until then what it sends is read and ignored, so that it is not reset
   * before it has read our last reply.
   */
  private endSocket(): void {
    if (this.lingerTimer !== undefined) return;
    this.socket.end();
    this.lingerTimer = setTimeout(() => this.socket.destroy(), this.server.limits.closeLingerMs);
    this.lingerTimer.unref();
    this.socket.removeAllListeners("data");
    this.socket.on("data", () => undefined);
    this.socket.resume();
  }

  private updateReading(): void {
    const { pipelineDepthMax, replyBufferBytesMax } = this.server.limits;
    const overloaded = this.pending.length >= pipelineDepthMax || this.socket.writableLength >= replyBufferBytesMax;
    if (overloaded || this.acceptsNoMore()) this.pauseReading();
    else if (this.readingPaused) {
      this.readingPaused = false;
      this.socket.resume();
    }
  }

  private pauseReading(): void {
    if (this.readingPaused) return;
    this.readingPaused = true;
    this.socket.pause();
  }

  private onDrain(): void {
    this.progress();
    this.flush();
  }


  /** Forgets requests that have not started (after QUIT, or once the socket closed). */
  private dropQueued(): void {
    for (; this.queuedCount > 0; this.queuedCount--) this.pendingArgsBytes -= (this.pending.pop() as Pending).argsBytes;
  }

  private onClose(): void {
    this.closed = true;
    releaseWatches(this);
    if (this.deadlineTimer !== undefined) clearTimeout(this.deadlineTimer);
    if (this.lingerTimer !== undefined) clearTimeout(this.lingerTimer);
    this.dropQueued();
    this.replies.clear();
    this.reportMemory();
  }
}

function isWrite(spec: CommandSpec): boolean {
  return spec.keyspace === undefined ? spec.write : spec.keyspace === "write";
}

function timeoutError(spec: CommandSpec, timeoutMs: number): RingkvError {
  const name = spec.name.toUpperCase();
  const outcome = spec.write
    ? "the write may or may not have been applied (outcome unknown); read the key to find out"
    : "nothing was changed";
  return new RingkvError("TIMEOUT", `${name} did not finish within ${timeoutMs} ms; ${outcome}`);
}
