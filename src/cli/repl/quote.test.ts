import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { quoteBytes } from "./quote.js";

describe("quoteBytes", () => {
  const cases: Array<[Buffer, string]> = [
    [Buffer.from("hello"), '"hello"'],
    [Buffer.from(""), '""'],
    [Buffer.from('say "hi"\\'), '"say \\"hi\\"\\\\"'],
    [Buffer.from("a\nb\r\t\x07\x08"), '"a\\nb\\r\\t\\a\\b"'],
    [Buffer.from([0x00, 0x7f, 0xff]), '"\\x00\\x7f\\xff"'],
    [Buffer.from("héllo 🌍"), '"héllo 🌍"'],
    // A lone continuation byte, an overlong "/" and a UTF-8-encoded surrogate are not text.
    [Buffer.from([0x80, 0xc0, 0xaf, 0xed, 0xa0, 0x80]), '"\\x80\\xc0\\xaf\\xed\\xa0\\x80"'],
    // A truncated multi-byte character at the end.
    [Buffer.from([0x61, 0xe2, 0x82]), '"a\\xe2\\x82"'],
    // U+0085 (NEL) is a control character: shown as bytes.
    [Buffer.from("\u0085"), '"\\xc2\\x85"'],
  ];
  for (const [bytes, expected] of cases) {
    it(`shows ${bytes.toString("hex") || "(empty)"} as ${expected}`, () => assert.equal(quoteBytes(bytes), expected));
  }
});
