// Helpers for the RESP codec's tests: feed an input to a decoder whole, byte by byte or cut at
// given points, and record what the decoder called back, as plain data that assert can compare.
import fc from "fast-check";
import { makeLimits, type Limits } from "../../src/shared/limits.js";
import { RespDecoder, type ReplyLimits, type RespValue } from "../../src/codec/resp-decoder.js";

export type RequestEvent =
  | { command: string[] }
  | { protocolError: string };

export type ReplyEvent = { reply: RespValue } | { push: RespValue[] } | { protocolError: string };

/** Small limits, so that the limit cases stay small inputs. */
export const TEST_LIMITS: Limits = makeLimits({
  keyBytesMax: 8, valueBytesMax: 16, bulkBytesMax: 16, arrayLengthMax: 8, inlineBytesMax: 32, requestBytesMax: 40,
  unauthenticatedArrayLengthMax: 3, unauthenticatedBulkBytesMax: 4,
});

/** `input` cut at `cuts` (positions, any order, duplicates and out-of-range ones ignored); each
 * piece a buffer of its own, as a socket hands them out. */
export function cutAt(input: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.filter((cut) => cut > 0 && cut < input.length))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let start = 0;
  for (const point of [...points, input.length]) {
    chunks.push(Buffer.from(input.subarray(start, point)));
    start = point;
  }
  return chunks;
}

/** The ways every table case is fed: whole, byte by byte, in pieces of 2, 3 and 7 bytes, and
 * cut at 5 random sets of points (named by their points, so a failure can be replayed). */
export function splits(input: Buffer): Array<{ name: string; chunks: Buffer[] }> {
  const every = (step: number): number[] => Array.from({ length: Math.ceil(input.length / step) }, (_, i) => i * step);
  const random = fc.sample(fc.array(fc.nat({ max: input.length }), { maxLength: 8 }), 5);
  return [
    { name: "whole", chunks: cutAt(input, []) },
    { name: "byte by byte", chunks: cutAt(input, every(1)) },
    { name: "pieces of 2", chunks: cutAt(input, every(2)) },
    { name: "pieces of 3", chunks: cutAt(input, every(3)) },
    { name: "pieces of 7", chunks: cutAt(input, every(7)) },
    ...random.map((points) => ({ name: `cut at [${points.join(", ")}]`, chunks: cutAt(input, points) })),
  ];
}

/** Feeds `chunks` to a request-mode decoder; returns its callbacks in order. */
export function requestEvents(chunks: readonly Buffer[], limits: Limits = TEST_LIMITS, authenticated = true): RequestEvent[] {
  const events: RequestEvent[] = [];
  const decoder = new RespDecoder({
    mode: "request",
    limits,
    onCommand: (args) => events.push({ command: args.map((arg) => arg.toString("latin1")) }),
    onProtocolError: (error) => events.push({ protocolError: error.toResp() }),
    isAuthenticated: () => authenticated,
  });
  for (const chunk of chunks) decoder.write(chunk);
  return events;
}

/** Feeds `chunks` to a reply-mode decoder; returns its callbacks in order. */
export function replyEvents(chunks: readonly Buffer[], limits?: ReplyLimits, withPush = false): ReplyEvent[] {
  const events: ReplyEvent[] = [];
  const handlers = {
    onReply: (value: RespValue) => events.push({ reply: value }),
    onProtocolError: (error: { toResp(): string }) => events.push({ protocolError: error.toResp() }),
  };
  const decoder = new RespDecoder(withPush
    ? { mode: "reply", limits, ...handlers, onPush: (value) => events.push({ push: value }) }
    : { mode: "reply", limits, ...handlers });
  for (const chunk of chunks) decoder.write(chunk);
  return events;
}
