// The server side of the RESP decoder: turns a byte stream into commands. A request that begins
// with '*' is a multibulk array of bulk strings; anything else is an inline command line (Redis's
// rule). Parsing resumes where the last chunk ended, so nothing is parsed twice and nothing is
// copied unless a bulk string or line spans chunks.
//
// Limits: a bulk string over bulkBytesMax or a request over requestBytesMax is refused but its
// framing is still known, so its bytes are discarded as they arrive and onCommandError answers
// it in order; the connection lives on. Anything that breaks the framing is fatal.
import type { RingkvError } from "../core/errors.js";
import type { Limits } from "../core/limits.js";
import { BulkReader, BulkStatus } from "./resp-bulk-reader.js";
import { describeByte, protocolError } from "./resp-errors.js";
import { splitInlineArgs } from "./resp-inline.js";
import { LINE_NEEDS_MORE, LINE_TOO_LONG, LineReader } from "./resp-line-reader.js";

export type RequestLimits = Pick<Limits, "arrayLengthMax" | "inlineBytesMax" | "bulkBytesMax" | "requestBytesMax">;

export interface RequestHandlers {
  /** One command. The buffers may be views of the socket's chunks: they stay valid (Node never
   * reuses a chunk it handed out) but keep the chunk in memory while they are held. */
  onCommand(args: Buffer[]): void;
  /** A command refused for its size and skipped whole: answer it with `error`, keep reading. */
  onCommandError(error: RingkvError): void;
  /** The stream cannot be parsed any further; called once, later input is ignored. */
  onProtocolError(error: RingkvError): void;
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
  private requestBytes = 0;
  /** Set when the current request is refused: its remaining bytes are discarded. */
  private refusal: "bulk" | "request" | null = null;
  private refusedBulkBytes = 0;

  constructor(private readonly limits: RequestLimits, private readonly handlers: RequestHandlers) {}

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

  private readCount(chunk: Buffer, pos: number): number {
    const count = this.lines.readLength(chunk, pos);
    const next = this.lines.next;
    if (next === LINE_NEEDS_MORE) return chunk.length;
    if (count < 0) return this.fail(`invalid multibulk length: ${this.lines.describeLengthLine()}`);
    if (count > this.limits.arrayLengthMax) {
      return this.fail(`invalid multibulk length: ${count} exceeds the limit of ${this.limits.arrayLengthMax} elements`);
    }
    // Redis ignores an empty multibulk ("*0\r\n") without a reply.
    this.state = count === 0 ? State.Start : State.Length;
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
    this.requestBytes += length;
    if (this.refusal === null) this.checkSizes(length);
    this.bulk.start(length, this.refusal !== null);
    this.state = State.Bulk;
    return next;
  }

  private checkSizes(length: number): void {
    if (length > this.limits.bulkBytesMax) {
      this.refusal = "bulk";
      this.refusedBulkBytes = length;
    } else if (this.requestBytes > this.limits.requestBytesMax) {
      this.refusal = "request";
    }
    if (this.refusal !== null) this.args = [];
  }

  private readBulk(chunk: Buffer, pos: number): number {
    const status = this.bulk.read(chunk, pos);
    if (status === BulkStatus.NeedsMore) return this.bulk.end;
    if (status === BulkStatus.BadTerminator) {
      return this.fail(`expected '\\r\\n' after a bulk string, got '${describeByte(this.bulk.badByte)}'`);
    }
    if (this.refusal === null) this.args.push(this.bulk.value as Buffer);
    this.argsRemaining -= 1;
    this.state = State.Length;
    if (this.argsRemaining === 0) this.finishRequest();
    return this.bulk.end;
  }

  private finishRequest(): void {
    const args = this.args;
    const refusal = this.refusal;
    const requestBytes = this.requestBytes;
    this.state = State.Start;
    this.args = [];
    this.refusal = null;
    this.requestBytes = 0;
    if (refusal === null) {
      this.handlers.onCommand(args);
    } else if (refusal === "bulk") {
      this.handlers.onCommandError(protocolError(
        `bulk string of ${this.refusedBulkBytes} bytes exceeds the limit of ${this.limits.bulkBytesMax} bytes`));
    } else {
      this.handlers.onCommandError(protocolError(
        `request of ${requestBytes} bytes exceeds the limit of ${this.limits.requestBytesMax} bytes`));
    }
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
    this.lines.reset();
    this.handlers.onProtocolError(protocolError(detail));
    return Number.MAX_SAFE_INTEGER;
  }
}
