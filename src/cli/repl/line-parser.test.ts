import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { parseLine } from "./line-parser.js";
import { quoteBytes } from "./quote.js";

function words(line: string): string[] {
  const parsed = parseLine(line);
  assert.ok(parsed.ok, `"${line}" should parse, got: ${parsed.ok ? "" : parsed.error}`);
  return parsed.words.map((word) => word.toString("latin1"));
}

function errorOf(line: string): string {
  const parsed = parseLine(line);
  assert.ok(!parsed.ok, `"${line}" should be refused`);
  return parsed.error;
}

describe("parseLine: words", () => {
  const cases: Array<[string, string[]]> = [
    ["", []],
    ["   \t ", []],
    ["get k", ["get", "k"]],
    ["  put   k   v  ", ["put", "k", "v"]],
    ['put k "hello world"', ["put", "k", "hello world"]],
    ["put k 'hello world'", ["put", "k", "hello world"]],
    ['put k "a\\"b"', ["put", "k", 'a"b']],
    ['put k "tab\\there\\n"', ["put", "k", "tab\there\n"]],
    ['put k "\\x00\\xff\\x4A"', ["put", "k", "\x00\xffJ"]],
    ['put k "\\xZZ"', ["put", "k", "xZZ"]],
    ['put k "back\\\\slash"', ["put", "k", "back\\slash"]],
    ["put k 'it\\'s'", ["put", "k", "it's"]],
    ["put k 'raw\\n'", ["put", "k", "raw\\n"]],
    ["put k it's", ["put", "k", "it's"]],
    ['put k ""', ["put", "k", ""]],
    ["set k v NX", ["set", "k", "v", "NX"]],
  ];
  for (const [line, expected] of cases) {
    it(`splits ${JSON.stringify(line)}`, () => assert.deepEqual(words(line), expected));
  }

  it("keeps UTF-8 text inside quotes as UTF-8 bytes", () => {
    const parsed = parseLine('put k "héllo 🌍"');
    assert.ok(parsed.ok);
    assert.equal(parsed.words[2]!.toString("utf8"), "héllo 🌍");
  });

  const refused: Array<[string, RegExp]> = [
    ['put k "open', /unbalanced quotes: the " at column 7 is never closed/],
    ["put k 'open", /unbalanced quotes/],
    ['put k "a\\', /unbalanced quotes/],
    ['put k "a"b', /closing quote must be followed by a space \(column 10\)/],
  ];
  for (const [line, expected] of refused) {
    it(`refuses ${JSON.stringify(line)}`, () => assert.match(errorOf(line), expected));
  }
});

describe("parseLine: call form", () => {
  const cases: Array<[string, string[]]> = [
    ['get("k")', ["get", "k"]],
    ['put("k","v")', ["put", "k", "v"]],
    ["put( 'k' , 'hello world' )", ["put", "k", "hello world"]],
    ['delete("k");', ["delete", "k"]],
    ["ping()", ["ping"]],
    ["get(k)", ["get", "k"]],
    ['  mget("a", "b", c)  ', ["mget", "a", "b", "c"]],
    ['put("k", "a,b)")', ["put", "k", "a,b)"]],
  ];
  for (const [line, expected] of cases) {
    it(`reads ${JSON.stringify(line)}`, () => assert.deepEqual(words(line), expected));
  }

  const refused: Array<[string, RegExp]> = [
    ['get("k"', /expected "," or "\)" after argument 1 of get\(\.\.\.\), found the end of the line/],
    ['put("k" "v")', /expected "," or "\)" after argument 1/],
    ['get("k") extra', /unexpected text after get\(\.\.\.\) at column 10/],
    ['get("k",)', /expected a word at column 9/],
    ['get("k)', /unbalanced quotes/],
  ];
  for (const [line, expected] of refused) {
    it(`refuses ${JSON.stringify(line)}`, () => assert.match(errorOf(line), expected));
  }
});

describe("parseLine: properties", () => {
  it("never throws, whatever the line", () => {
    const alphabet = fc.constantFrom(..."ab \t\"'\\(),;x0fF\n🌍é".split(""), "\ud800");
    const line = fc.oneof(fc.string({ unit: "binary" }), fc.array(alphabet).map((chars) => chars.join("")));
    fc.assert(fc.property(line, (text) => {
      const parsed = parseLine(text);
      assert.ok(parsed.ok ? Array.isArray(parsed.words) : parsed.error.length > 0);
    }), { numRuns: 5000 });
  });

  it("reads back any words written with quoteBytes, in both forms", () => {
    const word = fc.uint8Array({ maxLength: 20 }).map((bytes) => Buffer.from(bytes));
    const text = fc.string({ unit: "grapheme", maxLength: 10 }).map((s) => Buffer.from(s));
    fc.assert(fc.property(fc.array(fc.oneof(word, text), { minLength: 1, maxLength: 6 }), (list) => {
      const quoted = list.map(quoteBytes);
      for (const line of [`cmd ${quoted.join(" ")}`, `cmd(${quoted.join(", ")})`]) {
        const parsed = parseLine(line);
        assert.ok(parsed.ok, `${line}: ${parsed.ok ? "" : parsed.error}`);
        assert.deepEqual(parsed.words.slice(1), list);
      }
    }), { numRuns: 1000 });
  });
});
