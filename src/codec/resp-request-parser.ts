// The server side of the RESP decoder: turns a byte stream into commands. A request that begins
// with '*' is a multibulk array of bulk strings; anything else is an inline command line (Redis's
// rule). Parsing resumes where the last chunk ended, so nothing is parsed twice and nothing is
// copied unless a bulk string or line spans chunks.
//
// Limits are checked on each length line, as soon as it is read, as Redis does: an array over
// arrayLengthMax, a bulk string over bulkBytesMax or a request whose bulk lengths add up past
// requestBytesMax is refused at once ("invalid multibulk length", "invalid bulk length") and
// the stream is given up: its body is never waited for nor buffered. Before the connection has
// authenticated, the much smaller unauthenticated bounds apply. A negative array length
// ("*-10") is ignored without a reply, as Redis ignores it.
import type { RingkvError } from "../shared/errors.js";
import type { Limits } from "../shared/limits.js";
import { BulkReader, BulkStatus } from "./resp-bulk-reader.js";
import { describeByte, protocolError } from "./resp-errors.js";
import { splitInlineArgs } from "./resp-inline.js";
import { LINE_NEEDS_MORE, LINE_TOO_LONG, LineReader } from "./resp-line-reader.js";

export type RequestLimits = Pick<Limits,
  "arrayLengthMax" | "inlineBytesMax" | "bulkBytesMax" | "requestBytesMax" | "unauthenticatedArrayLengthMax" | "unauthenticatedBulkBytesMax">;

export interface RequestHandlers {
  /** One command. The buffers may be views of the socket's chunks: they stay valid (Node never
   * reuses a chunk it handed out) but keep the chunk in memory while they are held. */
  onCommand(args: Buffer[]): void;
  /** The stream cannot be parsed any further; called once, later input is ignored. */
  onProtocolError(error: RingkvError): void;
  /** Whether the sender has authenticated; until then only small requests are read. Default: yes. */
  isAuthenticated?(): boolean;
}

const STAR = 0x2a;
const DOLLAR = 0x24;
const CR = 0x0d;

const enum State { Start, Count, Length, Bulk, Inline, Failed }

export class RequestParser {
  private state = State.Start;
  private readonly lines = new LineReader();
  private readonly bulk = new BulkReader();
  private args: Buffer[] = [];
  private argsRemaining = 0;
  /** Sum of the bulk lengths announced so far by the current request. */
  private requestBytes = 0;
  /** Bytes of the current request's arguments already complete (held in `args`). */
  private argsBytes = 0;

  constructor(private readonly limits: RequestLimits, private readonly handlers: RequestHandlers) {}

  /** True while a request has begun to arrive and is not complete. */
  get midRequest(): boolean {
    return (this.state !== State.Start && this.state !== State.Failed) || this.lines.hasPending;
  }

  /** Bytes held for the request being read: its complete arguments and the one being filled. */
  get heldBytes(): number {
    if (this.state === State.Failed) return 0;
    return this.argsBytes + this.bulk.heldBytes + this.lines.pendingLength;
  }

  write(chunk: Buffer): void {
    let pos = 0;
    while (pos < chunk.length) {
      switch (this.state) {
        case State.Start:
          this.state = chunk[pos] === STAR ? State.Count : State.Inline;
          break;
        case State.Count: pos = this.readCount(chunk, pos); break;
        case State.Length: pos = this.readLength(chunk, pos); break;
        case State.Bulk: pos = this.readBulk(chunk, pos); break;
        case State.Inline: pos = this.readInline(chunk, pos); break;
        case State.Failed: return;
      }
    }
  }

  private authenticated(): boolean {
    return this.handlers.isAuthenticated?.() ?? true;
  }

  private readCount(chunk: Buffer, pos: number): number {
    const count = this.lines.readCount(chunk, pos);
    const next = this.lines.next;
    if (next === LINE_NEEDS_MORE) return chunk.length;
    if (Number.isNaN(count)) return this.fail(`invalid multibulk length: ${this.lines.describeLengthLine()}`);
    if (count <= 0) {
      // Redis ignores an empty or negative multibulk ("*0\r\n", "*-10\r\n") without a reply.
      this.state = State.Start;
      return next;
    }
    if (count > this.limits.arrayLengthMax) {
      return this.fail(`invalid multibulk length: ${count} exceeds the limit of ${this.limits.arrayLengthMax} elements`);
    }
    if (count > this.limits.unauthenticatedArrayLengthMax && !this.authenticated()) {
      return this.fail(`unauthenticated multibulk length: ${count} elements; `
        + `until AUTH a request may have at most ${this.limits.unauthenticatedArrayLengthMax}`);
    }
    this.state = State.Length;
    this.argsRemaining = count;
    return next;
  }

  private readLength(chunk: Buffer, pos: number): number {
    if (!this.lines.hasPending && chunk[pos] !== DOLLAR) {
      return this.fail(`expected '$', got '${describeByte(chunk[pos])}'`);
    }
    const length = this.lines.readLength(chunk, pos);
    const next = this.lines.next;
    if (next === LINE_NEEDS_MORE) return chunk.length;
    if (length < 0) return this.fail(`invalid bulk length: ${this.lines.describeLengthLine()}`);
    const problem = this.sizeProblem(length);
    if (problem !== undefined) return this.fail(problem);
    this.requestBytes += length;
    this.bulk.start(length);
    this.state = State.Bulk;
    return next;
  }

  /** Why a bulk string of `length` bytes is refused before its body is read, if it is. */
  private sizeProblem(length: number): string | undefined {
    const { bulkBytesMax, requestBytesMax, unauthenticatedBulkBytesMax } = this.limits;
    if (length > bulkBytesMax) return `invalid bulk length: ${length} bytes exceeds the limit of ${bulkBytesMax} bytes`;
    if (this.requestBytes + length > requestBytesMax) {
      return `invalid bulk length: the request's bulk strings add up to at least ${this.requestBytes + length} bytes, the limit is ${requestBytesMax} bytes`;
    }
    if (length > unauthenticatedBulkBytesMax && !this.authenticated()) {
      return `unauthenticated bulk length: ${length} bytes; until AUTH a bulk string may have at most ${unauthenticatedBulkBytesMax}`;
    }
    return undefined;
  }

  private readBulk(chunk: Buffer, pos: number): number {
    const status = this.bulk.read(chunk, pos);
    if (status === BulkStatus.NeedsMore) return this.bulk.end;
    if (status === BulkStatus.BadTerminator) {
      return this.fail(`expected '\\r\\n' after a bulk string, got '${describeByte(this.bulk.badByte)}'`);
    }
    const value = this.bulk.value as Buffer;
    this.args.push(value);
    this.argsBytes += value.length;
    this.argsRemaining -= 1;
    this.state = State.Length;
    if (this.argsRemaining === 0) this.finishRequest();
    return this.bulk.end;
  }

  private finishRequest(): void {
    const args = this.args;
    this.state = State.Start;
    this.args = [];
    this.requestBytes = 0;
    this.argsBytes = 0;
    this.handlers.onCommand(args);
  }

  private readInline(chunk: Buffer, pos: number): number {
    // One byte more than the limit is allowed for the '\r' of a "\r\n" ending.
    const next = this.lines.read(chunk, pos, this.limits.inlineBytesMax + 1);
    if (next === LINE_NEEDS_MORE) return chunk.length;
    const tooBig = `too big inline request: more than ${this.limits.inlineBytesMax} bytes`;
    if (next === LINE_TOO_LONG) return this.fail(tooBig);
    const { line, lineStart } = this.lines;
    const lineEnd = line[this.lines.lineEnd - 1] === CR ? this.lines.lineEnd - 1 : this.lines.lineEnd;
    if (lineEnd - lineStart > this.limits.inlineBytesMax) return this.fail(tooBig);
    const args = splitInlineArgs(line, lineStart, lineEnd);
    if (args === null) return this.fail("unbalanced quotes in request");
    this.state = State.Start;
    if (args.length > 0) this.handlers.onCommand(args);
    return next;
  }

  private fail(detail: string): number {
    this.state = State.Failed;
    this.args = [];
    this.argsBytes = 0;
    this.bulk.start(0);
    this.lines.reset();
    this.handlers.onProtocolError(protocolError(detail));
    return Number.MAX_SAFE_INTEGER;
  }
}
