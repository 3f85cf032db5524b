// Adapts the codec's RESP push parser (request mode) to what a connection needs.
import type { Limits } from "../core/limits.js";
import { RespDecoder } from "../codec/resp-decoder.js";

export interface RequestHandlers {
  onCommand(args: Buffer[]): void;
  /** A request refused and skipped (e.g. an oversized bulk): answer it, keep the connection. */
  onCommandError(error: unknown): void;
  /** The byte stream cannot be parsed any further: answer, then close. */
  onProtocolError(error: unknown): void;
}

export interface RequestDecoder {
  write(chunk: Buffer): void;
}

export function createRequestDecoder(limits: Limits, handlers: RequestHandlers): RequestDecoder {
  return new RespDecoder({ mode: "request", limits, ...handlers });
}
