// Reply mode of the RESP decoder, table-driven: every RESP2 and RESP3 type, fed whole, byte by
// byte, in pieces of 2, 3 and 7 bytes and cut at random points, must decode the same each time.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RespReplyError, type ReplyLimits, type RespValue } from "./resp-decoder.js";
import { replyEvents, splits, type ReplyEvent } from "../../test/support/resp.js";

interface Case {
  name: string;
  input: string;
  events: ReplyEvent[];
}

const SMALL_LIMITS: ReplyLimits = { arrayLengthMax: 4, bulkBytesMax: 16, nestingDepthMax: 3 };

const reply = (value: RespValue): ReplyEvent => ({ reply: value });
const fatal = (detail: string): ReplyEvent => ({ protocolError: `ERR Protocol error: ${detail}` });
const bytes = (text: string): Buffer => Buffer.from(text);

const VALUES: Case[] = [
  { name: "simple string", input: "+OK\r\n", events: [reply("OK")] },
  { name: "empty simple string", input: "+\r\n", events: [reply("")] },
  { name: "simple string in UTF-8", input: "+h\xc3\xa9\r\n", events: [reply("hé")] },
  { name: "error", input: "-ERR unknown command 'x'\r\n", events: [reply(new RespReplyError("ERR unknown command 'x'"))] },
  { name: "integer zero", input: ":0\r\n", events: [reply(0)] },
  { name: "negative integer", input: ":-42\r\n", events: [reply(-42)] },
  { name: "largest safe integer", input: ":9007199254740991\r\n", events: [reply(9007199254740991)] },
  { name: "unsafe integer as bigint", input: ":9007199254740992\r\n", events: [reply(9007199254740992n)] },
  { name: "smallest 64-bit integer", input: ":-9223372036854775808\r\n", events: [reply(-9223372036854775808n)] },
  { name: "bulk string", input: "$3\r\nfoo\r\n", events: [reply(bytes("foo"))] },
  { name: "bulk string holding CR LF", input: "$4\r\na\r\nb\r\n", events: [reply(bytes("a\r\nb"))] },
  { name: "empty bulk string", input: "$0\r\n\r\n", events: [reply(bytes(""))] },
  { name: "null bulk string", input: "$-1\r\n", events: [reply(null)] },
  { name: "null array", input: "*-1\r\n", events: [reply(null)] },
  { name: "empty array", input: "*0\r\n", events: [reply([])] },
  {
    name: "nested arrays",
    input: "*3\r\n$1\r\na\r\n*2\r\n:1\r\n*0\r\n$-1\r\n",
    events: [reply([bytes("a"), [1, []], null])],
  },
  { name: "error inside an array", input: "*2\r\n-ERR x\r\n:1\r\n", events: [reply([new RespReplyError("ERR x"), 1])] },
  { name: "RESP3 null", input: "_\r\n", events: [reply(null)] },
  { name: "double", input: ",1.5\r\n", events: [reply(1.5)] },
  { name: "double with exponent", input: ",-2.5e-3\r\n", events: [reply(-0.0025)] },
  { name: "double integral", input: ",10\r\n", events: [reply(10)] },
  { name: "double inf", input: ",inf\r\n", events: [reply(Infinity)] },
  { name: "double -inf", input: ",-inf\r\n", events: [reply(-Infinity)] },
  { name: "double nan", input: ",nan\r\n", events: [reply(NaN)] },
  { name: "boolean true", input: "#t\r\n", events: [reply(true)] },
  { name: "boolean false", input: "#f\r\n", events: [reply(false)] },
  { name: "big number", input: "(3492890328409238509324850943850943825024385\r\n", events: [reply(3492890328409238509324850943850943825024385n)] },
  { name: "small big number is still a bigint", input: "(-1\r\n", events: [reply(-1n)] },
  { name: "blob error", input: "!21\r\nSYNTAX invalid syntax\r\n", events: [reply(new RespReplyError("SYNTAX invalid syntax"))] },
  { name: "verbatim string", input: "=15\r\ntxt:Some string\r\n", events: [reply(bytes("Some string"))] },
  {
    name: "map",
    input: "%2\r\n+first\r\n:1\r\n+second\r\n*1\r\n#t\r\n",
    events: [reply(new Map<RespValue, RespValue>([["first", 1], ["second", [true]]]))],
  },
  { name: "empty map", input: "%0\r\n", events: [reply(new Map())] },
  { name: "set", input: "~2\r\n+a\r\n+b\r\n", events: [reply(["a", "b"])] },
  { name: "push without a push handler is a reply", input: ">2\r\n+message\r\n:7\r\n", events: [reply(["message", 7])] },
  { name: "attribute before a reply is dropped", input: "|1\r\n+ttl\r\n:3600\r\n+value\r\n", events: [reply("value")] },
  {
    name: "attribute inside an array is dropped",
    input: "*2\r\n|1\r\n+key\r\n*1\r\n:9\r\n:1\r\n:2\r\n",
    events: [reply([1, 2])],
  },
  { name: "pipelined replies", input: "+OK\r\n:1\r\n$1\r\nx\r\n", events: [reply("OK"), reply(1), reply(bytes("x"))] },
  { name: "an incomplete reply waits", input: "*2\r\n:1\r\n$3\r\nab", events: [] },
];

const FATAL: Case[] = [
  { name: "unknown type byte", input: "?x\r\n", events: [fatal("unknown reply type '?'")] },
  { name: "unknown control byte", input: "\x01", events: [fatal("unknown reply type '\\x01'")] },
  { name: "non-numeric bulk length", input: "$abc\r\n", events: [fatal("invalid length: 'abc'")] },
  { name: "bulk length below -1", input: "$-2\r\n", events: [fatal("invalid length: '-2'")] },
  { name: "array length below -1", input: "*-2\r\n", events: [fatal("invalid length: '-2'")] },
  { name: "length line that never ends", input: `*${"9".repeat(40)}`, events: [fatal("invalid length: more than 32 bytes without a newline")] },
  { name: "non-numeric integer", input: ":12a\r\n", events: [fatal("invalid ':' reply '12a'")] },
  { name: "bad double", input: ",1.2.3\r\n", events: [fatal("invalid ',' reply '1.2.3'")] },
  { name: "bad boolean", input: "#x\r\n", events: [fatal("invalid '#' reply 'x'")] },
  { name: "null with text", input: "_x\r\n", events: [fatal("invalid '_' reply 'x'")] },
  { name: "line ended by LF alone", input: "+OK\n", events: [fatal("reply line not terminated by '\\r\\n'")] },
  { name: "bulk string not followed by CR LF", input: "$3\r\nfooXY", events: [fatal("expected '\\r\\n' after a bulk string, got 'X'")] },
  { name: "verbatim string without format", input: "=3\r\ntxt\r\n", events: [fatal("verbatim string without a format prefix: 'txt'")] },
  {
    name: "replies before the error are delivered, input after it is ignored",
    input: "+OK\r\n*2\r\n:1\r\n?+OK\r\n",
    events: [reply("OK"), fatal("unknown reply type '?'")],
  },
];

const OVER_LIMITS: Case[] = [
  { name: "bulk string over the limit", input: "$17\r\n", events: [fatal("bulk string of 17 bytes exceeds the limit of 16 bytes")] },
  { name: "array over the limit", input: "*5\r\n", events: [fatal("aggregate of 5 elements exceeds the limit of 4")] },
  { name: "map over the limit", input: "%5\r\n", events: [fatal("aggregate of 5 elements exceeds the limit of 4")] },
  { name: "nesting over the limit", input: "*1\r\n*1\r\n*1\r\n*1\r\n", events: [fatal("aggregates nested deeper than 3")] },
  { name: "nesting at the limit", input: "*1\r\n*1\r\n*1\r\n:1\r\n", events: [reply([[[1]]])] },
  { name: "simple string over the limit", input: `+${"x".repeat(17)}\r\n`, events: [fatal("reply line longer than 16 bytes")] },
];

function runCases(cases: Case[], limits?: ReplyLimits): void {
  for (const testCase of cases) {
    it(testCase.name, () => {
      for (const split of splits(Buffer.from(testCase.input, "latin1"))) {
        assert.deepEqual(replyEvents(split.chunks, limits), testCase.events, `fed ${split.name}`);
      }
    });
  }
}

describe("RESP reply decoder: values", () => runCases(VALUES));
describe("RESP reply decoder: fatal protocol errors", () => runCases(FATAL));
describe("RESP reply decoder: limits", () => runCases(OVER_LIMITS, SMALL_LIMITS));

describe("RESP reply decoder: pushes and errors", () => {
  it("hands top-level pushes to onPush, out of the reply order", () => {
    const input = Buffer.from(">2\r\n+invalidate\r\n*1\r\n$1\r\nk\r\n+OK\r\n*1\r\n>1\r\n:1\r\n");
    for (const split of splits(input)) {
      assert.deepEqual(replyEvents(split.chunks, undefined, true), [
        { push: ["invalidate", [bytes("k")]] },
        reply("OK"),
        reply([[1]]), // a push nested in a reply is part of the reply
      ], `fed ${split.name}`);
    }
  });

  it("gives an error reply its code and whole text", () => {
    const [event] = replyEvents([Buffer.from("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n")]);
    assert.ok(event !== undefined && "reply" in event && event.reply instanceof RespReplyError);
    assert.equal(event.reply.code, "WRONGTYPE");
    assert.equal(event.reply.message, "WRONGTYPE Operation against a key holding the wrong kind of value");
  });
});
