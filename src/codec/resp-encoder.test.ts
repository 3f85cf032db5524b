// The RESP encoder: exact bytes of every reply type in RESP2 and RESP3, batching into one
// buffer, and commands.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { encodeCommand, ReplyWriter } from "./resp-encoder.js";

interface Case {
  name: string;
  write: (writer: ReplyWriter) => unknown;
  resp2: string;
  resp3: string;
}

const CASES: Case[] = [
  { name: "simple string", write: (w) => w.simple("PONG"), resp2: "+PONG\r\n", resp3: "+PONG\r\n" },
  { name: "OK (precomputed)", write: (w) => w.simple("OK"), resp2: "+OK\r\n", resp3: "+OK\r\n" },
  { name: "simple string with CR LF made one line", write: (w) => w.simple("a\r\nb"), resp2: "+a  b\r\n", resp3: "+a  b\r\n" },
  { name: "error", write: (w) => w.error("ERR unknown command 'x'"), resp2: "-ERR unknown command 'x'\r\n", resp3: "-ERR unknown command 'x'\r\n" },
  { name: "error with LF made one line", write: (w) => w.error("ERR a\nb"), resp2: "-ERR a b\r\n", resp3: "-ERR a b\r\n" },
  { name: "integer 0", write: (w) => w.integer(0), resp2: ":0\r\n", resp3: ":0\r\n" },
  { name: "integer 1", write: (w) => w.integer(1), resp2: ":1\r\n", resp3: ":1\r\n" },
  { name: "negative integer", write: (w) => w.integer(-17), resp2: ":-17\r\n", resp3: ":-17\r\n" },
  { name: "bigint integer", write: (w) => w.integer(2n ** 63n - 1n), resp2: ":9223372036854775807\r\n", resp3: ":9223372036854775807\r\n" },
  { name: "bulk from a Buffer", write: (w) => w.bulk(Buffer.from("a\r\nb")), resp2: "$4\r\na\r\nb\r\n", resp3: "$4\r\na\r\nb\r\n" },
  { name: "bulk from a string counts UTF-8 bytes", write: (w) => w.bulk("hé"), resp2: "$3\r\nh\xc3\xa9\r\n", resp3: "$3\r\nh\xc3\xa9\r\n" },
  { name: "empty bulk", write: (w) => w.bulk(""), resp2: "$0\r\n\r\n", resp3: "$0\r\n\r\n" },
  { name: "null bulk", write: (w) => w.bulk(null), resp2: "$-1\r\n", resp3: "_\r\n" },
  { name: "null", write: (w) => w.null(), resp2: "$-1\r\n", resp3: "_\r\n" },
  { name: "null array", write: (w) => w.nullArray(), resp2: "*-1\r\n", resp3: "_\r\n" },
  { name: "empty array", write: (w) => w.arrayHeader(0), resp2: "*0\r\n", resp3: "*0\r\n" },
  {
    name: "array of bulks with a null",
    write: (w) => w.bulkArray(["a", null, Buffer.from("bc")]),
    resp2: "*3\r\n$1\r\na\r\n$-1\r\n$2\r\nbc\r\n",
    resp3: "*3\r\n$1\r\na\r\n_\r\n$2\r\nbc\r\n",
  },
  {
    name: "map",
    write: (w) => w.mapHeader(2).bulk("a").integer(1).bulk("b").integer(2),
    resp2: "*4\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n:2\r\n",
    resp3: "%2\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n:2\r\n",
  },
  { name: "set", write: (w) => w.setHeader(1).bulk("x"), resp2: "*1\r\n$1\r\nx\r\n", resp3: "~1\r\n$1\r\nx\r\n" },
  { name: "double", write: (w) => w.double(1.5), resp2: "$3\r\n1.5\r\n", resp3: ",1.5\r\n" },
  { name: "double inf", write: (w) => w.double(-Infinity), resp2: "$4\r\n-inf\r\n", resp3: ",-inf\r\n" },
  { name: "double nan", write: (w) => w.double(NaN), resp2: "$3\r\nnan\r\n", resp3: ",nan\r\n" },
  { name: "boolean true", write: (w) => w.boolean(true), resp2: ":1\r\n", resp3: "#t\r\n" },
  { name: "boolean false", write: (w) => w.boolean(false), resp2: ":0\r\n", resp3: "#f\r\n" },
];

describe("ReplyWriter: reply types", () => {
  for (const testCase of CASES) {
    it(testCase.name, () => {
      for (const protocol of [2, 3] as const) {
        const writer = new ReplyWriter(protocol);
        testCase.write(writer);
        const expected = protocol === 2 ? testCase.resp2 : testCase.resp3;
        assert.equal(writer.take().toString("latin1"), expected, `RESP${protocol}`);
      }
    });
  }

  it("refuses a non-integer integer reply (a bug in the caller)", () => {
    assert.throws(() => new ReplyWriter().integer(1.5), /must be an integer, got 1.5/);
  });
});

describe("ReplyWriter: batches", () => {
  it("hands a pipelined batch out as one buffer and starts empty again", () => {
    const writer = new ReplyWriter(2);
    writer.simple("OK").integer(7).bulk("v");
    assert.equal(writer.byteLength, 5 + 4 + 7);
    assert.equal(writer.take().toString(), "+OK\r\n:7\r\n$1\r\nv\r\n");
    assert.equal(writer.byteLength, 0);
    assert.equal(writer.take().length, 0);
  });

  it("switches protocol between replies (HELLO)", () => {
    const writer = new ReplyWriter(2);
    writer.null();
    writer.protocol = 3;
    writer.null();
    assert.equal(writer.take().toString(), "$-1\r\n_\r\n");
  });

  it("never changes a batch already taken, whatever is written after it", () => {
    const writer = new ReplyWriter(2);
    const taken: Array<{ buffer: Buffer; text: string }> = [];
    for (let i = 0; i < 3000; i++) {
      // Sizes that cross the slab's end and force it to grow: small, then a 100 KiB bulk.
      writer.bulk(i % 500 === 499 ? "x".repeat(100 * 1024) : `value-${i}`);
      if (i % 7 === 0) {
        const buffer = writer.take();
        taken.push({ buffer, text: buffer.toString("latin1") });
      }
    }
    for (const { buffer, text } of taken) assert.equal(buffer.toString("latin1"), text);
  });

  it("keeps all replies of a batch larger than a slab", () => {
    const writer = new ReplyWriter(2);
    const value = Buffer.alloc(200 * 1024, 0x61);
    writer.simple("first").bulk(value).simple("last");
    const batch = writer.take();
    assert.equal(batch.length, "+first\r\n".length + "$204800\r\n".length + 200 * 1024 + 2 + "+last\r\n".length);
    assert.equal(batch.subarray(0, 8).toString(), "+first\r\n");
    assert.equal(batch.subarray(batch.length - 7).toString(), "+last\r\n");
  });
});

describe("length headers", () => {
  it("writes every length's digits, at each power of ten and around it", () => {
    const lengths = [1, 9, 10, 11, 99, 100, 101, 999, 1000, 65_535, 100_000, 1_048_576];
    for (const length of lengths) {
      const writer = new ReplyWriter(2);
      writer.arrayHeader(length).bulk(new Uint8Array(length).fill(0x62));
      const text = writer.take().toString("latin1");
      assert.equal(text, `*${length}\r\n$${length}\r\n${"b".repeat(length)}\r\n`, `length ${length}`);
    }
  });

  it("takes a plain Uint8Array view (not a Buffer) as a bulk string, copying only its window", () => {
    const backing = Uint8Array.from([0x78, 0x61, 0x62, 0x63, 0x78]);
    const writer = new ReplyWriter(2);
    writer.bulk(backing.subarray(1, 4));
    backing[2] = 0x5a; // written after the reply was appended: the reply keeps its own copy
    assert.equal(writer.take().toString("latin1"), "$3\r\nabc\r\n");
  });
});

describe("encodeCommand", () => {
  it("encodes strings (UTF-8) and buffers as a RESP array of bulk strings", () => {
    assert.equal(
      encodeCommand(["SET", "clé", Buffer.from([0, 13, 10])]).toString("latin1"),
      "*3\r\n$3\r\nSET\r\n$4\r\ncl\xc3\xa9\r\n$3\r\n\0\r\n\r\n",
    );
  });

  it("encodes an empty argument and an empty command", () => {
    assert.equal(encodeCommand(["ECHO", ""]).toString(), "*2\r\n$4\r\nECHO\r\n$0\r\n\r\n");
    assert.equal(encodeCommand([]).toString(), "*0\r\n");
  });
});
