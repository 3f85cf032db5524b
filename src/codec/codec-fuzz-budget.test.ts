// Fuzzing on a bounded budget, as CI runs it: for a few seconds each, random and mutated input
// through the RESP request decoder and through the cluster link's frame decoder and message
// checks, with the process's RSS checked after. Nothing may throw but the codec's own errors
// (a protocol error, a FrameError), no decoder may keep what it was fed, and memory stays flat.
// Each run prints its seed; RINGKV_FUZZ_SEED=<seed> replays one, RINGKV_FUZZ_MS=<ms> runs longer.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Packr } from "msgpackr";
import { DEFAULT_LIMITS } from "../shared/limits.js";
import { Prng } from "../sim/prng.js";
import { encodeFrame, FrameDecoder, FrameError } from "./frame-codec.js";
import { coordinatorMessageProblem, nodeMessageProblem } from "./link-messages.js";
import { RespDecoder } from "./resp-decoder.js";
import { encodeCommand } from "./resp-encoder.js";
import { settledMemory } from "../../test/support/memory.js";

const BUDGET_MS = Number(process.env.RINGKV_FUZZ_MS ?? 3_000);
/** RSS growth allowed over a run: a decoder that kept its input would grow by hundreds of MiB. */
const RSS_GROWTH_MAX_BYTES = 64 * 1024 * 1024;
const packr = new Packr({ useRecords: false, moreTypes: false });

function seedFor(name: string): number {
  const seed = Number(process.env.RINGKV_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
  console.log(`${name}: seed ${seed} (replay with RINGKV_FUZZ_SEED=${seed})`);
  return seed;
}

function bytes(prng: Prng, lengthMax: number): Buffer {
  const out = Buffer.allocUnsafe(prng.int(0, lengthMax));
  for (let i = 0; i < out.length; i++) out[i] = prng.int(0, 255);
  return out;
}

/** Flips, inserts or drops a few bytes, or cuts the input short. */
function mutate(prng: Prng, input: Buffer): Buffer {
  let out = Buffer.from(input);
  for (let n = prng.int(1, 4); n > 0; n--) {
    const at = prng.int(0, out.length);
    const kind = prng.int(0, 3);
    if (kind === 0 && at < out.length) out[at] = prng.int(0, 255);
    else if (kind === 1) out = Buffer.concat([out.subarray(0, at), Buffer.from([prng.int(0, 255)]), out.subarray(at)]);
    else if (kind === 2) out = Buffer.concat([out.subarray(0, at), out.subarray(at + 1)]);
    else out = out.subarray(0, at);
  }
  return out;
}

/** Feeds `input` cut into a few random pieces. */
function feedInPieces(prng: Prng, input: Buffer, write: (chunk: Buffer) => void): void {
  let at = 0;
  while (at < input.length) {
    const end = Math.min(input.length, at + prng.int(1, Math.max(1, input.length)));
    write(input.subarray(at, end));
    at = end;
  }
}

/** Runs `round` until the budget is spent; returns how many rounds ran and the RSS growth. */
async function withinBudget(round: () => void): Promise<{ rounds: number; rssGrowthBytes: number }> {
  const before = (await settledMemory()).rss;
  const deadline = performance.now() + BUDGET_MS;
  let rounds = 0;
  while (performance.now() < deadline) {
    for (let i = 0; i < 100; i++) round();
    rounds += 100;
  }
  return { rounds, rssGrowthBytes: (await settledMemory()).rss - before };
}

describe("fuzzing on a bounded budget, RSS checked", () => {
  it("RESP requests: random and mutated pipelines never throw, and the decoder keeps nothing", async () => {
    const prng = new Prng(seedFor("RESP"));
    const protocolErrors = { count: 0 };
    let decoder = newRequestDecoder(protocolErrors);
    const { rounds, rssGrowthBytes } = await withinBudget(() => {
      const commands = Array.from({ length: prng.int(1, 5) }, () =>
        encodeCommand(Array.from({ length: prng.int(1, 6) }, () => bytes(prng, prng.chance(0.002) ? 70_000 : 40))));
      const valid = Buffer.concat(commands);
      const input = prng.chance(0.3) ? bytes(prng, 300) : prng.chance(0.5) ? mutate(prng, valid) : valid;
      const errorsBefore = protocolErrors.count;
      feedInPieces(prng, input, (chunk) => decoder.write(chunk));
      if (protocolErrors.count > errorsBefore) decoder = newRequestDecoder(protocolErrors); // a new connection
    });
    console.log(`RESP: ${rounds} inputs, ${protocolErrors.count} protocol errors, RSS ${Math.round(rssGrowthBytes / 2 ** 20)} MiB more`);
    assert.ok(rounds > 1000, `only ${rounds} inputs in the budget`);
    assert.ok(rssGrowthBytes < RSS_GROWTH_MAX_BYTES, `RSS grew by ${rssGrowthBytes} bytes`);
  });

  it("cluster-link frames: random and mutated frames throw only FrameError; checked messages never throw", async () => {
    const prng = new Prng(seedFor("frames"));
    const counts = { messages: 0, frameErrors: 0, refused: 0 };
    const onMessage = (message: unknown) => {
      counts.messages++;
      // The checks judge anything msgpack can make: they answer, they never throw.
      if (coordinatorMessageProblem(message, DEFAULT_LIMITS) !== undefined && nodeMessageProblem(message, DEFAULT_LIMITS) !== undefined) counts.refused++;
    };
    let decoder = new FrameDecoder(64 * 1024, onMessage);
    const { rounds, rssGrowthBytes } = await withinBudget(() => {
      const valid = encodeFrame(randomMessage(prng));
      const input = prng.chance(0.2) ? bytes(prng, 200) : prng.chance(0.6) ? mutate(prng, valid) : valid;
      try {
        feedInPieces(prng, input, (chunk) => decoder.write(chunk));
      } catch (error) {
        assert.ok(error instanceof FrameError, `only FrameError may come out, got ${String(error)}`);
        counts.frameErrors++;
        decoder = new FrameDecoder(64 * 1024, onMessage); // the link is closed; the next one starts afresh
      }
      if (prng.chance(0.05)) decoder = new FrameDecoder(64 * 1024, onMessage);
    });
    console.log(`frames: ${rounds} inputs, ${counts.messages} messages (${counts.refused} refused), ${counts.frameErrors} frame errors, `
      + `RSS ${Math.round(rssGrowthBytes / 2 ** 20)} MiB more`);
    assert.ok(rounds > 1000 && counts.messages > 0 && counts.frameErrors > 0);
    assert.ok(rssGrowthBytes < RSS_GROWTH_MAX_BYTES, `RSS grew by ${rssGrowthBytes} bytes`);
  });
});

function newRequestDecoder(protocolErrors: { count: number }): RespDecoder {
  return new RespDecoder({
    mode: "request",
    limits: DEFAULT_LIMITS,
    onCommand: () => undefined,
    onProtocolError: () => protocolErrors.count++,
    isAuthenticated: () => true,
  });
}

const TYPES = ["prepare", "commit", "abort", "read", "count", "ping", "vote", "ack", "readReply", "apply", "scan", "catchUp", "scanChunk", "facts", "hello", "x"];

/** A message of the link's vocabulary, with fields right, wrong or missing at random. */
function randomMessage(prng: Prng): unknown {
  const value = (): unknown => {
    switch (prng.int(0, 7)) {
      case 0: return bytes(prng, 20);
      case 1: return null;
      case 2: return prng.int(-5, 1_000_000);
      case 3: return `${prng.int(0, 9)}.${prng.int(0, 99)}`;
      case 4: return prng.chance(0.5);
      case 5: return Array.from({ length: prng.int(0, 4) }, () => ({ key: bytes(prng, 8), value: prng.chance(0.5) ? bytes(prng, 16) : null }));
      case 6: return { exists: prng.chance(0.5) };
      default: return Array.from({ length: prng.int(0, 3) }, () => bytes(prng, 4));
    }
  };
  const message: Record<string, unknown> = { type: TYPES[prng.int(0, TYPES.length - 1)] };
  for (const field of ["txid", "writes", "wantValues", "readId", "keys", "values", "yes", "previous", "entries", "tick", "next"]) {
    if (prng.chance(0.4)) message[field] = value();
  }
  return prng.chance(0.05) ? packr.unpack(packr.pack([message])) : message;
}
