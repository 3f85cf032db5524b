// Measures the RESP decoder: commands/s for a pipelined SET/GET stream cut into 64 KiB chunks.
// The same bytes are also a valid reply stream (arrays of bulk strings), so the peer in the same
// run is node-redis's decoder on them, and our reply mode too. Rounds of the three alternate, to
// spread the noise of a shared machine evenly; medians and ratios are printed.
//   npx tsc -p . && node dist/test/measure/resp-decoder.measure.js
import { performance } from "node:perf_hooks";
import { DEFAULT_LIMITS } from "../../src/shared/limits.js";
import { RespDecoder } from "../../src/codec/resp-decoder.js";
import { encodeCommand } from "../../src/codec/resp-encoder.js";

const COMMANDS = 200_000;
const CHUNK_BYTES = 64 * 1024;
const ROUNDS = 15;
const VALUE = "v".repeat(16);

function chunked(stream: Buffer): Buffer[] {
  const chunks: Buffer[] = [];
  // Copies, as a socket would deliver them: separate buffers, not views of one.
  for (let pos = 0; pos < stream.length; pos += CHUNK_BYTES) chunks.push(Buffer.from(stream.subarray(pos, pos + CHUNK_BYTES)));
  return chunks;
}

function requestStream(): Buffer[] {
  const commands: Buffer[] = [];
  for (let i = 0; i < COMMANDS; i += 2) {
    commands.push(encodeCommand(["SET", `key:${i}`, VALUE]), encodeCommand(["GET", `key:${i}`]));
  }
  return chunked(Buffer.concat(commands));
}

/** Items per second over one pass of `chunks` through a fresh decoder made by `make`. */
function rate(chunks: Buffer[], make: (count: () => void) => { write(chunk: Buffer): void }): number {
  let items = 0;
  const decoder = make(() => { items += 1; });
  const started = performance.now();
  for (const chunk of chunks) decoder.write(chunk);
  const seconds = (performance.now() - started) / 1000;
  if (items !== COMMANDS) throw new Error(`decoded ${items} items, expected ${COMMANDS}`);
  return items / seconds;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

type Decoder = { write(chunk: Buffer): void };
type DecoderClass = new (options: object) => Decoder;

/** node-redis's decoder class, or null when its internal module path has moved. */
async function loadNodeRedisDecoder(): Promise<DecoderClass | null> {
  try {
    const module = await import("@redis/client/dist/lib/RESP/decoder.js" as string) as { Decoder: DecoderClass };
    return module.Decoder;
  } catch (error) {
    console.log(`node-redis decoder not available: ${String(error)}`);
    return null;
  }
}

type MakeDecoder = (count: () => void) => Decoder;

async function main(): Promise<void> {
  const chunks = requestStream();
  console.log(`${COMMANDS} pipelined SET/GET commands, ${chunks.length} chunks of ${CHUNK_BYTES} bytes`);
  const decoders = new Map<string, MakeDecoder>([
    ["ringkv request mode", (count) => new RespDecoder({
      mode: "request", limits: DEFAULT_LIMITS, onCommand: count, onProtocolError: count,
    })],
    ["ringkv reply mode", (count) => new RespDecoder({ mode: "reply", onReply: count, onProtocolError: count })],
  ]);
  const NodeRedisDecoder = await loadNodeRedisDecoder();
  if (NodeRedisDecoder !== null) {
    decoders.set("node-redis decoder (Buffer strings)", (count) => new NodeRedisDecoder({
      onReply: count, onErrorReply: count, onPush: () => undefined, getTypeMapping: () => ({ 36: Buffer }),
    }));
  }
  const rates = new Map([...decoders.keys()].map((name) => [name, [] as number[]]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, make] of decoders) rates.get(name)?.push(rate(chunks, make));
  }
  const ours = median(rates.get("ringkv request mode") ?? []);
  for (const [name, values] of rates) {
    const value = median(values);
    console.log(`${name.padEnd(38)} ${(value / 1e6).toFixed(2)} M commands/s  (request mode / this: ${(ours / value).toFixed(2)})`);
  }
}

await main();
