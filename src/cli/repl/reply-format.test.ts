import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { RespReplyError, type RespValue } from "../../codec/resp-decoder.js";
import { formatHuman, formatRaw, formatText } from "./reply-format.js";

const b = (text: string): Buffer => Buffer.from(text);

describe("formatReply", () => {
  const cases: Array<[string, RespValue, string, string]> = [
    ["a simple string", "OK", "OK", "OK"],
    ["nil", null, "(nil)", ""],
    ["a bulk string", b("hello world"), '"hello world"', "hello world"],
    ["a value with control bytes", Buffer.from([0x61, 0x0a, 0xff]), '"a\\n\\xff"', "a\n\xff"],
    ["an integer", 3, "(integer) 3", "3"],
    ["a big integer", 12345678901234567890n, "(integer) 12345678901234567890", "12345678901234567890"],
    ["a double", 1.5, "(double) 1.5", "1.5"],
    ["a boolean", true, "(true)", "true"],
    ["an error", new RespReplyError("ERR unknown command 'FOO'"), "(error) ERR unknown command 'FOO'", "(error) ERR unknown command 'FOO'"],
    ["an empty array", [], "(empty array)", ""],
    ["an array with a nil", [b("a"), null, b("c")], '1) "a"\n2) (nil)\n3) "c"', "a\n\nc"],
    ["a nested array", [b("a"), [b("b"), 2]], '1) "a"\n2) 1) "b"\n   2) (integer) 2', "a\nb\n2"],
    ["a map", new Map<RespValue, RespValue>([[b("id"), b("n1")], [b("up"), true]]), '1# "id" => "n1"\n2# "up" => (true)', "id\nn1\nup\ntrue"],
    ["an empty map", new Map(), "(empty map)", ""],
  ];
  for (const [name, value, humanText, rawText] of cases) {
    it(`shows ${name}`, () => {
      assert.equal(formatHuman(value), humanText);
      assert.equal(formatRaw(value).toString("latin1"), rawText);
    });
  }

  it("right-aligns indexes of ten or more items and indents their later lines", () => {
    const list: RespValue[] = Array.from({ length: 10 }, (_, i) => b(`v${i}`));
    list[9] = [b("x"), b("y")];
    const lines = formatHuman(list).split("\n");
    assert.equal(lines[0], ' 1) "v0"');
    assert.equal(lines[9], '10) 1) "x"');
    assert.equal(lines[10], '    2) "y"');
  });

  it("shows text replies (INFO) as lines, not as one quoted string", () => {
    assert.equal(formatText(b("# Server\r\nversion:1\r\n"), "human").toString(), "# Server\nversion:1");
    assert.equal(formatText(3, "human").toString(), "(integer) 3");
  });
});
