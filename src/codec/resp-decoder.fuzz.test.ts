// Property tests of the RESP decoder with fast-check: garbage and mutated frames never make
// write() throw and give the same callbacks however the input is split; encoded commands and
// replies decode back to what was encoded.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { DEFAULT_LIMITS } from "../shared/limits.js";
import { encodeCommand } from "./resp-encoder.js";
import { cutAt, replyEvents, requestEvents, TEST_LIMITS, type ReplyEvent, type RequestEvent } from "../../test/support/resp.js";

const RUNS = 300;

/** Pieces of RESP, so random inputs often look almost valid and reach deep into the parser. */
const TOKENS = [
  "*", "$", "\r\n", "\r", "\n", "0", "1", "2", "3", "-1", "17", " ", "\t", '"', "'", "\\", "\\x4", "x", "GET",
  "+OK", "-ERR", ":", "%", "~", "|", ">", "_", ",", "#t", "(", "!", "=", "txt:", "inf",
];

const garbage = fc.oneof(
  fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
  fc.array(fc.oneof(fc.constantFrom(...TOKENS), fc.string({ maxLength: 4 })), { maxLength: 60 })
    .map((parts) => Buffer.from(parts.join(""), "latin1")),
);

/** Cut points for an input of any length: taken modulo its length. */
const cuts = fc.array(fc.nat(), { maxLength: 12 });

const someArgs = fc.array(fc.uint8Array({ maxLength: 12 }).map((bytes) => Buffer.from(bytes)), { minLength: 1, maxLength: 6 });
const validPipeline = fc.array(someArgs, { minLength: 1, maxLength: 5 })
  .map((commands) => Buffer.concat(commands.map((args) => encodeCommand(args))));

type Mutation = { kind: "flip" | "insert" | "delete"; at: number; byte: number } | { kind: "truncate"; at: number };
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constantFrom("flip" as const, "insert" as const, "delete" as const), at: fc.nat(), byte: fc.nat({ max: 255 }) }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
);

function mutate(input: Buffer, mutations: readonly Mutation[]): Buffer {
  let bytes = [...input];
  for (const change of mutations) {
    const at = change.at % (bytes.length + 1);
    if (change.kind === "truncate") bytes = bytes.slice(0, at);
    else if (change.kind === "insert") bytes.splice(at, 0, change.byte);
    else if (change.kind === "delete") bytes.splice(at, 1);
    else if (at < bytes.length) bytes[at] = change.byte;
  }
  return Buffer.from(bytes);
}

function withCuts(input: Buffer, points: readonly number[]): Buffer[] {
  return cutAt(input, points.map((point) => point % (input.length + 1)));
}

/** At most one protocol error, and nothing after it. */
function assertEndsAtFatal(events: ReadonlyArray<RequestEvent | ReplyEvent>): void {
  const fatalAt = events.findIndex((event) => "protocolError" in event);
  assert.ok(fatalAt === -1 || fatalAt === events.length - 1, "a protocol error is the last callback");
}

/** Decodes whole and cut; both must agree and end at a fatal error if any. */
function checkRequests(input: Buffer, points: readonly number[]): void {
  const whole = requestEvents([input]);
  assertEndsAtFatal(whole);
  assert.deepEqual(requestEvents(withCuts(input, points)), whole);
}

function checkReplies(input: Buffer, points: readonly number[]): void {
  const whole = replyEvents([input], { arrayLengthMax: 8, bulkBytesMax: 16, nestingDepthMax: 4 });
  assertEndsAtFatal(whole);
  assert.deepEqual(replyEvents(withCuts(input, points), { arrayLengthMax: 8, bulkBytesMax: 16, nestingDepthMax: 4 }), whole);
}

describe("RESP decoder fuzzing: bad input", () => {
  it("random bytes: requests never throw, and any split gives the same callbacks", () => {
    fc.assert(fc.property(garbage, cuts, checkRequests), { numRuns: RUNS * 3 });
  });

  it("random bytes: replies never throw, and any split gives the same callbacks", () => {
    fc.assert(fc.property(garbage, cuts, checkReplies), { numRuns: RUNS * 3 });
  });

  it("mutated valid commands: never throw, and any split gives the same callbacks", () => {
    fc.assert(fc.property(validPipeline, fc.array(mutation, { minLength: 1, maxLength: 3 }), cuts, (input, changes, points) => {
      const mutated = mutate(input, changes);
      checkRequests(mutated, points);
      checkReplies(mutated, points); // a command is also a valid reply: an array of bulk strings
    }), { numRuns: RUNS * 3 });
  });
});

describe("RESP decoder fuzzing: round trips", () => {
  it("encodeCommand then decode gives back every command, however the stream is split", () => {
    fc.assert(fc.property(fc.array(someArgs, { maxLength: 8 }), cuts, (commands, points) => {
      const input = Buffer.concat(commands.map((args) => encodeCommand(args)));
      const expected = commands.map((args) => ({ command: args.map((arg) => arg.toString("latin1")) }));
      assert.deepEqual(requestEvents(withCuts(input, points), DEFAULT_LIMITS), expected);
    }), { numRuns: RUNS });
  });

  it("inline commands with every byte quoted decode to their arguments", () => {
    const inlineArgs = fc.array(fc.uint8Array({ maxLength: 10 }).map((bytes) => Buffer.from(bytes)), { minLength: 1, maxLength: 5 });
    fc.assert(fc.property(inlineArgs, fc.boolean(), cuts, (args, crlf, points) => {
      const quoted = args.map((arg) => `"${[...arg].map((byte) => `\\x${byte.toString(16).padStart(2, "0")}`).join("")}"`);
      const input = Buffer.from(`${quoted.join(" ")}${crlf ? "\r\n" : "\n"}`);
      const expected = [{ command: args.map((arg) => arg.toString("latin1")) }];
      assert.deepEqual(requestEvents(withCuts(input, points), DEFAULT_LIMITS), expected);
    }), { numRuns: RUNS });
  });

  it("a request over a size limit ends the stream at the length line that crosses it (small limits, random pipelines)", () => {
    // Arguments of up to 24 bytes against a 16-byte bulk limit and a 40-byte request limit.
    const bigArgs = fc.array(fc.uint8Array({ maxLength: 24 }).map((bytes) => Buffer.from(bytes)), { minLength: 1, maxLength: 6 });
    fc.assert(fc.property(fc.array(bigArgs, { maxLength: 6 }), cuts, (commands, points) => {
      const input = Buffer.concat(commands.map((args) => encodeCommand(args)));
      assert.deepEqual(requestEvents(withCuts(input, points), TEST_LIMITS), expectedRequestEvents(commands));
    }), { numRuns: RUNS });
  });
});

/** What TEST_LIMITS make of a pipeline (a model of the size rules, written independently). */
function expectedRequestEvents(commands: ReadonlyArray<readonly Buffer[]>): RequestEvent[] {
  const events: RequestEvent[] = [];
  for (const args of commands) {
    if (args.length > TEST_LIMITS.arrayLengthMax) throw new Error("generator made too many arguments");
    let total = 0;
    for (const arg of args) {
      total += arg.length;
      const fatal = (detail: string) => [...events, { protocolError: `ERR Protocol error: invalid bulk length: ${detail}` }];
      if (arg.length > TEST_LIMITS.bulkBytesMax) return fatal(`${arg.length} bytes exceeds the limit of ${TEST_LIMITS.bulkBytesMax} bytes`);
      if (total > TEST_LIMITS.requestBytesMax) {
        return fatal(`the request's bulk strings add up to at least ${total} bytes, the limit is ${TEST_LIMITS.requestBytesMax} bytes`);
      }
    }
    events.push({ command: args.map((arg) => arg.toString("latin1")) });
  }
  return events;
}
