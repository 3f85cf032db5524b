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

test("a large frame in many small chunks is collected in time linear in its size (no copy per chunk)", () => {
  // 8 MiB in 1 KiB chunks: copying what was buffered on every chunk moves ~32 GiB (tens of
  // seconds); collecting the chunks and copying once moves 8 MiB.
  const frame = encodeFrame({ value: Buffer.alloc(8 * 1024 * 1024, 7) });
  let received: unknown;
  const decoder = new FrameDecoder(16 * 1024 * 1024, (message) => (received = message));
  const started = performance.now();
  for (let at = 0; at < frame.length; at += 1024) decoder.write(frame.subarray(at, at + 1024));
  const elapsedMs = performance.now() - started;
  assert.equal((received as { value: Buffer }).value.length, 8 * 1024 * 1024);
  assert.equal(decoder.heldBytes, 0);
  assert.ok(elapsedMs < 3000, `took ${Math.round(elapsedMs)} ms`);
});

test("frames split anywhere, several per chunk, come out in order and nothing is held after", () => {
  const frames = [encodeFrame({ a: 1 }), encodeFrame({ b: Buffer.alloc(300, 1) }), encodeFrame({ c: "x" })];
  const bytes = Buffer.concat(frames);
  for (let cut = 1; cut < bytes.length; cut++) {
    const messages: unknown[] = [];
    const decoder = new FrameDecoder(1024, (message) => messages.push(message));
    decoder.write(bytes.subarray(0, cut));
    decoder.write(bytes.subarray(cut));
    assert.deepEqual(messages, [{ a: 1 }, { b: Buffer.alloc(300, 1) }, { c: "x" }], `cut at ${cut}`);
    assert.equal(decoder.heldBytes, 0);
  }
});

test("a frame with an empty body is a FrameError (not msgpack), never another exception", () => {
  const decoder = new FrameDecoder(1024, () => assert.fail("no message expected"));
  assert.throws(() => decoder.write(Buffer.from([0, 0, 0, 0])), FrameError);
});
