// Request mode of the RESP decoder, table-driven: every case is fed whole, byte by byte, in
// pieces of 2, 3 and 7 bytes and cut at random points, and must call back the same way each time.
// TEST_LIMITS: bulk 16 bytes, 8 elements, inline line 32 bytes, request 40 bytes.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULT_LIMITS, type Limits } from "../shared/limits.js";
import { RespDecoder } from "./resp-decoder.js";
import { requestEvents, splits, TEST_LIMITS, type RequestEvent } from "../../test/support/resp.js";

interface Case {
  name: string;
  input: string; // latin1, so every byte value can be written
  events: RequestEvent[];
  limits?: Limits;
}

const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i)).toString("latin1");

const cmd = (...args: string[]): RequestEvent => ({ command: args });
const fatal = (detail: string): RequestEvent => ({ protocolError: `ERR Protocol error: ${detail}` });

const VALID: Case[] = [
  { name: "one multibulk command", input: "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n", events: [cmd("GET", "k")] },
  {
    name: "a pipeline of three",
    input: "*1\r\n$4\r\nPING\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n",
    events: [cmd("PING"), cmd("SET", "k", "v"), cmd("GET", "k")],
  },
  { name: "an empty bulk string", input: "*2\r\n$4\r\nECHO\r\n$0\r\n\r\n", events: [cmd("ECHO", "")] },
  { name: "a bulk string holding CR LF and NUL", input: "*1\r\n$5\r\na\r\n\0b\r\n", events: [cmd("a\r\n\0b")] },
  {
    name: "all 256 byte values survive",
    input: `*1\r\n$256\r\n${ALL_BYTES}\r\n`,
    events: [cmd(ALL_BYTES)],
    limits: DEFAULT_LIMITS,
  },
  { name: "an empty multibulk is ignored, as Redis does", input: "*0\r\n*1\r\n$4\r\nPING\r\n", events: [cmd("PING")] },
  { name: "a negative multibulk is ignored, as Redis does", input: "*-1\r\n*-10\r\nPING\r\n", events: [cmd("PING")] },
  { name: "a bulk string at the limit", input: `*1\r\n$16\r\n${"x".repeat(16)}\r\n`, events: [cmd("x".repeat(16))] },
  { name: "an array at the limit", input: `*8\r\n${"$1\r\na\r\n".repeat(8)}`, events: [cmd(..."aaaaaaaa")] },
  { name: "inline with CR LF", input: "PING\r\n", events: [cmd("PING")] },
  { name: "inline with LF only", input: "GET k\n", events: [cmd("GET", "k")] },
  { name: "inline with runs of spaces and tabs", input: "  SET \t k\tv  \r\n", events: [cmd("SET", "k", "v")] },
  { name: "inline double quotes and escapes", input: 'SET "a\\x41\\n\\"b\\\\" x\r\n', events: [cmd("SET", 'aA\n"b\\', "x")] },
  { name: "inline \\x without two hex digits is a plain x", input: 'ECHO "\\xZZ\\x4"\r\n', events: [cmd("ECHO", "xZZx4")] },
  { name: "inline escapes \\r \\t \\b \\a", input: 'ECHO "\\r\\t\\b\\a\\q"\n', events: [cmd("ECHO", "\r\t\b\x07q")] },
  { name: "inline single quotes", input: "SET 'c\\'d' 'e f'\r\n", events: [cmd("SET", "c'd", "e f")] },
  { name: "inline quotes inside a word", input: 'ECHO a"b c"\r\n', events: [cmd("ECHO", "ab c")] },
  { name: "inline empty quoted argument", input: 'ECHO ""\r\n', events: [cmd("ECHO", "")] },
  { name: "inline empty lines are ignored", input: "\r\n\n  \r\n\t\nPING\r\n", events: [cmd("PING")] },
  { name: "inline line at the limit", input: `${"x".repeat(32)}\r\n`, events: [cmd("x".repeat(32))] },
  { name: "a line starting with $ is inline (Redis's rule)", input: "$3\r\n", events: [cmd("$3")] },
  {
    name: "inline and multibulk mixed",
    input: "PING\r\n*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\nECHO there\n",
    events: [cmd("PING"), cmd("ECHO", "hi"), cmd("ECHO", "there")],
  },
  { name: "an incomplete command waits", input: "*2\r\n$3\r\nGET\r\n$1\r\n", events: [] },
  { name: "an incomplete inline line waits", input: "PING", events: [] },
  { name: "an inline line of 32 bytes and a CR waits for its LF", input: `${"x".repeat(32)}\r`, events: [] },
  { name: "a length line of 32 bytes waits for its newline", input: `*1\r\n$${"1".repeat(31)}`, events: [] },
];

const FATAL: Case[] = [
  { name: "non-numeric multibulk length", input: "*abc\r\n", events: [fatal("invalid multibulk length: 'abc'")] },
  { name: "multibulk length -0", input: "*-0\r\n", events: [fatal("invalid multibulk length: '-0'")] },
  { name: "multibulk length with a leading zero", input: "*01\r\n", events: [fatal("invalid multibulk length: '01'")] },
  { name: "multibulk length with a plus sign", input: "*+1\r\n", events: [fatal("invalid multibulk length: '+1'")] },
  {
    name: "multibulk length over the limit",
    input: "*9\r\n",
    events: [fatal("invalid multibulk length: 9 exceeds the limit of 8 elements")],
  },
  { name: "multibulk length ended by LF alone", input: "*1\n", events: [fatal("invalid multibulk length: '1' ended by '\\n' without '\\r'")] },
  { name: "element that is not a bulk string", input: "*1\r\n:1\r\n", events: [fatal("expected '$', got ':'")] },
  { name: "element is a control byte", input: "*1\r\n\r\n", events: [fatal("expected '$', got '\\r'")] },
  { name: "non-numeric bulk length", input: "*1\r\n$abc\r\n", events: [fatal("invalid bulk length: 'abc'")] },
  { name: "negative bulk length", input: "*1\r\n$-1\r\n", events: [fatal("invalid bulk length: '-1'")] },
  { name: "bulk length with a leading zero", input: "*1\r\n$01\r\na\r\n", events: [fatal("invalid bulk length: '01'")] },
  { name: "empty bulk length", input: "*1\r\n$\r\n", events: [fatal("invalid bulk length: ''")] },
  {
    name: "bulk length line that never ends",
    input: `*1\r\n$${"1".repeat(40)}`,
    events: [fatal("invalid bulk length: more than 32 bytes without a newline")],
  },
  {
    name: "bulk string not followed by CR LF",
    input: "*1\r\n$3\r\nabcXY",
    events: [fatal("expected '\\r\\n' after a bulk string, got 'X'")],
  },
  {
    name: "bulk string followed by CR and no LF",
    input: "*1\r\n$3\r\nabc\rY",
    events: [fatal("expected '\\r\\n' after a bulk string, got 'Y'")],
  },
  {
    name: "inline line over the limit without a newline",
    input: "x".repeat(40),
    events: [fatal("too big inline request: more than 32 bytes")],
  },
  {
    name: "inline line of 34 bytes without a newline (the first length that cannot end well)",
    input: "x".repeat(34),
    events: [fatal("too big inline request: more than 32 bytes")],
  },
  {
    name: "length line of 33 bytes without a newline",
    input: `*1\r\n$${"1".repeat(32)}`,
    events: [fatal("invalid bulk length: more than 32 bytes without a newline")],
  },
  {
    name: "inline line over the limit with a newline",
    input: `${"x".repeat(33)}\r\n`,
    events: [fatal("too big inline request: more than 32 bytes")],
  },
  { name: "unterminated double quote", input: 'GET "abc\r\n', events: [fatal("unbalanced quotes in request")] },
  { name: "unterminated single quote", input: "GET 'abc\r\n", events: [fatal("unbalanced quotes in request")] },
  { name: "closing quote followed by a letter", input: 'GET "a"b\r\n', events: [fatal("unbalanced quotes in request")] },
  {
    name: "commands before the error are delivered, input after it is ignored",
    input: "PING\r\n*1\r\nx*1\r\n$4\r\nPING\r\nPING\r\n",
    events: [cmd("PING"), fatal("expected '$', got 'x'")],
  },
];

/** Sizes are checked on each length line: the body of a refused bulk string is never awaited. */
const OVERSIZED: Case[] = [
  {
    name: "a bulk string over the limit is refused at its length line",
    input: "*2\r\n$3\r\nSET\r\n$17\r\n",
    events: [fatal("invalid bulk length: 17 bytes exceeds the limit of 16 bytes")],
  },
  {
    name: "an absurd bulk length is refused at once",
    input: "*2\r\n$3\r\nGET\r\n$2000000000\r\n",
    events: [fatal("invalid bulk length: 2000000000 bytes exceeds the limit of 16 bytes")],
  },
  {
    name: "a request whose bulk strings add up past the limit is refused at the length line that crosses it",
    input: `*4\r\n$3\r\nSET\r\n$15\r\n${"a".repeat(15)}\r\n$15\r\n${"b".repeat(15)}\r\n$15\r\n`,
    events: [fatal("invalid bulk length: the request's bulk strings add up to at least 48 bytes, the limit is 40 bytes")],
  },
  {
    name: "commands before an oversized one are delivered",
    input: "*1\r\n$1\r\na\r\n*1\r\n$17\r\n",
    events: [cmd("a"), fatal("invalid bulk length: 17 bytes exceeds the limit of 16 bytes")],
  },
];

/** TEST_LIMITS before AUTH: 3 elements, bulk strings of 4 bytes. */
const UNAUTHENTICATED: Case[] = [
  {
    name: "a request of the unauthenticated sizes is read",
    input: "*3\r\n$4\r\nAUTH\r\n$4\r\nuser\r\n$4\r\npass\r\n",
    events: [cmd("AUTH", "user", "pass")],
  },
  {
    name: "more elements than allowed before AUTH",
    input: "*4\r\n",
    events: [fatal("unauthenticated multibulk length: 4 elements; until AUTH a request may have at most 3")],
  },
  {
    name: "a longer bulk string than allowed before AUTH",
    input: "*1\r\n$5\r\n",
    events: [fatal("unauthenticated bulk length: 5 bytes; until AUTH a bulk string may have at most 4")],
  },
];

function runCases(cases: Case[], authenticated = true): void {
  for (const testCase of cases) {
    it(testCase.name, () => {
      for (const split of splits(Buffer.from(testCase.input, "latin1"))) {
        assert.deepEqual(requestEvents(split.chunks, testCase.limits, authenticated), testCase.events, `fed ${split.name}`);
      }
    });
  }
}

describe("RESP request decoder: valid input", () => runCases(VALID));
describe("RESP request decoder: requests refused for their size", () => runCases(OVERSIZED));
describe("RESP request decoder: before AUTH", () => runCases(UNAUTHENTICATED, false));
describe("RESP request decoder: fatal protocol errors", () => runCases(FATAL));

describe("RESP request decoder: arguments", () => {
  it("are views of the chunk when the command fits in it (no copy)", () => {
    const chunk = Buffer.from("*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n");
    const decoded: Buffer[][] = [];
    const decoder = new RespDecoder({
      mode: "request", limits: TEST_LIMITS, onCommand: (args) => decoded.push(args),
      onProtocolError: assert.fail,
    });
    decoder.write(chunk);
    const key = decoded[0]?.[1];
    assert.equal(key?.buffer, chunk.buffer, "the argument shares the chunk's memory");
    chunk.write("KEY", 17, "latin1");
    assert.equal(key?.toString(), "KEY", "a view sees a later write to the chunk");
  });
});
