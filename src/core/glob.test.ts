import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { globMatch } from "./glob.js";

const cases: Array<[pattern: string, text: string, expected: boolean]> = [
  ["*", "", true],
  ["*", "anything", true],
  ["save", "save", true],
  ["save", "saves", false],
  ["sa*", "save", true],
  ["*max*", "maxclients", true],
  ["*max*", "proto-max-bulk-len", true],
  ["*max*", "save", false],
  ["a?c", "abc", true],
  ["a?c", "ac", false],
  ["[abc]x", "bx", true],
  ["[abc]x", "dx", false],
  ["[^abc]x", "dx", true],
  ["[^abc]x", "ax", false],
  ["[a-c]", "b", true],
  ["[c-a]", "b", true], // a reversed range still matches, as in Redis
  ["[a-c]", "d", false],
  ["\\*", "*", true],
  ["\\*", "a", false],
  ["a*b*c", "a-b-b-c", true],
  ["a*b*c", "a-b-b-d", false],
  ["[ab", "a", true], // an unterminated class runs to the end
];

test("glob patterns match as Redis's stringmatch does", () => {
  for (const [pattern, text, expected] of cases) {
    assert.equal(globMatch(pattern, text), expected, `${pattern} vs ${text}`);
  }
});

test("ignoreCase folds both sides", () => {
  assert.equal(globMatch("SAVE", "save"), false);
  assert.equal(globMatch("SAVE", "save", { ignoreCase: true }), true);
  assert.equal(globMatch("*MAX*", "maxclients", { ignoreCase: true }), true);
});

test("a pattern without special characters matches only itself", () => {
  fc.assert(fc.property(fc.stringMatching(/^[a-z0-9-]*$/), fc.stringMatching(/^[a-z0-9-]*$/), (pattern, text) => {
    assert.equal(globMatch(pattern, text), pattern === text);
  }));
});

test("`*` around a literal is a substring test", () => {
  fc.assert(fc.property(fc.stringMatching(/^[a-z]{0,4}$/), fc.stringMatching(/^[a-z]{0,12}$/), (needle, text) => {
    assert.equal(globMatch(`*${needle}*`, text), text.includes(needle));
  }));
});

test("many stars against a long non-matching text finish quickly", () => {
  const started = performance.now();
  assert.equal(globMatch("*a*a*a*a*a*a*a*a*b", "a".repeat(5000)), false);
  assert.ok(performance.now() - started < 1000);
});
