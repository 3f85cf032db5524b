import { test } from "node:test";
import assert from "node:assert/strict";
import { parseInt64 } from "./int64.js";

test("integers as Redis's string2ll reads them", () => {
  const cases: Array<[string, bigint | null]> = [
    ["0", 0n], ["7", 7n], ["-7", -7n], ["9223372036854775807", 9223372036854775807n], ["-9223372036854775808", -9223372036854775808n],
    ["9223372036854775808", null], ["-9223372036854775809", null], ["", null], ["-", null], ["-0", null], ["007", null],
    ["+1", null], [" 1", null], ["1 ", null], ["1.0", null], ["1e3", null], ["0x10", null], ["123456789012345678901", null],
  ];
  for (const [text, expected] of cases) assert.equal(parseInt64(new TextEncoder().encode(text)), expected, text);
});
