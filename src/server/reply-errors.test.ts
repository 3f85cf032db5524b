import { test } from "node:test";
import assert from "node:assert/strict";
import { arityError, parseInteger, unknownCommandError, unknownSubcommandError } from "./reply-errors.js";

const args = (...parts: string[]): Buffer[] => parts.map((part) => Buffer.from(part));

// Expected texts were captured from redis-server 7.0.15.
test("unknown command errors have Redis's exact wording", () => {
  const cases: Array<[Buffer[], string]> = [
    [args("foo", "a", "b"), "ERR unknown command 'foo', with args beginning with: 'a' 'b' "],
    [args("foo"), "ERR unknown command 'foo', with args beginning with: "],
    [args("foo", "x".repeat(200), "b"), `ERR unknown command 'foo', with args beginning with: '${"x".repeat(128)}' `],
    [args("x".repeat(200), "a"), `ERR unknown command '${"x".repeat(128)}', with args beginning with: 'a' `],
  ];
  for (const [input, expected] of cases) assert.equal(unknownCommandError(input).toResp(), expected);
});

test("the echoed argument list stops once it reaches 128 bytes", () => {
  const letters = "abcdefghijklmnopqrstuvwxyz".split("");
  const many = ["foo", ...letters, ...letters.map((l) => l + l)];
  const expected = "ERR unknown command 'foo', with args beginning with: "
    + letters.map((l) => `'${l}' `).join("") + ["aa", "bb", "cc", "dd", "ee"].map((l) => `'${l}' `).join("");
  assert.equal(unknownCommandError(args(...many)).toResp(), expected);
});

test("unknown subcommand and arity errors", () => {
  assert.equal(unknownSubcommandError(Buffer.from("client"), Buffer.from("foo")).toResp(),
    "ERR unknown subcommand 'foo'. Try CLIENT HELP.");
  assert.equal(arityError("client|getname").toResp(), "ERR wrong number of arguments for 'client|getname' command");
});

test("integers parse like Redis's string2ll", () => {
  const cases: Array<[string, number | null]> = [
    ["0", 0], ["15", 15], ["-3", -3], ["", null], ["-0", null], ["01", null], [" 1", null], ["+1", null],
    ["1.5", null], ["99999999999999999999", null],
  ];
  for (const [text, expected] of cases) assert.equal(parseInteger(Buffer.from(text)), expected, text);
});
