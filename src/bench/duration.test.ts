import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseDurationMs } from "./duration.js";

describe("parseDurationMs", () => {
  const cases: Array<[string, number | RegExp]> = [
    ["10s", 10_000],
    ["10", 10_000],
    ["500ms", 500],
    ["1.5s", 1_500],
    ["2m", 120_000],
    ["1h", 3_600_000],
    [" 3s ", 3_000],
    ["0", 0],
    ["ten", /expected a duration such as 10s, 500ms or 2m, got "ten"/],
    ["-1s", /expected a duration/],
    ["10 s", /expected a duration/],
    ["5d", /expected a duration/],
    ["", /expected a duration/],
    ["9".repeat(400), /too long/],
  ];
  for (const [text, expected] of cases) {
    it(`reads ${JSON.stringify(text)}`, () => {
      const result = parseDurationMs(text);
      if (typeof expected === "number") assert.equal(result, expected);
      else assert.match(String(result), expected);
    });
  }
});
