import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { encodeFrame, FrameDecoder, FrameError } from "./frame-codec.js";

function decodeAll(bytes: Buffer, splits: number[], frameBytesMax = 1 << 20): unknown[] {
  const messages: unknown[] = [];
  const decoder = new FrameDecoder(frameBytesMax, (message) => messages.push(message));
  let start = 0;
  for (const split of [...splits.filter((s) => s > 0 && s < bytes.length)].sort((a, b) => a - b)) {
    decoder.write(bytes.subarray(start, split));
    start = split;
  }
  decoder.write(bytes.subarray(start));
  return messages;
}

const message = fc.record({
  type: fc.constantFrom("prepare", "vote", "commit"),
  txid: fc.string(),
  key: fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
  value: fc.option(fc.uint8Array({ maxLength: 256 }).map((bytes) => Buffer.from(bytes))),
  count: fc.integer(),
}, { noNullPrototype: true });

test("frames round-trip whole, byte by byte and in random splits", () => {
  fc.assert(
    fc.property(fc.array(message, { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 10 }), (messages, splits) => {
      const bytes = Buffer.concat(messages.map(encodeFrame));
      assert.deepEqual(decodeAll(bytes, []), messages);
      assert.deepEqual(decodeAll(bytes, splits), messages);
      assert.deepEqual(decodeAll(bytes, Array.from({ length: bytes.length }, (_, i) => i)), messages);
    }),
  );
});

test("a frame over the limit is refused before its body is buffered", () => {
  const frame = encodeFrame({ value: Buffer.alloc(1000) });
  const decoder = new FrameDecoder(100, () => assert.fail("no message expected"));
  assert.throws(() => decoder.write(frame.subarray(0, 4)), (error: unknown) => {
    assert.ok(error instanceof FrameError);
    assert.match(error.message, /frame of \d+ bytes exceeds the limit of 100 bytes/);
    return true;
  });
});

test("a body that is not msgpack is a FrameError, never another exception", () => {
  const body = Buffer.from([0xc1, 0xc1, 0xc1]); // 0xc1 is never used in msgpack
  const frame = Buffer.concat([Buffer.from([0, 0, 0, body.length]), body]);
  assert.throws(() => decodeAll(frame, []), FrameError);
});
