// What a command handler answers: a value the front end encodes for the connection's
// protocol (RESP2 or RESP3), or a RingkvError sent as an error reply (`-CODE message`).
import { RingkvError } from "../shared/errors.js";
import type { ReplyValue } from "./backend.js";

export type Reply = ReplyValue | RingkvError;

export const OK: Reply = Object.freeze({ simple: "OK" });
export const PONG: Reply = Object.freeze({ simple: "PONG" });

export function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return value instanceof Promise;
}

/** Applies `map` to a value now, or to a promised value when it arrives. */
export function mapMaybe<T, R>(value: T | Promise<T>, map: (resolved: T) => R): R | Promise<R> {
  return isPromise(value) ? value.then(map) : map(value);
}

/** Any failure as an error reply: RingkvErrors keep their code, anything else is a bug. */
export function errorReply(error: unknown): RingkvError {
  if (error instanceof RingkvError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new RingkvError("ERR", `internal error: ${message}`, { cause: error });
}

/** True for a reply produced by errorReply for something that was not a RingkvError. */
export function isInternalError(reply: RingkvError): boolean {
  return reply.cause !== undefined && !(reply.cause instanceof RingkvError);
}
