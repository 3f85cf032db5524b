// The RESP decoder: a push parser with no socket. write(chunk) parses everything complete in
// the chunk and calls back; an incomplete tail is kept for the next write. Two modes:
// - "request" (server side): commands, as RESP arrays of bulk strings or inline lines;
// - "reply" (client side): reply values of every RESP2 and RESP3 type.
// write() never throws for bad input: errors arrive through the callbacks. Exceptions thrown by
// a callback propagate out of write(), and the rest of that chunk is then lost.
// Values handed out (command arguments, bulk replies) may be views of the chunks written, not
// copies: they stay valid, since Node never reuses a chunk it handed to a 'data' listener, and
// they keep that chunk in memory while held. Only what spans chunks is copied.
import { type ReplyHandlers, type ReplyLimits, ReplyParser, DEFAULT_REPLY_LIMITS } from "./resp-reply-parser.js";
import { type RequestHandlers, type RequestLimits, RequestParser } from "./resp-request-parser.js";

export { RespReplyError } from "./resp-errors.js";
export { DEFAULT_REPLY_LIMITS } from "./resp-reply-parser.js";
export type { ReplyHandlers, ReplyLimits, RespValue } from "./resp-reply-parser.js";
export type { RequestHandlers, RequestLimits } from "./resp-request-parser.js";

export type RespDecoderOptions =
  | ({ mode: "request"; limits: RequestLimits } & RequestHandlers)
  | ({ mode: "reply"; limits?: ReplyLimits } & ReplyHandlers);

export class RespDecoder {
  private readonly parser: RequestParser | ReplyParser;

  constructor(options: RespDecoderOptions) {
    this.parser = options.mode === "request"
      ? new RequestParser(options.limits, options)
      : new ReplyParser(options.limits ?? DEFAULT_REPLY_LIMITS, options);
  }

  /** Request mode: true while a request has begun to arrive and is not complete. */
  get midRequest(): boolean {
    return this.parser instanceof RequestParser && this.parser.midRequest;
  }

  /** Request mode: bytes held for the request being read. */
  get heldBytes(): number {
    return this.parser instanceof RequestParser ? this.parser.heldBytes : 0;
  }

  /** Parses what is complete in `chunk`; keeps the rest. Do not modify a chunk after writing it:
   * values handed to the callbacks may be views of it. */
  write(chunk: Buffer): void {
    this.parser.write(chunk);
  }
}
