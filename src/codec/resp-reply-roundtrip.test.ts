// Round trip of replies: arbitrary reply trees written by ReplyWriter in RESP2 and RESP3, then
// decoded in reply mode under random splits, give back what each protocol can carry.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { RespReplyError, type RespValue } from "./resp-decoder.js";
import { ReplyWriter } from "./resp-encoder.js";
import { cutAt, replyEvents } from "../../test/support/resp.js";

type Reply =
  | { simple: string }
  | { error: string }
  | { integer: number | bigint }
  | { bulk: Buffer | null }
  | { double: number }
  | { boolean: boolean }
  | { null: true }
  | { array: Reply[] }
  | { set: Reply[] }
  | { map: Array<[Buffer, Reply]> };

/** Text without CR or LF (the writer would turn those into spaces). */
const oneLineText = fc.string({ unit: "grapheme", maxLength: 12 }).filter((text) => !/[\r\n]/.test(text));
const bytes = fc.uint8Array({ maxLength: 16 }).map((array) => Buffer.from(array));

const { reply } = fc.letrec<{ reply: Reply }>((tie) => ({
  reply: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.record({ simple: oneLineText }),
    fc.record({ error: oneLineText.map((text) => `ERR ${text}`) }),
    fc.record({ integer: fc.oneof(fc.integer(), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })) }),
    fc.record({ bulk: fc.option(bytes) }),
    fc.record({ double: fc.double().filter((value) => !Object.is(value, -0)) }),
    fc.record({ boolean: fc.boolean() }),
    fc.constant({ null: true as const }),
    fc.record({ array: fc.array(tie("reply"), { maxLength: 4 }) }),
    fc.record({ set: fc.array(tie("reply"), { maxLength: 4 }) }),
    fc.record({ map: fc.array(fc.tuple(bytes, tie("reply")), { maxLength: 3 }) }),
  ),
}));

function write(writer: ReplyWriter, value: Reply): void {
  if ("simple" in value) writer.simple(value.simple);
  else if ("error" in value) writer.error(value.error);
  else if ("integer" in value) writer.integer(value.integer);
  else if ("bulk" in value) writer.bulk(value.bulk);
  else if ("double" in value) writer.double(value.double);
  else if ("boolean" in value) writer.boolean(value.boolean);
  else if ("null" in value) writer.null();
  else if ("array" in value) { writer.arrayHeader(value.array.length); value.array.forEach((item) => write(writer, item)); }
  else if ("set" in value) { writer.setHeader(value.set.length); value.set.forEach((item) => write(writer, item)); }
  else {
    writer.mapHeader(value.map.length);
    for (const [key, item] of value.map) { writer.bulk(key); write(writer, item); }
  }
}

function formatDouble(value: number): string {
  if (Number.isNaN(value)) return "nan";
  if (!Number.isFinite(value)) return value > 0 ? "inf" : "-inf";
  return String(value);
}

/** What a client decodes for `value` sent in `protocol`: RESP2 has no double, boolean or map. */
function expected(value: Reply, protocol: 2 | 3): RespValue {
  if ("simple" in value) return value.simple;
  if ("error" in value) return new RespReplyError(value.error);
  if ("integer" in value) {
    const integer = BigInt(value.integer);
    const safe = integer >= BigInt(Number.MIN_SAFE_INTEGER) && integer <= BigInt(Number.MAX_SAFE_INTEGER);
    return safe ? Number(integer) : integer;
  }
  if ("bulk" in value) return value.bulk;
  if ("double" in value) return protocol === 3 ? value.double : Buffer.from(formatDouble(value.double));
  if ("boolean" in value) return protocol === 3 ? value.boolean : (value.boolean ? 1 : 0);
  if ("null" in value) return null;
  if ("array" in value) return value.array.map((item) => expected(item, protocol));
  if ("set" in value) return value.set.map((item) => expected(item, protocol));
  if (protocol === 2) return value.map.flatMap(([key, item]) => [key, expected(item, protocol)]);
  return new Map(value.map.map(([key, item]) => [key, expected(item, protocol)]));
}

describe("RESP replies: encode then decode", () => {
  it("gives back arbitrary reply trees in RESP2 and RESP3, however the stream is split", () => {
    fc.assert(fc.property(fc.array(reply, { maxLength: 5 }), fc.array(fc.nat(), { maxLength: 10 }), (replies, points) => {
      for (const protocol of [2, 3] as const) {
        const writer = new ReplyWriter(protocol);
        for (const value of replies) write(writer, value);
        const stream = writer.take();
        const chunks = cutAt(stream, points.map((point) => point % (stream.length + 1)));
        assert.deepEqual(replyEvents(chunks), replies.map((value) => ({ reply: expected(value, protocol) })), `RESP${protocol}`);
      }
    }), { numRuns: 500 });
  });
});
