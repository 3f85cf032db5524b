// Requests refused for their size, at real sizes (default limits): a bulk string over the limit
// is refused as soon as its length line is read (as Redis does), whatever follows it; what is
// sent after the refusal is neither parsed nor kept.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { DEFAULT_LIMITS } from "../shared/limits.js";
import { RespDecoder } from "./resp-decoder.js";
import { encodeCommand } from "./resp-encoder.js";
import { cutAt, requestEvents } from "../../test/support/resp.js";

const MiB = 1024 * 1024;
const CHUNK_BYTES = 64 * 1024;

setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as () => void;

/**
 * Growth of ArrayBuffer memory since `before` once garbage is collected. A WeakRef keeps its
 * target alive until the current job ends, and V8 frees ArrayBuffer memory lazily after a
 * collection, so collect in later jobs, a few times, until the figure stops including garbage.
 */
async function settledGrowth(before: number): Promise<number> {
  let grownBytes = Infinity;
  for (let attempt = 0; attempt < 10 && grownBytes >= 4 * MiB; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    collectGarbage();
    grownBytes = process.memoryUsage().arrayBuffers - before;
  }
  return grownBytes;
}

describe("RESP request decoder: oversized requests at real sizes", () => {
  it("refuses $2000000000 as soon as its length line arrives, without waiting for a body", () => {
    const header = Buffer.from("*2\r\n$3\r\nGET\r\n$2000000000\r\n");
    assert.deepEqual(requestEvents([header], DEFAULT_LIMITS), [
      { protocolError: `ERR Protocol error: invalid bulk length: 2000000000 bytes exceeds the limit of ${DEFAULT_LIMITS.bulkBytesMax} bytes` },
    ]);
  });

  it("refuses a 5 MiB bulk string at its length line: commands before it are delivered, none after", () => {
    const input = Buffer.concat([
      encodeCommand(["PING"]),
      encodeCommand(["SET", "k", Buffer.alloc(5 * MiB, 0x61)]),
      encodeCommand(["GET", "k"]),
    ]);
    const expected = [
      { command: ["PING"] },
      { protocolError: `ERR Protocol error: invalid bulk length: ${5 * MiB} bytes exceeds the limit of ${DEFAULT_LIMITS.bulkBytesMax} bytes` },
    ];
    const everyChunk = Array.from({ length: Math.ceil(input.length / CHUNK_BYTES) }, (_, i) => i * CHUNK_BYTES);
    const oddCuts = [3, 11, 5 * MiB - 1, 5 * MiB + 20, input.length - 7];
    for (const points of [[], everyChunk, oddCuts]) {
      assert.deepEqual(requestEvents(cutAt(input, points), DEFAULT_LIMITS), expected, `cut at ${points.length} points`);
    }
  });

  it("keeps nothing of what is sent after a refused length line", async () => {
    const events: string[] = [];
    const decoder = new RespDecoder({
      mode: "request", limits: DEFAULT_LIMITS,
      onCommand: (args) => events.push(args.join(" ")),
      onProtocolError: (error) => events.push(error.message),
    });
    const payloadBytes = 48 * MiB;
    decoder.write(Buffer.from(`*2\r\n$3\r\nSET\r\n$${payloadBytes}\r\n`));
    collectGarbage();
    const before = process.memoryUsage().arrayBuffers;
    const fed: Array<WeakRef<Buffer>> = [];
    for (let sent = 0; sent < payloadBytes; sent += CHUNK_BYTES) {
      const chunk = Buffer.alloc(CHUNK_BYTES, 0x62);
      fed.push(new WeakRef(chunk));
      decoder.write(chunk);
    }
    const grownBytes = await settledGrowth(before);
    const chunksAlive = fed.filter((ref) => ref.deref() !== undefined).length;
    assert.ok(grownBytes < 4 * MiB, `memory grew by ${grownBytes} bytes while ignoring ${payloadBytes}`);
    assert.ok(chunksAlive <= 1, `${chunksAlive} of ${fed.length} ignored chunks still referenced`);
    decoder.write(Buffer.from("\r\nPING\r\n"));
    assert.deepEqual(events, [
      `Protocol error: invalid bulk length: ${payloadBytes} bytes exceeds the limit of ${DEFAULT_LIMITS.bulkBytesMax} bytes`,
    ]);
  });
});
