// The client side of the RESP decoder: turns a byte stream from a server into reply values, for
// every RESP2 and RESP3 type. Aggregates are built on an explicit, bounded stack so that parsing
// resumes where the last chunk ended. Attributes (`|`) are parsed and dropped. Every violation is
// fatal here: a client cannot skip a reply it does not understand and keep replies in order.
import type { RingkvError } from "../shared/errors.js";
import { BulkReader, BulkStatus } from "./resp-bulk-reader.js";
import { describeByte, describeBytes, protocolError, RespReplyError } from "./resp-errors.js";
import { LENGTH_INVALID, LINE_NEEDS_MORE, LINE_TOO_LONG, LineReader } from "./resp-line-reader.js";
import { parseDouble, parseInteger } from "./resp-numbers.js";

/** A decoded reply. Bulk and verbatim strings are Buffers, simple strings are strings, error
 * replies are RespReplyError values, maps are Maps, arrays, sets and pushes are arrays. */
export type RespValue =
  | null
  | string
  | number
  | bigint
  | boolean
  | Buffer
  | RespReplyError
  | RespValue[]
  | Map<RespValue, RespValue>;

export interface ReplyLimits {
  /** Most elements in one array, set or push, or entries in one map. */
  arrayLengthMax: number;
  /** Largest bulk string, blob error or verbatim string, and longest line, in bytes. */
  bulkBytesMax: number;
  /** Deepest nesting of aggregates. */
  nestingDepthMax: number;
}

/** Defaults for a client: room for the largest values and replies of ringkv and of Redis. */
export const DEFAULT_REPLY_LIMITS: Readonly<ReplyLimits> = Object.freeze({
  arrayLengthMax: 16 * 1024 * 1024,
  bulkBytesMax: 64 * 1024 * 1024,
  nestingDepthMax: 64,
});

export interface ReplyHandlers {
  onReply(value: RespValue): void;
  /** Out-of-band RESP3 pushes (`>`); without this handler they go to onReply as arrays. */
  onPush?(value: RespValue[]): void;
  /** The stream cannot be parsed any further; called once, later input is ignored. */
  onProtocolError(error: RingkvError): void;
}

const CR = 0x0d;
const enum State { Start, Bulk, Failed }

const enum Kind { Unknown, Line, Bulk, Aggregate }
/** The kind of each type byte: one-line values, bulk payloads, aggregates. */
const KIND_OF_TYPE = new Uint8Array(256);
for (const type of "+-:_,#(") KIND_OF_TYPE[type.charCodeAt(0)] = Kind.Line;
for (const type of "$!=") KIND_OF_TYPE[type.charCodeAt(0)] = Kind.Bulk;
for (const type of "*~>%|") KIND_OF_TYPE[type.charCodeAt(0)] = Kind.Aggregate;

const BLOB_ERROR = 0x21;
const BULK = 0x24;
const MAP = 0x25;
const ATTRIBUTE = 0x7c;
const PUSH = 0x3e;

interface Aggregate {
  type: number;
  remaining: number;
  items: RespValue[];
}

export class ReplyParser {
  private state = State.Start;
  private type = 0;
  private readonly lines = new LineReader();
  private readonly bulk = new BulkReader();
  private readonly stack: Aggregate[] = [];

  constructor(private readonly limits: ReplyLimits, private readonly handlers: ReplyHandlers) {}

  write(chunk: Buffer): void {
    let pos = 0;
    while (pos < chunk.length) {
      if (this.state === State.Start) pos = this.readValue(chunk, pos);
      else if (this.state === State.Bulk) pos = this.readBulk(chunk, pos);
      else return;
    }
  }

  private readValue(chunk: Buffer, pos: number): number {
    if (!this.lines.hasPending) {
      this.type = chunk[pos] as number;
      if (KIND_OF_TYPE[this.type] === Kind.Unknown) return this.fail(`unknown reply type '${describeByte(this.type)}'`);
    }
    const kind = KIND_OF_TYPE[this.type];
    if (kind === Kind.Line) return this.readLine(chunk, pos);
    const length = this.lines.readLength(chunk, pos);
    const next = this.lines.next;
    if (next === LINE_NEEDS_MORE) return chunk.length;
    if (length === LENGTH_INVALID) return this.fail(`invalid length: ${this.lines.describeLengthLine()}`);
    return kind === Kind.Bulk ? this.startBulk(length, next) : this.startAggregate(length, next);
  }

  private readLine(chunk: Buffer, pos: number): number {
    const bytesMax = this.limits.bulkBytesMax;
    const next = this.lines.read(chunk, pos, bytesMax);
    if (next === LINE_NEEDS_MORE) return chunk.length;
    if (next === LINE_TOO_LONG) return this.fail(`reply line longer than ${bytesMax} bytes`);
    const { line, lineStart, lineEnd } = this.lines;
    if (line[lineEnd - 1] !== CR) return this.fail("reply line not terminated by '\\r\\n'");
    if (this.deliverLine(line, lineStart + 1, lineEnd - 1)) return next;
    return this.fail(`invalid '${describeByte(this.type)}' reply '${describeBytes(line.subarray(lineStart + 1, lineEnd - 1))}'`);
  }

  /** Delivers the value of the one-line reply line[start, end); false when the text is not
   * valid for its type. */
  private deliverLine(line: Buffer, start: number, end: number): boolean {
    switch (this.type) {
      case 0x2b: return this.deliver(line.toString("utf8", start, end));
      case 0x2d: return this.deliver(new RespReplyError(line.toString("utf8", start, end)));
      case 0x3a:
      case 0x28: {
        const value = parseInteger(line, start, end, this.type === 0x28);
        return value !== null && this.deliver(value);
      }
      case 0x2c: {
        const value = parseDouble(line, start, end);
        return value !== null && this.deliver(value);
      }
      case 0x23:
        if (end - start !== 1 || (line[start] !== 0x74 && line[start] !== 0x66)) return false;
        return this.deliver(line[start] === 0x74);
      default: // '_'
        return end === start && this.deliver(null);
    }
  }

  private startBulk(length: number, next: number): number {
    if (length === -1) {
      this.deliver(null);
      return next;
    }
    if (length > this.limits.bulkBytesMax) {
      return this.fail(`bulk string of ${length} bytes exceeds the limit of ${this.limits.bulkBytesMax} bytes`);
    }
    this.bulk.start(length);
    this.state = State.Bulk;
    return next;
  }

  private readBulk(chunk: Buffer, pos: number): number {
    const status = this.bulk.read(chunk, pos);
    if (status === BulkStatus.NeedsMore) return this.bulk.end;
    if (status === BulkStatus.BadTerminator) {
      return this.fail(`expected '\\r\\n' after a bulk string, got '${describeByte(this.bulk.badByte)}'`);
    }
    this.state = State.Start;
    const payload = this.bulk.value as Buffer;
    if (this.type === BLOB_ERROR) this.deliver(new RespReplyError(payload.toString()));
    else if (this.type === BULK) this.deliver(payload);
    // A verbatim string is "fmt:text"; the three-letter format (txt, mkd) is dropped.
    else if (payload.length >= 4 && payload[3] === 0x3a) this.deliver(payload.subarray(4));
    else return this.fail(`verbatim string without a format prefix: '${describeBytes(payload)}'`);
    return this.bulk.end;
  }

  private startAggregate(length: number, next: number): number {
    if (length === -1) {
      this.deliver(null);
      return next;
    }
    if (length > this.limits.arrayLengthMax) {
      return this.fail(`aggregate of ${length} elements exceeds the limit of ${this.limits.arrayLengthMax}`);
    }
    if (this.stack.length >= this.limits.nestingDepthMax) {
      return this.fail(`aggregates nested deeper than ${this.limits.nestingDepthMax}`);
    }
    const remaining = this.type === MAP || this.type === ATTRIBUTE ? length * 2 : length;
    const aggregate: Aggregate = { type: this.type, remaining, items: [] };
    if (remaining === 0) this.complete(aggregate);
    else this.stack.push(aggregate);
    return next;
  }

  /** Hands a finished value to its parent aggregate, or to the handler at the top level. */
  private deliver(value: RespValue): true {
    const parent = this.stack[this.stack.length - 1];
    if (parent === undefined) {
      this.handlers.onReply(value);
      return true;
    }
    parent.items.push(value);
    parent.remaining -= 1;
    if (parent.remaining === 0) {
      this.stack.pop();
      this.complete(parent);
    }
    return true;
  }

  private complete(aggregate: Aggregate): void {
    if (aggregate.type === ATTRIBUTE) return; // attributes describe the next value: dropped
    if (aggregate.type === MAP) {
      const map = new Map<RespValue, RespValue>();
      for (let i = 0; i < aggregate.items.length; i += 2) map.set(aggregate.items[i] as RespValue, aggregate.items[i + 1] as RespValue);
      this.deliver(map);
    } else if (aggregate.type === PUSH && this.stack.length === 0 && this.handlers.onPush) {
      this.handlers.onPush(aggregate.items);
    } else {
      this.deliver(aggregate.items);
    }
  }

  private fail(detail: string): number {
    this.state = State.Failed;
    this.stack.length = 0;
    this.lines.reset();
    this.handlers.onProtocolError(protocolError(detail));
    return Number.MAX_SAFE_INTEGER;
  }
}
